/* libFuzzer target for hv/arch/x86/pagewalk.c: paging registers and an
 * access from the first bytes, guest memory from the rest. The walk
 * reads and updates only that memory, returns one of its results with
 * an error code that names the access, keeps the page offset, and gives
 * the same answer with and without A/D updates (they follow the
 * decision; a later walk may differ, as on a CPU, when a table aliases
 * another and the flag lands in a reserved bit). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/arch/x86/pagewalk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fmem {
	uint8_t *b;
	size_t n;
};

static int rd(void *ctx, uint64_t gpa, uint64_t *val, unsigned sz)
{
	struct fmem *m = ctx;

	if (gpa >= m->n || m->n - gpa < sz)
		return -1;
	*val = 0;
	memcpy(val, m->b + gpa, sz);
	return 0;
}

static void setb(void *ctx, uint64_t gpa, uint64_t bits, unsigned sz)
{
	struct fmem *m = ctx;
	uint64_t v = 0;

	if (gpa >= m->n || m->n - gpa < sz || (sz != 4 && sz != 8) || (bits & ~0x60ull))
		abort();
	memcpy(&v, m->b + gpa, sz);
	v |= bits;
	memcpy(m->b + gpa, &v, sz);
}

#define HDR 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_regs r;
	struct fmem fm;
	struct pw_mem m = { &fm, rd, setb }, ro = { &fm, rd, NULL };
	uint64_t lin, g1 = 0, g2 = 0, w[4];
	uint32_t e1 = 0, e2 = 0;
	unsigned access;
	int rc1, rc2;

	if (size < HDR)
		return 0;
	memcpy(w, data, sizeof(w));
	r = (struct pw_regs){
		.cr0 = (w[0] & 0x80010001ull) | 1,           /* PG, WP, PE */
		.cr4 = (w[0] >> 32) & 0x301030ull,          /* PSE PAE LA57 SMEP SMAP */
		.efer = (w[1] & 0xc00ull),                  /* LMA NXE */
		.rflags = w[1] & (1ull << 18),
		.cpl = (w[1] >> 20) & 3,
		.maxphyaddr = 32 + (unsigned)((w[1] >> 24) % 21),
		.gb_pages = (w[1] >> 40) & 1,
		.cr3 = w[2] & 0xffff,
	};
	if (r.efer & (1ull << 10))
		r.cr4 |= 1ull << 5;                          /* LMA implies PAE */
	lin = w[3];
	access = (unsigned)(w[1] >> 48) & (PW_WRITE | PW_FETCH | PW_IMPLICIT);
	fm.n = size - HDR;
	fm.b = malloc(fm.n ? fm.n : 1);
	if (!fm.b)
		return 0;
	memcpy(fm.b, data + HDR, fm.n);
	rc1 = pw_translate(&r, &ro, lin, access, &g1, &e1);
	rc2 = pw_translate(&r, &m, lin, access, &g2, &e2);
	if (rc1 != rc2 || (rc1 == 0 && g1 != g2) || (rc1 == PW_FAULT && e1 != e2))
		abort();
	if (rc1 == 0 && ((g1 ^ lin) & 0xfff))
		abort();
	if (rc1 == PW_FAULT) {
		bool user = r.cpl == 3 && !(access & PW_IMPLICIT);

		if ((e1 & ~0x1fu) || !!(e1 & PF_W) != !!(access & PW_WRITE) ||
		    !!(e1 & PF_U) != user || ((e1 & PF_RSVD) && !(e1 & PF_P)) ||
		    ((e1 & PF_I) && !(access & PW_FETCH)))
			abort();
	}
	if (rc1 != 0 && rc1 != PW_FAULT && rc1 != PW_BAD_TABLE)
		abort();
	free(fm.b);
	return 0;
}
