/*
 * libFuzzer target for the child kernel loader: arbitrary bytes as the
 * kernel file, with one module and a command line. The fake guest RAM
 * counts any write outside it; ASan catches reads outside the file (the
 * input is copied to an exact-size heap buffer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "partition/loader/multiboot.h"
#include "tests/unit/loader/gmem_fake.h"

#define FZ_RAM (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const uint8_t *mem, uint64_t gpa)
{
	uint32_t v;

	if (gpa > FZ_RAM - 4)
		abort();
	memcpy(&v, mem + gpa, 4);
	return v;
}

/* The module's GPA and the boot information's extent, from the boot
 * information itself (Multiboot 0.6.96 §3.3, Multiboot2 §3.6). */
static uint64_t module_gpa(const uint8_t *mem, const struct ldr_vp_state *vp,
			   uint64_t *info_len)
{
	uint64_t p, end;

	if (vp->rax == 0x2badb002) {
		*info_len = 68;
		return rd32(mem, rd32(mem, vp->rbx + 24));
	}
	*info_len = rd32(mem, vp->rbx);
	end = vp->rbx + *info_len;
	for (p = vp->rbx + 8; p + 8 <= end; p = (p + rd32(mem, p + 4) + 7) & ~7ull) {
		if (rd32(mem, p) == 3)
			return rd32(mem, p + 8);
		if (rd32(mem, p + 4) < 8)
			break;
	}
	abort();
}

/* A loaded kernel's boot information lies in available RAM (not in the
 * reserved [0x9fc00, 1 MiB)) and does not cover the module, whose bytes
 * are intact (docs/child-platform.md "Boot"). */
static void check_placement(const uint8_t *mem, const struct ldr_vp_state *vp,
			    const uint8_t *mod, size_t modlen)
{
	uint64_t len, at;

	if (vp->rip >= FZ_RAM || vp->rbx >= FZ_RAM || vp->rbx % 8 ||
	    (vp->rbx >= 0x9fc00 && vp->rbx < 0x100000))
		abort();
	at = module_gpa(mem, vp, &len);
	if (at % 4096 || at + modlen > FZ_RAM || memcmp(mem + at, mod, modlen) ||
	    (vp->rbx < at + modlen && at < vp->rbx + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	static const uint8_t modbytes[100] = { 1, 2, 3 };
	struct ldr_file mod = { "mod", modbytes, sizeof(modbytes) };
	struct fake_ram r = { 0 };
	struct ldr_vp_state vp;
	struct ldr_gmem gm;
	struct ldr_file k;
	uint8_t *copy = malloc(size ? size : 1);
	char why[128];
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
	rc = ldr_load_multiboot(&gm, &k, &mod, 1, "console=ttyS0", &vp, why, sizeof(why));
	if (r.oob || rc > 0 || (rc < 0 && !why[0]))
		abort();
	if (rc == 0)
		check_placement(mem, &vp, modbytes, sizeof(modbytes));
	free(copy);
	return 0;
}
