/*
 * Debug-VMHost -Action HypercallValidation: feeds hv's partition-
 * management hypercalls input that must be refused (unaligned, out of
 * range, overlapping, not the caller's) and checks each status, and that
 * nothing changed: the parent's free pages and hv's pool are as before.
 */
#include <stdio.h>
#include <string.h>
#include "partition/hvcheck.h"
#include "partition/parent.h"
#include "partition/pmem.h"

void hvcheck_expect(struct chk *c, const char *what, uint16_t got, uint16_t want)
{
	c->run++;
	if (got != want)
		c->failed++;
	printf("  %-44s status %#x (want %#x) %s\n", what, got, want, got == want ? "ok" : "FAIL");
}

void hvcheck_true(struct chk *c, const char *what, int ok)
{
	c->run++;
	if (!ok)
		c->failed++;
	printf("  %-44s %s\n", what, ok ? "ok" : "FAIL");
}


static uint16_t deposit1(uint64_t id, uint64_t gpa, uint64_t pfn, uint64_t n)
{
	static struct hvpart_deposit_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.nruns = 1;
	in.runs[0] = (struct hvpart_deposit_run){ gpa, pfn, n };
	return hvcall(HVCALL_HVPART_DEPOSIT_PAGES, &in, sizeof(in), NULL, 0);
}

static uint16_t deposit2(uint64_t id, uint64_t pfn_a, uint64_t pfn_b, uint64_t gpa_b)
{
	static struct hvpart_deposit_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.nruns = 2;
	in.runs[0] = (struct hvpart_deposit_run){ 0, pfn_a, 1 };
	in.runs[1] = (struct hvpart_deposit_run){ gpa_b, pfn_b, 1 };
	return hvcall(HVCALL_HVPART_DEPOSIT_PAGES, &in, sizeof(in), NULL, 0);
}


static uint64_t pool_free(void)
{
	struct hvpart_host_info hi;

	return hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi)) ? 0 : hi.mem_hv_pool_free;
}

static void check_deposits(struct chk *c, uint64_t id, uint64_t pfn, uint64_t pfn2)
{
	hvcheck_expect(c, "deposit: unaligned GPA", deposit1(id, 0x123, pfn, 1), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: GPA past the partition's size", deposit1(id, 4u << 20, pfn, 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: page count overflowing the range", deposit1(id, 0, pfn, 1ull << 60),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: hv's own page (0x200000)", deposit1(id, 0, 0x200, 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: a page above 4 GiB", deposit1(id, 0, 0x100000, 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: firmware page (0xf0000)", deposit1(id, 0, 0xf0, 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: same page twice in one call", deposit2(id, pfn, pfn, 0x1000),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: two runs onto one GPA", deposit2(id, pfn, pfn2, 0),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "start: no memory, no vCPU", hvcall(HVCALL_HVPART_START_PARTITION, &id, 8, NULL, 0),
	       HV_STATUS_INVALID_PARTITION_STATE);
	hvcheck_true(c, "refused calls changed nothing",
		     pmem_free_bytes() == c->free0 && pool_free() == c->pool0);
	hvcheck_expect(c, "deposit: one good page", deposit1(id, 0, pfn, 1), HV_STATUS_SUCCESS);
	hvcheck_expect(c, "deposit: onto a GPA already mapped", deposit1(id, 0, pfn2, 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "deposit: a page the child now owns", deposit1(id, 0x1000, pfn, 1),
	       HV_STATUS_INVALID_PARAMETER);
}

static void check_misc(struct chk *c, uint64_t id)
{
	uint64_t vp[2] = { id, 1 }, bogus = 99, out;
	struct hvpart_create_in cin;

	memset(&cin, 0, sizeof(cin));
	strcpy(cin.name, "bad");
	hvcheck_expect(c, "create: size 0", hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &out, 8),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "create vp: index 1", hvcall(HVCALL_HVPART_CREATE_VP, vp, sizeof(vp), NULL, 0),
	       HV_STATUS_INVALID_VP_INDEX);
	vp[1] = 4;   /* past the four vCPUs a child may have */
	hvcheck_expect(c, "create vp: index 4", hvcall(HVCALL_HVPART_CREATE_VP, vp, sizeof(vp), NULL, 0),
	       HV_STATUS_INVALID_VP_INDEX);
	hvcheck_expect(c, "delete: unknown partition", hvcall(HVCALL_HVPART_DELETE_PARTITION, &bogus, 8, NULL, 0),
	       HV_STATUS_INVALID_PARTITION_ID);
	bogus = 0;
	hvcheck_expect(c, "delete: the parent itself", hvcall(HVCALL_HVPART_DELETE_PARTITION, &bogus, 8, NULL, 0),
	       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "query: input GPA not 8-byte aligned",
	       hvcall_raw(HVCALL_HVPART_GET_PARTITION_INFO, hvcall_in_gpa() + 4, hvcall_out_gpa()),
	       HV_STATUS_INVALID_ALIGNMENT);
	hvcheck_expect(c, "query: input GPA in hv's memory",
	       hvcall_raw(HVCALL_HVPART_GET_PARTITION_INFO, 0x200000, hvcall_out_gpa()),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "interrupt latency: below 10 us",
	       hvcall_fast(HVCALL_HVPART_SET_INTERRUPT_LATENCY, HVPART_LATENCY_MIN_US - 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "interrupt latency: above 100 ms",
	       hvcall_fast(HVCALL_HVPART_SET_INTERRUPT_LATENCY, HVPART_LATENCY_MAX_US + 1),
	       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "query: output block crossing a page",
	       hvcall_raw(HVCALL_HVPART_GET_PARTITION_INFO, hvcall_in_gpa(), hvcall_out_gpa() + 4000),
	       HV_STATUS_INVALID_ALIGNMENT);
}

static uint16_t sched(uint64_t id, uint32_t weight, uint16_t reserve, uint16_t max)
{
	struct hvpart_sched_in in = { id, weight, reserve, max };

	return hvcall(HVCALL_HVPART_SET_SCHEDULING, &in, sizeof(in), NULL, 0);
}

/* HvpartSetScheduling (docs/hypercalls.md): a child only; weight
 * 1-10000, maximum 1-100, reserve at most the maximum. */
static void check_scheduling(struct chk *c, uint64_t id)
{
	hvcheck_expect(c, "scheduling: weight 0", sched(id, 0, 0, 100), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "scheduling: weight 10001", sched(id, HVPART_WEIGHT_MAX + 1, 0, 100),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "scheduling: maximum 0", sched(id, 100, 0, 0), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "scheduling: maximum 101", sched(id, 100, 0, 101), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "scheduling: reserve above maximum", sched(id, 100, 60, 50),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "scheduling: the parent", sched(0, 100, 0, 100), HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "scheduling: unknown partition", sched(99, 100, 0, 100),
		       HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "scheduling: a child's", sched(id, 200, 10, 90), HV_STATUS_SUCCESS);
}

static uint16_t assert_irq(uint64_t id, uint32_t vector, uint32_t flags)
{
	struct hvpart_assert_irq_in in = { id, vector, flags };

	return hvcall(HVCALL_HVPART_ASSERT_INTERRUPT, &in, sizeof(in), NULL, 0);
}

/* HvpartAssertInterrupt (docs/hypercalls.md "Interrupts"): only a
 * running child, only vectors 16-255, no reserved flag. */
static void check_assert_irq(struct chk *c, uint64_t id)
{
	hvcheck_expect(c, "assert interrupt: the parent is no target",
		       assert_irq(0, 0x34, HVPART_IRQ_EXTINT), HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "assert interrupt: no such partition",
		       assert_irq(9999, 0x34, HVPART_IRQ_EXTINT), HV_STATUS_INVALID_PARTITION_ID);
	hvcheck_expect(c, "assert interrupt: vector 15 (an exception's)",
		       assert_irq(id, 15, HVPART_IRQ_EXTINT), HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "assert interrupt: vector 256", assert_irq(id, 256, 0),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "assert interrupt: a reserved flag", assert_irq(id, 0x34, 2),
		       HV_STATUS_INVALID_PARAMETER);
	hvcheck_expect(c, "assert interrupt: a child not started",
		       assert_irq(id, 0x34, HVPART_IRQ_EXTINT), HV_STATUS_INVALID_PARTITION_STATE);
}

/* A partition's EPT root and SynIC message buffers come from hv's pool
 * and all go back on delete. (The first partition's deposit split the
 * parent's large EPT pages for good, so this one deposits nothing.) */
static void check_pool_cycle(struct chk *c, struct hvpart_create_in *cin)
{
	uint64_t before = pool_free(), id, during;

	strcpy(cin->name, "hvcheck2");
	hvcheck_expect(c, "create: a second test partition",
		       hvcall(HVCALL_HVPART_CREATE_PARTITION, cin, sizeof(*cin), &id, 8),
		       HV_STATUS_SUCCESS);
	during = pool_free();
	hvcheck_expect(c, "delete: the second test partition",
		       hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, 8, NULL, 0), HV_STATUS_SUCCESS);
	printf("  hv pool: %llu bytes free, %llu with the partition\n",
	       (unsigned long long)before, (unsigned long long)during);
	hvcheck_true(c, "its hv pool pages (EPT, SynIC buffers) all back",
		     during < before && pool_free() == before);
}

int hvcheck_run(void)
{
	struct chk c = { 0, 0, 0, 0 };
	struct hvpart_create_in cin;
	struct pmem_set two;
	uint64_t id;

	memset(&cin, 0, sizeof(cin));
	strcpy(cin.name, "hvcheck");
	cin.max_gpa = 4u << 20;
	if (pmem_alloc(2 * 4096, &two) ||
	    hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &id, 8)) {
		printf("HypercallValidation: cannot set up\n");
		return -1;
	}
	c.free0 = pmem_free_bytes();
	c.pool0 = pool_free();
	check_deposits(&c, id, two.runs[0].pa >> 12,
		       two.nruns > 1 ? two.runs[1].pa >> 12 : (two.runs[0].pa >> 12) + 1);
	check_misc(&c, id);
	check_assert_irq(&c, id);
	check_scheduling(&c, id);
	hvcheck_synic(&c, id);
	hvcheck_expect(&c, "delete: the test partition", hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, 8, NULL, 0),
	       HV_STATUS_SUCCESS);
	hvcheck_gpadl(&c);
	hvcheck_vpctx(&c);
	hvcheck_capture(&c);
	hvcheck_psmp(&c);
	check_pool_cycle(&c, &cin);
	pmem_release(&two);
	printf("HypercallValidation: %d checks, %d failed\n", c.run, c.failed);
	return c.failed ? -1 : 0;
}
