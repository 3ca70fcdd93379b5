/*
 * Debug-VMHost -Action HypercallValidation, the parent's processors
 * (psmp.h; docs/ARCHITECTURE.md "The parent's processors"):
 * HvCallStartVirtualProcessor (TLFS "Virtual Processor Management") fed
 * good and bad input, and an event signalled to each other processor
 * through a port that targets it: its SIEF flag set, its SINT interrupt
 * taken on it, the round trip timed.
 */
#include <stdio.h>
#include <string.h>
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "partition/arch/cpu.h"
#include "partition/arch/psmp.h"
#include "partition/hvcheck.h"
#include "partition/parent.h"
#include "partition/vm.h"

#define PORT_VP  0x180        /* + the processor's index */
#define CONN_VP  0x280
#define ROUNDS   20
#define CR0_PG   (1ull << 31)
#define CR0_PE   1ull

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
}
