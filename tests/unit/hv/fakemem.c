#include "tests/unit/hv/fakemem.h"

#include <stdlib.h>
#include <string.h>

void fakemem_init(struct fakemem *m, uint64_t base)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->fail_after = -1;
}

void *fakemem_alloc_table(void *ctx, uint64_t *pa)
{
	struct fakemem *m = ctx;
	uint64_t n;

	if (m->fail_after == 0)
		return NULL;
	if (m->fail_after > 0)
		m->fail_after--;
	for (n = 0; n < FAKEMEM_SLOTS; n++) {
		uint64_t s = (m->next + n) % FAKEMEM_SLOTS;

		if (m->page[s])
			continue;
		m->page[s] = aligned_alloc(4096, 4096);
		if (!m->page[s])
			return NULL;
		/* Dirty the page first: the builder must not rely on more than
		 * the zeroing the contract promises, which we then do. */
		memset(m->page[s], 0xcc, 4096);
		memset(m->page[s], 0, 4096);
		m->next = s + 1;
		m->live++;
		m->allocs++;
		*pa = m->base + s * 4096;
		return m->page[s];
	}
	return NULL;
}

static int64_t fakemem_slot(const struct fakemem *m, uint64_t pa)
{
	if (pa < m->base || (pa - m->base) % 4096 ||
	    (pa - m->base) / 4096 >= FAKEMEM_SLOTS)
		return -1;
	return (int64_t)((pa - m->base) / 4096);
}

void fakemem_free_table(void *ctx, uint64_t pa)
{
	struct fakemem *m = ctx;
	int64_t s = fakemem_slot(m, pa);

	if (s < 0 || !m->page[s]) {
		m->bad_frees++;
		return;
	}
	memset(m->page[s], 0xdd, 4096);
	free(m->page[s]);
	m->page[s] = NULL;
	m->live--;
	m->frees++;
}

void *fakemem_phys_to_virt(void *ctx, uint64_t pa)
{
	struct fakemem *m = ctx;
	int64_t s = fakemem_slot(m, pa & ~4095ull);

	if (s < 0 || !m->page[s])
		abort();        /* the builder followed a bogus pointer */
	return (char *)m->page[s] + (pa & 4095);
}

void fakemem_release(struct fakemem *m)
{
	uint64_t s;

	for (s = 0; s < FAKEMEM_SLOTS; s++) {
		free(m->page[s]);
		m->page[s] = NULL;
	}
}
