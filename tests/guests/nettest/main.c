/*
 * nettest: a netvsc guest (Hyper-V interface required) on the parent's
 * synthetic NIC, through vmbus/'s client library: the SynIC (SIMP,
 * SIEFP, SINT 2), the VMBus connection, the NIC's offer
 * (VMBUS_GUID_NIC), then the netvsc client of nic.c and a role chosen by
 * mode=: echo (answer every test frame, report at each mark), send (a
 * run of test frames to peer=MAC, each echo verified), hostile (NVSP and
 * RNDIS abuse, hostile.c). Between packets it sleeps in HLT, woken by
 * the host's signal (SINT 2) or a 10 ms APIC tick.
 */
#include "guest.h"
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "tests/guests/vgl/vgl.h"
#include "vmbus/client.h"
#include "vmbus/msg.h"
#include "nettest.h"
#include "tests/guests/libc/string.h"

#define VEC_SINT2   0x52
#define VEC_TICK    0x40   /* the runtime's timer stub (lib/idt.c) */
#define MSR_TSC_HZ  0x40000022
#define MSR_APIC_HZ 0x40000023
#define POOL_PAGES  256

static struct hv_message_page sim __attribute__((aligned(4096)));
static struct hv_event_flags_page sief __attribute__((aligned(4096)));
static uint8_t pool[POOL_PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t pool_used[POOL_PAGES];
uint64_t nt_tsc_hz;
int nt_failed;

void nt_check(int ok, const char *what)
{
	guest_printf("nettest: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		nt_failed = 1;
}

/* n / d without libgcc: two DIVLs, the first remainder the second's
 * high half (SDM Vol. 2A DIV). */
static uint64_t div64(uint64_t n, uint32_t d)
{
	uint32_t hi = (uint32_t)(n >> 32), r = hi % d, lo;

	__asm__("divl %4" : "=a"(lo), "=d"(r) : "a"((uint32_t)n), "d"(r), "rm"(d));
	return (uint64_t)(hi / d) << 32 | lo;
}

uint64_t nt_ms(uint32_t ms)
{
	return div64(nt_tsc_hz, 1000) * ms;
}

static void on_irq(struct guest_frame *f)
{
	(void)f;
	guest_signal_eoi();
}

static uint32_t tick_count;

/* Interrupts are off everywhere else: one taken here ends the HLT (the
 * host's signal, or the one-shot timer armed here). */
void nt_idle(void)
{
	guest_write_apic(APIC_REG_TMR_ICR, tick_count);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* hv raises SINT 2 for a flag only when it was clear (TLFS
 * HvCallSignalEvent): clear them all before looking at the rings. */
void nt_take_events(void)
{
	vgl_take_events(&sief, 2);
}

/* The next message of SIM slot 2, copied out, the slot freed and EOM
 * written when another waits (TLFS "Message Buffers"); 0 after 4 s. */
static int sim_receive(struct hv_message *out)
{
	volatile struct hv_message *m = &sim.slot[2];
	uint64_t t0 = guest_rdtsc();

	while (m->header.type == HV_MSG_NONE && guest_rdtsc() - t0 < 4 * nt_tsc_hz)
		nt_idle();
	return vgl_take_msg(&sim, 2, out);
}

int nt_pump(struct vmbus_client *c, int (*cond)(struct vmbus_client *, uint32_t), uint32_t arg)
{
	return vgl_pump(c, sim_receive, cond, arg);
}

static int cl_signal(void *ctx, uint32_t conn)
{
	(void)ctx;
	return GUEST_HV_STATUS(guest_hypercall(HVCALL_SIGNAL_EVENT | (1ull << 16), conn, 0)) ? -1 : 0;
}

static void cl_log(void *ctx, const char *what, const char *why)
{
	(void)ctx;
	guest_printf("nettest: client: %s: %s\n", what, why);
}

void nt_hold(void)
{
	guest_printf("nettest: holding\n");
	for (;;)
		nt_idle();
}

/* SynIC on, and a 10 ms one-shot timer for each sleep so that no wait
 * depends on one signal alone (LVT timer mode 0, SDM Vol. 3A 11.5.4). */
static void synic_on(void)
{
	uint64_t apic_hz = 0;

	guest_enable_apic();
	guest_set_handler(VEC_SINT2, on_irq);
	guest_set_handler(VEC_TICK, on_irq);
	guest_wrmsr(HV_MSR_SIMP, (uint32_t)&sim | HV_PAGE_MSR_ENABLE);
	guest_wrmsr(HV_MSR_SIEFP, (uint32_t)&sief | HV_PAGE_MSR_ENABLE);
	guest_wrmsr(HV_MSR_SINT0 + 2, VEC_SINT2);
	guest_wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	if (guest_rdmsr_safe(MSR_APIC_HZ, &apic_hz) || !apic_hz)
		apic_hz = nt_tsc_hz;
	guest_write_apic(APIC_REG_TMR_DCR, 0x0b);                 /* divide by 1 */
	guest_write_apic(APIC_REG_LVT_TMR, VEC_TICK);                /* one-shot */
	tick_count = (uint32_t)div64(apic_hz, 100);
}

void guest_main(void)
{
	static const struct vmbus_client_ops ops = {
		vgl_cl_post, cl_signal, vgl_alloc_pages, vgl_free_pages, vgl_alloc, vgl_free, cl_log,
		NULL, NULL, NULL, NULL,
	};
	static struct nt_nic nic;
	struct vmbus_client *c;

	if (!guest_init_hv())
		guest_fail("nettest", "no Hyper-V interface");
	nt_tsc_hz = guest_rdmsr(MSR_TSC_HZ);
	synic_on();
	vgl_pool_init(pool, pool_used, POOL_PAGES);
	c = vmbus_client_create(&ops);
	if (!c || vmbus_client_connect(c, NULL, 0) || !nt_pump(c, vgl_is_ready, 0) ||
	    vmbus_client_state(c) != VMBUS_CL_READY)
		guest_fail("nettest", "no VMBus connection");
	if (guest_test_arg("mode", "hostile")) {
		nt_hostile(c);
	} else {
		int err = nt_nic_open(&nic, c);

		guest_printf("nettest: NVSP version 0x%x, %u receive sections, %u send sections\n",
			     nic.version, nic.recv_bytes / 1728, nic.send_secs);
		nt_check(err == 0, "NIC channel open, NVSP initialised, buffers given");
		if (!err) {
			err = nt_nic_rndis_up(&nic, NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST);
			guest_printf("nettest: RNDIS bring-up step %d, mac %x:%x:%x:%x:%x:%x link %s\n", err, nic.mac[0], nic.mac[1],
				     nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5],
				     nic.link ? "down" : "up");
			nt_check(err == 0, "RNDIS up (init, MAC and link queried, packet filter set)");
		}
		if (err)
			guest_fail("nettest", "the NIC did not come up");
		/* pack=N: up to N frames per send section (default 1, one each). */
		nic.pack = guest_get_arg_u32("pack", 1);
		if (guest_test_arg("mode", "echo"))
			nt_echo(&nic);
		else if (guest_test_arg("mode", "bench"))
			nt_bench(&nic);
		else
			nt_send(&nic);
	}
	if (nt_failed)
		guest_fail("nettest", "see the checks above");
	if (guest_test_arg("hold", "1")) {
		guest_printf("nettest: PASS\n");
		nt_hold();
	}
	guest_pass("nettest");
}
