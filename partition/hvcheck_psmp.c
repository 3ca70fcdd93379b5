/*
 * Debug-VMHost -Action HypercallValidation, the parent's processors
 * (psmp.h; docs/ARCHITECTURE.md "The parent's processors"):
 * HvCallStartVirtualProcessor (TLFS "Virtual Processor Management") fed
 * good and bad input, and an event signalled to each other processor
 * through a port that targets it: its SIEF flag set, its SINT interrupt
 * taken on it, the round trip timed. Then every processor at once
 * (psmp_run) allocates and frees from the shared heap and makes
 * hypercalls whose output depends on their input: each block holds
 * only what its owner wrote, each output is the one its input asked
 * for, and the heap ends as it began.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "partition/arch/cpu.h"
#include "partition/arch/psmp.h"
#include "partition/hvcheck.h"
#include "lib/spinlock.h"
#include "partition/parent.h"
#include "partition/vm.h"

#define PORT_VP  0x180        /* + the processor's index */
#define CONN_VP  0x280
#define ROUNDS   20
#define CR0_PG   (1ull << 31)
#define CR0_PE   1ull
#define STRESS_ROUNDS 2000
#define STRESS_SLOTS  8
#define STRESS_SPAN   2048   /* log offsets read: base .. base + SPAN - 1 */

/* One processor's part of the concurrent round. */
struct stress {
	const struct hvpart_log_chunk *ref;   /* hv's log from base, read first */
	uint64_t base;
	uint32_t span;                        /* offsets read: base .. base + span - 1 */
	uint32_t seed;
	unsigned allocs, calls, bad_blocks, bad_calls, no_memory;
	struct { uint8_t *p; uint32_t len; uint8_t fill; } slot[STRESS_SLOTS];
};

static uint16_t start_vp(uint64_t part, uint32_t vp, uint8_t vtl, uint64_t cr0)
{
	static struct hv_input_start_vp in;

	memset(&in, 0, sizeof(in));
	in.partition_id = part;
	in.vp_index = vp;
	in.target_vtl = vtl;
	/* psmp.c's context, but for what is checked. */
	psmp_context(&in.ctx, 0, 0);
	in.ctx.cr0 = cr0;
	return hvcall(HVCALL_START_VP, &in, sizeof(in), NULL, 0);
}

static void check_start(struct chk *c, uint32_t hv_vps)
{
	uint64_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	hvcheck_expect(c, "start VP: unknown partition", start_vp(99, 1, 0, cr0),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "start VP: VTL 1", start_vp(HVCALL_SELF, 1, 1, cr0),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "start VP: past the parent's processors", start_vp(HVCALL_SELF, hv_vps, 0, cr0),
		       HV_STATUS_INVALID_VP_INDEX);
	hvcheck_expect(c, "start VP: the first, running", start_vp(HVCALL_SELF, 0, 0, cr0),
		       HV_STATUS_INVALID_VP_STATE);
	hvcheck_expect(c, "start VP: paging without protection",
		       start_vp(HVCALL_SELF, 0, 0, (cr0 & ~CR0_PE) | CR0_PG), HV_STATUS_INVALID_PARAMETER);
	if (hv_vps > 1)
		hvcheck_expect(c, "start VP: one started already", start_vp(HVCALL_SELF, 1, 0, cr0),
			       HV_STATUS_INVALID_VP_STATE);
}

static uint16_t disconnect(uint32_t conn)
{
	struct hv_input_disconnect_port in = { HVCALL_SELF, conn, 0 };

	return hvcall(HVCALL_DISCONNECT_PORT, &in, sizeof(in), NULL, 0);
}

/* One signal to processor vp and its interrupt there: TSC ticks, or 0
 * if it did not come within a second. */
static uint64_t ping(unsigned vp, volatile uint8_t *flags)
{
	uint64_t before = psmp_sints(vp), t0 = cpu_rdtsc();

	if (hvcall_fast(HVCALL_SIGNAL_EVENT, CONN_VP + vp))
		return 0;
	while (psmp_sints(vp) == before)
		if (cpu_rdtsc() - t0 > parent_tsc_hz)
			return 0;
	/* Flag 0 of its SINT: cleared, so that the next signal interrupts
	 * again (TLFS "Event Flags": a set flag raises nothing more). */
	return __atomic_exchange_n(&flags[0], 0, __ATOMIC_SEQ_CST) & 1 ? cpu_rdtsc() - t0 : 0;
}

static void check_signal(struct chk *c, unsigned vp)
{
	volatile struct hv_event_flags_page *sief = psmp_sief(vp);
	uint64_t best = 0, sum = 0, t;
	unsigned ok = 0;
	char what[80];

	hvcheck_expect(c, "create port: event port on another processor",
		       hvcall_create_port_vp(HVCALL_SELF, PORT_VP + vp, HV_PORT_TYPE_EVENT, PSMP_SINT, vp,
					     HVCALL_SELF, 0, 1), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "connect: to it", hvcall_connect_port(HVCALL_SELF, CONN_VP + vp, HVCALL_SELF,
								 PORT_VP + vp, HV_PORT_TYPE_EVENT),
		       HV_STATUS_SUCCESS);
	for (unsigned i = 0; sief && i < ROUNDS; i++) {
		t = ping(vp, sief->sint[PSMP_SINT].bits);
		ok += t != 0;
		sum += t;
		best = !best || (t && t < best) ? t : best;
	}
	snprintf(what, sizeof(what), "signal: processor %u took %d of %d", vp, ok, ROUNDS);
	hvcheck_true(c, what, ok == ROUNDS);
	if (ok)
		printf("  processor %u: signal to its interrupt %llu ticks (best), %llu (mean)\n",
		       vp, (unsigned long long)best, (unsigned long long)(sum / ok));
	hvcheck_expect(c, "delete: its port", hvcall_delete_port(HVCALL_SELF, PORT_VP + vp),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "disconnect: its connection", disconnect(CONN_VP + vp), HV_STATUS_SUCCESS);
}

static uint32_t next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

/* Frees slot k after checking it still holds only its own fill: a block
 * the heap also gave another processor would hold that one's. */
static void stress_free(struct stress *w, unsigned k)
{
	for (uint32_t i = 0; w->slot[k].p && i < w->slot[k].len; i++)
		if (w->slot[k].p[i] != w->slot[k].fill) {
			w->bad_blocks++;
			break;
		}
	free(w->slot[k].p);
	w->slot[k].p = NULL;
}

static void stress_alloc(struct stress *w, unsigned k, uint32_t r)
{
	uint32_t len = 16 + r % 4000;

	stress_free(w, k);
	w->slot[k].p = r & 1 ? malloc(len) : memalign(64u << (r % 4), len);
	if (!w->slot[k].p) {
		w->no_memory++;
		return;
	}
	w->slot[k].len = len;
	w->slot[k].fill = (uint8_t)(r >> 3);
	memset(w->slot[k].p, w->slot[k].fill, len);
	w->allocs++;
}

/* HvpartReadLog at an offset of our own: the output must be hv's log
 * from exactly there, as the first read saw it. */
static void stress_call(struct stress *w, struct hvpart_log_chunk *c, uint32_t r)
{
	uint64_t off = w->base + r % w->span;
	uint32_t d = (uint32_t)(off - w->base), n;

	w->calls++;
	if (hvcall(HVCALL_HVPART_READ_LOG, &off, sizeof(off), c, sizeof(*c)) || c->start != off) {
		w->bad_calls++;
		return;
	}
	n = w->ref->len - d < c->len ? w->ref->len - d : c->len;
	if (!n || memcmp(c->data, w->ref->data + d, n))
		w->bad_calls++;
}

static void stress_run(void *arg)
{
	struct stress *w = arg;
	struct hvpart_log_chunk *c = malloc(sizeof(*c));
	uint32_t x = w->seed;

	for (unsigned i = 0; c && i < STRESS_ROUNDS; i++) {
		uint32_t r = next_rand(&x);

		stress_alloc(w, r % STRESS_SLOTS, next_rand(&x));
		if (i % 8 == 0)
			stress_call(w, c, next_rand(&x));
	}
	for (unsigned k = 0; k < STRESS_SLOTS; k++)
		stress_free(w, k);
	if (!c)
		w->no_memory++;
	free(c);
}

static void stress_report(struct chk *c, const struct stress *w, unsigned n)
{
	char what[96];

	for (unsigned vp = 0; vp < n; vp++) {
		snprintf(what, sizeof(what), "all at once: processor %u's blocks and hypercall outputs its own", vp);
		hvcheck_true(c, what, !w[vp].bad_blocks && !w[vp].bad_calls && !w[vp].no_memory &&
				      w[vp].calls == STRESS_ROUNDS / 8);
		if (w[vp].bad_blocks || w[vp].bad_calls || w[vp].no_memory)
			printf("  processor %u: %u blocks overwritten, %u hypercall outputs wrong, %u allocations failed\n",
			       vp, w[vp].bad_blocks, w[vp].bad_calls, w[vp].no_memory);
	}
}

/* Every processor runs stress_run at once, the first too. */
static void check_concurrent(struct chk *c)
{
	static struct stress w[PSMP_MAX_VPS];
	struct hvpart_log_chunk *ref = malloc(sizeof(*ref));
	const struct spinlock *heap = parent_malloc_lock();
	uint64_t taken0 = heap->taken, waited0 = heap->contended, in_use, base;
	unsigned n = psmp_online(), started = 1;

	base = 0;
	if (ref && !hvcall(HVCALL_HVPART_READ_LOG, &base, 8, ref, sizeof(*ref))) {
		/* Well inside the 64 KiB hv keeps, and before its end. */
		base = ref->end > STRESS_SPAN + 4096 ? ref->end - STRESS_SPAN - 4096 : 0;
		if (hvcall(HVCALL_HVPART_READ_LOG, &base, 8, ref, sizeof(*ref)))
			ref->len = 0;
	}
	if (!ref || ref->len < 64) {
		hvcheck_true(c, "all at once: hv's log to compare with", 0);
		free(ref);
		return;
	}
	in_use = mallinfo().uordblks;
	memset(w, 0, sizeof(w));
	for (unsigned vp = 0; vp < n; vp++)
		w[vp] = (struct stress){ .ref = ref, .base = ref->start, .seed = 17 + vp * 7919,
					 .span = ref->len < STRESS_SPAN ? ref->len : STRESS_SPAN };
	for (unsigned vp = 1; vp < n; vp++)
		started += psmp_run(vp, stress_run, &w[vp]) == 0;
	stress_run(&w[0]);
	for (unsigned vp = 1; vp < n; vp++)
		hvcheck_true(c, "all at once: a processor's work returned", psmp_wait(vp, 30 * parent_tsc_hz) == 0);
	hvcheck_true(c, "all at once: every processor took its work", started == n);
	stress_report(c, w, n);
	hvcheck_true(c, "all at once: the heap ends as it began", mallinfo().uordblks == in_use);
	printf("  all at once: %u processors, %u allocations and %u hypercalls each; heap lock taken %llu times, %llu waited\n",
	       n, w[0].allocs, w[0].calls, (unsigned long long)(heap->taken - taken0),
	       (unsigned long long)(heap->contended - waited0));
	free(ref);
}

int hvcheck_run_psmp(void)
{
	struct chk c = { 0, 0, 0, 0 };

	hvcheck_psmp(&c);
	printf("ParentProcessors: %d checks, %d failed\n", c.run, c.failed);
	return c.failed ? -1 : 0;
}

void hvcheck_psmp(struct chk *c)
{
	struct hvpart_host_info hi;

	if (hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi))) {
		hvcheck_true(c, "host info", 0);
		return;
	}
	hvcheck_true(c, "the parent runs every processor hv gave it", psmp_online() == hi.cpus_parent);
	check_start(c, hi.cpus_parent);
	for (unsigned vp = 1; vp < psmp_online(); vp++)
		check_signal(c, vp);
	if (psmp_online() > 1)
		check_concurrent(c);
}
