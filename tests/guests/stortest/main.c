/*
 * stortest: a storvsc client against the parent's storvsp (issue 15's
 * hostile-guest test). It turns its SynIC on (SIMP, SIEFP, SINT 2),
 * connects with vmbus/'s client library (Linux's version list), opens
 * the synthetic SCSI controller's channel (Linux include/linux/hyperv.h
 * HV_SCSI_GUID, offered when the VM has a SCSI hard disk drive) and
 * speaks VSTOR as Linux's drivers/scsi/storvsc_drv.c does: the init
 * sequence, then honest I/O (io.c), then what a hostile guest sends
 * (hostile.c), each answer checked for the exact status the child gets
 * and each followed by an honest READ (the channel still works).
 * Prints `stortest: WHAT: ok|FAILED` per check and a summary.
 */
#include "guest.h"
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "stortest.h"
#include "tests/guests/libc/string.h"
#include "tests/guests/vgl/vgl.h"
#include "vmbus/client.h"
#include "vmbus/msg.h"

#define VEC_SINT2 0x52
#define MSR_TSC_HZ 0x40000022
#define POOL_PAGES 96
#define RING_PAGES 16   /* each way, header page included */

static struct hv_message_page sim __attribute__((aligned(4096)));
static struct hv_event_flags_page sief __attribute__((aligned(4096)));
static uint8_t pool[POOL_PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t pool_used[POOL_PAGES];
uint64_t st_tsc_hz;
static uint32_t checks, failed;
volatile uint32_t st_signals_out, st_irqs_in;

void st_check(int ok, const char *what)
{
	guest_printf("stortest: %s: %s\n", what, ok ? "ok" : "FAILED");
	checks++;
	if (!ok)
		failed++;
}

/* hv raises SINT 2 for a flag only when it was clear (TLFS
 * HvCallSignalEvent): take them all, as Linux vmbus_chan_sched does, so
 * each host signal is counted (mode=bench). */
static void on_sint2(struct guest_frame *f)
{
	(void)f;
	st_irqs_in++;
	vgl_take_events(&sief, 2);
	guest_signal_eoi();
}

/* The next message in SINT 2's slot (TLFS "Message Buffers": free the
 * slot, EOM if one is pending); 0 after 4 seconds without one. */
static int receive(struct hv_message *out)
{
	volatile struct hv_message *m = &sim.slot[2];
	uint64_t t0 = guest_rdtsc();

	guest_sti();
	while (m->header.type == HV_MSG_NONE && guest_rdtsc() - t0 < 4 * st_tsc_hz)
		guest_pause();
	guest_cli();
	return vgl_take_msg(&sim, 2, out);
}

static int cl_signal(void *ctx, uint32_t conn)
{
	(void)ctx;
	st_signals_out++;
	return GUEST_HV_STATUS(guest_hypercall(HVCALL_SIGNAL_EVENT | (1ull << 16), conn, 0)) ? -1 : 0;
}

static void cl_log(void *ctx, const char *what, const char *why)
{
	(void)ctx;
	guest_printf("stortest: client: %s: %s\n", what, why);
}

static int same_guid(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
	for (int i = 0; i < 16; i++)
		if (a->b[i] != b->b[i])
			return 0;
	return 1;
}

static uint32_t find_scsi(struct vmbus_client *c)
{
	struct vmbus_guid scsi;

	if (vmbus_guid_parse(VSTOR_SCSI_GUID_STR, &scsi))
		return 0;
	for (uint32_t relid = 1; relid < VMBUS_CLIENT_MAX_CHANNELS; relid++) {
		const struct vmbus_msg_offer *o = vmbus_client_offer(c, relid);

		if (o && same_guid(&o->offer.if_type, &scsi))
			return relid;
	}
	return 0;
}

static struct vmbus_client *connect(uint32_t *relid)
{
	static const struct vmbus_client_ops ops = {
		vgl_cl_post, cl_signal, vgl_alloc_pages, vgl_free_pages, vgl_alloc, vgl_free, cl_log,
		NULL, NULL, NULL, NULL,
	};
	vgl_pool_init(pool, pool_used, POOL_PAGES);
	struct vmbus_client *c = vmbus_client_create(&ops);

	st_check(c && vmbus_client_connect(c, NULL, 0) == 0 && vgl_pump(c, receive, vgl_is_ready, 0) &&
		 vmbus_client_state(c) == VMBUS_CL_READY, "VMBus connected, all offers delivered");
	if (!c || vmbus_client_state(c) != VMBUS_CL_READY)
		return NULL;
	*relid = find_scsi(c);
	guest_printf("stortest: SCSI controller offer relid %u\n", *relid);
	st_check(*relid != 0, "the host offers the synthetic SCSI controller");
	if (!*relid)
		return NULL;
	st_check(vmbus_client_open(c, *relid, RING_PAGES, RING_PAGES) == 0 &&
		 vgl_pump(c, receive, vgl_chan_is, *relid | VMBUS_CH_OPEN << 16) &&
		 vmbus_client_chan_state(c, *relid) == VMBUS_CH_OPEN, "SCSI channel open");
	if (vmbus_client_chan_state(c, *relid) != VMBUS_CH_OPEN)
		return NULL;
	return c;
}

/* After init: the crash modes alone (crash.c), or the honest part and
 * then the mode's own. */
static void run_mode(uint32_t max_transfer)
{
	if (guest_test_arg("mode", "crash"))
		st_crash();
	else if (guest_test_arg("mode", "verify"))
		st_crash_verify();
	else {
		st_honest(max_transfer);
		if (guest_test_arg("mode", "bench"))
			st_bench();
		else if (!guest_test_arg("mode", "honest"))
			st_hostile(max_transfer, guest_get_arg_u32("mem", 8));
	}
}

void guest_main(void)
{
	struct vmbus_client *c;
	uint32_t relid = 0, max_transfer = 0;
	int crash;

	if (!guest_init_hv())
		guest_fail("stortest", "no Hyper-V interface");
	st_tsc_hz = guest_rdmsr(MSR_TSC_HZ);
	guest_enable_apic();
	guest_set_handler(VEC_SINT2, on_sint2);
	guest_wrmsr(HV_MSR_SIMP, (uint32_t)&sim | HV_PAGE_MSR_ENABLE);
	guest_wrmsr(HV_MSR_SIEFP, (uint32_t)&sief | HV_PAGE_MSR_ENABLE);
	guest_wrmsr(HV_MSR_SINT0 + 2, VEC_SINT2);
	guest_wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	c = connect(&relid);
	if (!c)
		guest_fail("stortest", "no SCSI channel");
	st_set_chan(vmbus_client_chan(c, relid));
	crash = guest_test_arg("mode", "crash") || guest_test_arg("mode", "verify");
	st_probing = !guest_test_arg("mode", "honest") && !guest_test_arg("mode", "bench") && !crash;
	if (st_probing)
		st_before_init();
	st_check(st_init(&max_transfer) == 0, "VSTOR initialised (BEGIN, version, properties, END)");
	run_mode(max_transfer);
	guest_printf("stortest: %u checks, %u failed\n", checks, failed);
	if (failed)
		guest_fail("stortest", "see the checks above");
	guest_pass("stortest");
}
