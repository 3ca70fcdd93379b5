/* Test-only table memory for the EPT and page-table builders: every table
 * is its own aligned heap block (so ASan/LSan see leaks and overruns) at a
 * fake physical address, reached only through fakemem_phys_to_virt. */
#ifndef TESTS_UNIT_HV_FAKEMEM_H
#define TESTS_UNIT_HV_FAKEMEM_H

#include <stdint.h>

#define FAKEMEM_SLOTS 65536

struct fakemem {
	uint64_t base;          /* fake physical address of slot 0 */
	void *page[FAKEMEM_SLOTS];
	uint64_t live;          /* tables allocated and not yet freed */
	uint64_t allocs, frees;
	int64_t fail_after;     /* allocations left before failing; <0 never */
	unsigned bad_frees;     /* frees of unknown or already freed pages */
	uint64_t next;          /* next slot to try */
};

void fakemem_init(struct fakemem *m, uint64_t base);
void *fakemem_alloc_table(void *ctx, uint64_t *pa);
void fakemem_free_table(void *ctx, uint64_t pa);
void *fakemem_phys_to_virt(void *ctx, uint64_t pa);
/* Free anything left (after a test has checked live == 0). */
void fakemem_release(struct fakemem *m);

#endif
