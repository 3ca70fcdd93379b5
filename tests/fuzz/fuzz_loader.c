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
	if (rc == 0 && (vp.rip >= FZ_RAM || vp.rbx < 0x9000 || vp.rbx >= 0x9fc00))
		abort();
	free(copy);
	return 0;
}
