/*
 * Debug-VMHost -Action HypercallValidation, memory-capture part
 * (docs/hypercalls.md "Memory capture"): CAPTURE_START, TAKE, DRAIN and
 * END refuse what is not a suspended child's, stash pages that are not
 * the parent's (hv's, the child's, repeated, unaligned), counts out of
 * range and releases of entries never listed; then, with a child that
 * keeps incrementing a word in its data page:
 *  - a page the parent maps is kept before the map (DRAIN lists it);
 *  - pages the parent holds mapped at START are not kept at once (a
 *    one-page stash does): the parent's first write to one keeps it
 *    first, TAKE copies the other, a write once taken costs nothing,
 *    and with no stash left the parent's write gives the capture up
 *    while the write itself happens;
 *  - the guest's first write to its data page is kept before it happens
 *    (the stash holds the value of the suspend, the page goes on);
 *  - TAKE copies exactly the pages not kept yet;
 *  - END gives the stash back (a second capture takes the same pages).
 */
#include <stdio.h>
#include <string.h>
#include "partition/hvcheck.h"
#include "partition/parent.h"
#include "partition/pmem.h"
#include "partition/vsp/vsp_gpadl.h"

#define CODE_GPFN 0x100u
#define DATA_GPFN 0x101u
#define NPAGES    4u                   /* code, data, two more */
#define NSTASH    40u
#define PATTERN(k) (0x7c000000u + (k))

/* 1: inc dword [0x101000]; pause; jmp 1b */
static const uint8_t code[] = { 0xff, 0x05, 0x00, 0x10, 0x10, 0x00, 0xf3, 0x90, 0xeb, 0xf6 };

struct cap_fixture {
	uint64_t id;
	struct pmem_set child, stash, buf;
};

static uint64_t pa_of(const struct pmem_set *s, uint32_t k)
{
	uint64_t contig;

	return pmem_gpa_to_pa(s, (uint64_t)k * 4096, &contig);
}

static uint32_t word(uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

static void poke(uint64_t pa, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)pa = v;
}

static uint16_t start(uint64_t id, const uint64_t *pa, uint32_t n)
{
	static struct hvpart_capture_start_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.count = n;
	memcpy(in.pa, pa, (n < HVPART_CAPTURE_STASH ? n : HVPART_CAPTURE_STASH) * 8);
	return hvcall(HVCALL_HVPART_CAPTURE_START, &in, sizeof(in), NULL, 0);
}

static uint16_t take(uint64_t id, uint64_t first, uint32_t n, const uint64_t *pa,
		     struct hvpart_capture_take_out *out)
{
	static struct hvpart_capture_take_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.first_gpfn = first;
	in.count = n;
	memcpy(in.pa, pa, (n < HVPART_CAPTURE_TAKE ? n : HVPART_CAPTURE_TAKE) * 8);
	return hvcall(HVCALL_HVPART_CAPTURE_TAKE, &in, sizeof(in), out, sizeof(*out));
}

static uint16_t drain(uint64_t id, uint32_t release, struct hvpart_capture_drain_out *out)
{
	struct hvpart_capture_drain_in in = { id, release, 0 };

	return hvcall(HVCALL_HVPART_CAPTURE_DRAIN, &in, sizeof(in), out, sizeof(*out));
}

static uint16_t end(uint64_t id, struct hvpart_capture_stats *st)
{
	return hvcall(HVCALL_HVPART_CAPTURE_END, &id, 8, st, sizeof(*st));
}

static uint16_t id_call(uint16_t code_, uint64_t id)
{
	return hvcall(code_, &id, 8, NULL, 0);
}

/* The child: NPAGES pages at 1 MiB (its code, then patterns), one vCPU
 * in a flat 32-bit state at the code, started. */
static int fixture_make(struct cap_fixture *f)
{
	static struct hvpart_vp_state_in vs;
	static struct hvpart_deposit_in dep;
	struct hvpart_create_in cin = { "hvcheck-capture", 4u << 20 };
	uint64_t vp[2];

	if (pmem_alloc(NPAGES * 4096, &f->child) || pmem_alloc(NSTASH * 4096, &f->stash) ||
	    pmem_alloc(NPAGES * 4096, &f->buf) ||
	    hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &f->id, 8))
		return -1;
	for (uint32_t k = 0; k < NPAGES; k++)
		poke(pa_of(&f->child, k), PATTERN(k));
	memcpy((void *)(uintptr_t)pa_of(&f->child, 0), code, sizeof(code));
	memset(&dep, 0, sizeof(dep));
	dep.partition_id = f->id;
	dep.nruns = 0;
	for (uint32_t k = 0; k < NPAGES; k++)
		dep.runs[dep.nruns++] = (struct hvpart_deposit_run){ (CODE_GPFN + k) * 4096ull,
								    pa_of(&f->child, k) >> 12, 1 };
	vp[0] = f->id;
	vp[1] = 0;
	memset(&vs, 0, sizeof(vs));
	vs.partition_id = f->id;
	vs.state.rip = CODE_GPFN * 4096ull;
	vs.state.rflags = 2;
	vs.state.cr0 = 0x11;
	vs.state.cs = (struct hvpart_seg){ 0, 0xffffffff, 0xc09b, 8, { 0 } };
	vs.state.ds = vs.state.es = vs.state.fs = vs.state.gs = vs.state.ss =
		(struct hvpart_seg){ 0, 0xffffffff, 0xc093, 0x10, { 0 } };
	vs.state.tr = (struct hvpart_seg){ 0, 0x67, 0x8b, 0x18, { 0 } };
	vs.state.ldtr = (struct hvpart_seg){ 0, 0, 1u << 16, 0, { 0 } };
	return hvcall(HVCALL_HVPART_DEPOSIT_PAGES, &dep, sizeof(dep), NULL, 0) ||
	       hvcall(HVCALL_HVPART_CREATE_VP, vp, sizeof(vp), NULL, 0) ||
	       hvcall(HVCALL_HVPART_SET_VP_STATE, &vs, sizeof(vs), NULL, 0) ||
	       id_call(HVCALL_HVPART_START_PARTITION, f->id) ? -1 : 0;
}

static void stash_list(const struct cap_fixture *f, uint64_t *pa)
{
	for (uint32_t k = 0; k < NSTASH; k++)
		pa[k] = pa_of(&f->stash, k);
}

static void check_refusals(struct chk *c, const struct cap_fixture *f)
{
	/* Whole stash's worth: start() copies up to HVPART_CAPTURE_STASH
	 * entries, also for the count hv must refuse. */
	static uint64_t pa[HVPART_CAPTURE_STASH];
	uint64_t id = f->id;

	stash_list(f, pa);
	hvcheck_expect(c, "capture start: no such partition", start(99, pa, 1), HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "capture start: the parent", start(0, pa, 1), HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "capture start: a child not suspended", start(id, pa, 1),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "capture take: no capture", take(id, 0, 1, pa, &(struct hvpart_capture_take_out){ 0 }),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "capture drain: no capture", drain(id, 0, &(struct hvpart_capture_drain_out){ 0 }),
		       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_expect(c, "capture end: no capture", end(id, &(struct hvpart_capture_stats){ 0 }),
		       HV_STATUS_INVALID_PARTITION_STATE);
	id_call(HVCALL_HVPART_SUSPEND_PARTITION, id);
	hvcheck_expect(c, "capture start: no stash", start(id, pa, 0), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "capture start: 256 stash pages", start(id, pa, HVPART_CAPTURE_STASH + 1),
		       HV_STATUS_INVALID_PARAMETER);
	pa[1] = 0x200000;
	hvcheck_expect(c, "capture start: hv's page in the stash", start(id, pa, 2), HV_STATUS_INVALID_PARAMETER);
	pa[1] = pa_of(&f->child, 1);
	hvcheck_expect(c, "capture start: the child's own page in the stash", start(id, pa, 2),
		       HV_STATUS_INVALID_PARAMETER);
	pa[1] = pa[0] + 8;
	hvcheck_expect(c, "capture start: an unaligned stash page", start(id, pa, 2), HV_STATUS_INVALID_PARAMETER);
	pa[1] = pa[0];
	hvcheck_expect(c, "capture start: a stash page twice", start(id, pa, 2), HV_STATUS_INVALID_PARAMETER);
}

/* A good capture; the stash pages must be the parent's again after
 * every refusal above, or this START would refuse them. */
static void check_take(struct chk *c, const struct cap_fixture *f)
{
	static struct hvpart_capture_take_out out;
	/* take() copies up to HVPART_CAPTURE_TAKE entries (the refused
	 * count included); the rest stay 0. */
	static uint64_t pa[HVPART_CAPTURE_TAKE];
	uint64_t id = f->id;

	for (uint32_t k = 0; k < NPAGES; k++)
		pa[k] = pa_of(&f->buf, k);
	hvcheck_expect(c, "capture take: no pages", take(id, CODE_GPFN, 0, pa, &out), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "capture take: 505 pages", take(id, CODE_GPFN, HVPART_CAPTURE_TAKE + 1, pa, &out),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "capture take: past the child's memory", take(id, 1u << 20, 1, pa, &out),
		       HV_STATUS_INVALID_PARAMETER);
	pa[NPAGES] = pa_of(&f->stash, 0);
	hvcheck_expect(c, "capture take: into a stash page", take(id, CODE_GPFN, 1, pa + NPAGES, &out),
		       HV_STATUS_INVALID_PARAMETER);
	pa[NPAGES] = 0x200000;
	hvcheck_expect(c, "capture take: into hv's page", take(id, CODE_GPFN, 1, pa + NPAGES, &out),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "capture take: code, data and two pages", take(id, CODE_GPFN, NPAGES, pa, &out),
		       HV_STATUS_SUCCESS);
	/* The data page was kept before the guest's write: not taken again. */
	hvcheck_true(c, "  it copied the pages not kept yet (all but the data page)",
		     out.copied[0] == 0xd && !memcmp((void *)(uintptr_t)pa[0], code, sizeof(code)) &&
		     word(pa[2]) == PATTERN(2));
	hvcheck_expect(c, "capture take: the same pages again (nothing left)", take(id, CODE_GPFN, NPAGES, pa, &out),
		       HV_STATUS_SUCCESS);
	hvcheck_true(c, "  nothing copied", out.copied[0] == 0);
}

/* Let the child run a few PIT ticks (the parent halts). */
static void let_run(void)
{
	for (int i = 0; i < 3; i++)
		__asm__ volatile("sti; hlt" ::: "memory");
}

/* The child's counter, read through a map (suspended or not). */
static uint32_t counter(uint64_t id)
{
	uint64_t g = DATA_GPFN, pa;
	uint32_t v = 0;

	if (!vsp_gpadl_hv_map(id, &g, 1, &pa)) {
		v = word(pa);
		vsp_gpadl_hv_unmap(&pa, 1);
	}
	return v;
}

static void check_live(struct chk *c, const struct cap_fixture *f)
{
	static struct hvpart_capture_drain_out d;
	struct hvpart_capture_stats st;
	uint64_t id = f->id, pa[NSTASH];
	uint32_t at_suspend = counter(id);

	stash_list(f, pa);
	hvcheck_expect(c, "capture start: 40 stash pages", start(id, pa, NSTASH), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "capture start: twice", start(id, pa, NSTASH), HV_STATUS_INVALID_PARTITION_STATE);
	id_call(HVCALL_HVPART_RESUME_PARTITION, id);
	let_run();
	hvcheck_expect(c, "capture drain: release never listed", drain(id, 1, &d), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "capture drain: the kept pages", drain(id, 0, &d), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  the guest's data page, as it was at the suspend",
		     d.count == 1 && d.e[0].gpfn == DATA_GPFN &&
		     word(d.e[0].pa) == at_suspend);
	hvcheck_true(c, "  and the guest went on writing it", counter(id) > at_suspend);
	check_take(c, f);
	hvcheck_expect(c, "capture drain: release what it listed", drain(id, d.count, &d), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  the stash is empty", d.count == 0);
	hvcheck_expect(c, "capture end", end(id, &st), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  its counts: 1 guest write kept, 3 pages taken, none given up",
		     st.guest_faults == 1 && st.taken == 3 && !st.failed && st.stash_peak == 1);
	hvcheck_expect(c, "capture end: twice", end(id, &st), HV_STATUS_INVALID_PARTITION_STATE);
	id_call(HVCALL_HVPART_SUSPEND_PARTITION, id);
	hvcheck_expect(c, "capture start: the same stash again (given back)", start(id, pa, NSTASH),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "capture end of an armed capture", end(id, &st), HV_STATUS_SUCCESS);
}

/* The parent writes one page it mapped before START (kept first, the
 * write done), TAKEs the other and writes it too (nothing kept). */
static void parent_writes_kept(struct chk *c, uint64_t id, const uint64_t *m, const uint64_t *pa)
{
	static struct hvpart_capture_drain_out d;
	static struct hvpart_capture_take_out out;
	struct hvpart_capture_stats st;

	hvcheck_expect(c, "capture start: 1 stash page, 2 pages the parent maps", start(id, pa, 1),
		       HV_STATUS_SUCCESS);
	hvcheck_expect(c, "capture drain: right after the start", drain(id, 0, &d), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  the mapped pages are not in the stash", d.count == 0);
	poke(m[0], 0x600d);
	hvcheck_expect(c, "capture drain: after the parent's write", drain(id, 0, &d), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  its page kept as it was, and the write done",
		     d.count == 1 && d.e[0].gpfn == CODE_GPFN + 2 && word(d.e[0].pa) == PATTERN(2) &&
		     word(m[0]) == 0x600d);
	hvcheck_expect(c, "capture take: both mapped pages", take(id, CODE_GPFN + 2, 2, pa + 1, &out),
		       HV_STATUS_SUCCESS);
	hvcheck_true(c, "  it copied the one the parent did not write", out.copied[0] == 2 && word(pa[2]) == PATTERN(3));
	poke(m[1], 0x600e);
	hvcheck_expect(c, "capture end", end(id, &st), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  1 page kept before the parent's write, 1 taken, the write after TAKE done",
		     st.parent_maps == 1 && st.taken == 1 && !st.failed && word(m[1]) == 0x600e);
}

/* With the one stash page full, the parent's write to the other mapped
 * page gives the capture up and is done; its mappings are writable. */
static void parent_write_gives_up(struct chk *c, uint64_t id, const uint64_t *m, const uint64_t *pa)
{
	static struct hvpart_capture_drain_out d;
	struct hvpart_capture_stats st;

	hvcheck_expect(c, "capture start: again, 1 stash page", start(id, pa, 1), HV_STATUS_SUCCESS);
	poke(m[0], 0x700d);
	poke(m[1], 0x700e);
	hvcheck_expect(c, "capture drain: a write with the stash full gave it up", drain(id, 0, &d),
		       HV_STATUS_INSUFFICIENT_BUFFERS);
	poke(m[0], 0x700f);
	hvcheck_true(c, "  both writes done, and the next", word(m[0]) == 0x700f && word(m[1]) == 0x700e);
	hvcheck_expect(c, "capture end", end(id, &st), HV_STATUS_SUCCESS);
	hvcheck_true(c, "  its counts say given up", st.failed == 1 && st.parent_maps == 1);
}

static void check_parent_writes(struct chk *c, const struct cap_fixture *f)
{
	uint64_t g[2] = { CODE_GPFN + 2, CODE_GPFN + 3 }, m[2], pa[3];

	pa[0] = pa_of(&f->stash, 0);
	pa[1] = pa_of(&f->buf, 0);
	pa[2] = pa_of(&f->buf, 1);
	if (vsp_gpadl_hv_map(f->id, g, 2, m)) {
		hvcheck_true(c, "capture: map two pages of the child", 0);
		return;
	}
	parent_writes_kept(c, f->id, m, pa);
	parent_write_gives_up(c, f->id, m, pa);
	vsp_gpadl_hv_unmap(m, 2);
}

void hvcheck_capture(struct chk *c)
{
	struct cap_fixture f;
	struct hvpart_stop_in stop = { 0, 0, 0, "hvcheck" };

	memset(&f, 0, sizeof(f));
	if (fixture_make(&f)) {
		hvcheck_true(c, "capture: set up", 0);
	} else {
		check_refusals(c, &f);
		check_live(c, &f);
		check_parent_writes(c, &f);
		stop.partition_id = f.id;
		hvcall(HVCALL_HVPART_STOP_PARTITION, &stop, sizeof(stop), NULL, 0);
	}
	if (f.id)
		hvcheck_expect(c, "delete: the capture test partition",
			       id_call(HVCALL_HVPART_DELETE_PARTITION, f.id), HV_STATUS_SUCCESS);
	pmem_release(&f.child);
	pmem_release(&f.stash);
	pmem_release(&f.buf);
}
