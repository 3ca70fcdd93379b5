/*
 * libFuzzer target for the Linux boot protocol loader (partition/loader/
 * linux.c): arbitrary bytes as the bzImage, with an initrd and a command
 * line. The fake guest RAM counts any write outside it; ASan catches reads
 * outside the file (the input is copied to an exact-size heap buffer). A
 * success must satisfy boot.rst: entry 0x200 into an aligned load address
 * inside RAM, the zero page's sentinel clear, the initrd intact above the
 * kernel's init_size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "partition/loader/linux.h"
#include "tests/unit/loader/gmem_fake.h"

#define FZ_RAM (32u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *mem, const struct ldr_vp_state *vp,
		  const struct ldr_linux_info *in, const uint8_t *rd, size_t rdlen)
{
	if (vp->rip != in->load + 0x200 || in->load < 0x100000 ||
	    in->load + in->init_size > FZ_RAM || vp->rsi + 4096 > FZ_RAM)
		abort();
	if (mem[vp->rsi + 0x1ef] != 0 || mem[vp->rsi + 0x210] != 0xff)
		abort();
	if (in->initrd_gpa % 4096 || in->initrd_gpa < in->load + in->init_size ||
	    in->initrd_gpa + rdlen > FZ_RAM || memcmp(mem + in->initrd_gpa, rd, rdlen))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	static const uint8_t rdbytes[300] = { 0x1f, 0x8b, 8 };
	struct ldr_file rd = { "initrd", rdbytes, sizeof(rdbytes) };
	struct fake_ram r = { 0 };
	struct ldr_linux_info in;
	struct ldr_vp_state vp;
	struct ldr_gmem gm;
	struct ldr_file k;
	struct ldr_linux_boot b = { &k, &rd, "console=ttyS0", 0xe0000 };
	uint8_t *copy = malloc(size ? size : 1);
	char why[160];
	int rc;

	if (!mem)
		mem = malloc(FZ_RAM);
	if (!mem || !copy)
		abort();
	memcpy(copy, data, size);
	r.b = mem;
	r.size = FZ_RAM;
	gm = fake_gmem(&r);
	k = (struct ldr_file){ "fuzz", copy, size };
	rc = ldr_load_linux(&gm, &b, &vp, &in, why, sizeof(why));
	if (r.oob || rc > 0 || (rc < 0 && !why[0]))
		abort();
	if (rc == 0)
		check(mem, &vp, &in, rdbytes, sizeof(rdbytes));
	free(copy);
	return 0;
}
