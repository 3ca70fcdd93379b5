/*
 * vsc: a VMBus guest against the parent's VMBus host (partition/vsp/):
 * it enables its SynIC (SIMP, SIEFP, SINT 2), posts INITIATE_CONTACT to
 * connection 4 (protocol 5.x, message SINT 2; Linux drivers/hv/
 * connection.c vmbus_negotiate_version) walking down Linux's version
 * list, and prints the VERSION_RESPONSE that arrives in SIM slot 2.
 * mode=hostile first posts what hv must refuse (a payload over 240
 * bytes, an unknown connection, a misaligned input block, a hypervisor
 * message type) and floods the host's port, then negotiates: the host
 * must still answer. mode=bench then times INITIATE_CONTACT round trips
 * (post, the parent's host, VERSION_RESPONSE in the SIM slot) in TSC
 * ticks, for tests/bench/vmbus/bench_vmbus_wire.py.
 */
#include "guest.h"
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "tests/guests/vgl/vgl.h"
#include "vmbus/msg.h"
#include "vsc.h"

#define VEC_SINT2    0x52
#define MSR_TSC_HZ   0x40000022
#define FLOOD        2000

static struct hv_message_page sim __attribute__((aligned(4096)));
static struct hv_event_flags_page sief __attribute__((aligned(4096)));
static volatile uint32_t interrupts;
uint64_t vsc_tsc_hz;
uint32_t vsc_signals;
static int failed;

void vsc_check(int ok, const char *what)
{
	guest_printf("vsc: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed = 1;
}

/* mode=bench sets SINT 2 with AutoEOI, as Linux does where the
 * hypervisor does not deprecate it (hv_recommend_using_aeoi in Linux's
 * arch/x86/include/asm/mshyperv.h; Hyper-V 2008 R2 does not): no EOI. */
static int sint_auto_eoi;

static void on_sint2(struct guest_frame *f)
{
	(void)f;
	interrupts++;
	if (!sint_auto_eoi)
		guest_signal_eoi();
}

static uint16_t post_raw(uint32_t gpa, uint32_t conn, uint32_t type, const void *msg, uint32_t len)
{
	struct hv_input_post_message *in = (void *)guest_hv_in_page;
	const uint8_t *src = msg;

	in->connection_id = conn;
	in->rsvdz = 0;
	in->message_type = type;
	in->payload_size = len;
	for (uint32_t i = 0; i < len && i < sizeof(in->payload); i++)
		in->payload[i] = src[i];
	return GUEST_HV_STATUS(guest_hypercall(HVCALL_POST_MESSAGE, gpa, 0));
}

uint16_t vsc_post(uint32_t conn, const void *msg, uint32_t len)
{
	return vgl_post(conn, msg, len);
}

/* The next message in SINT 2's slot, copied out; the slot is freed and
 * EOM written if more wait (TLFS "Message Buffers"). 0 on timeout. */
/* hv raises SINT 2 for a flag only when it was clear (TLFS
 * HvCallSignalEvent): take them all, as Linux vmbus_chan_sched does. */
void vsc_take_events(void)
{
	vgl_take_events(&sief, 2);
}

int vsc_poll_msg(struct hv_message *out)
{
	return vgl_take_msg(&sim, 2, out);
}

int vsc_receive(struct hv_message *out)
{
	volatile struct hv_message *m = &sim.slot[2];
	uint64_t t0 = guest_rdtsc();

	guest_sti();
	while (m->header.type == HV_MSG_NONE && guest_rdtsc() - t0 < 4 * vsc_tsc_hz)
		guest_pause();
	guest_cli();
	return vgl_take_msg(&sim, 2, out);
}

static int negotiate(void)
{
	static const uint32_t versions[] = { 0x50003, 0x50002, 0x50001, 0x50000 };
	struct vmbus_msg_initiate init;
	struct hv_message reply;
	const struct vmbus_msg_version_response *r = (const void *)reply.payload;

	for (unsigned i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		uint16_t st;

		init = (struct vmbus_msg_initiate){ .hdr = { VMBUS_MSG_INITIATE_CONTACT, 0 },
						    .version = versions[i], .interrupt_page = 2 };
		st = vsc_post(4, &init, sizeof(init));
		if (st) {
			guest_printf("vsc: INITIATE_CONTACT 0x%x: status 0x%x\n", versions[i], st);
			return 0;
		}
		if (!vsc_receive(&reply)) {
			guest_printf("vsc: no answer to INITIATE_CONTACT 0x%x\n", versions[i]);
			return 0;
		}
		guest_printf("vsc: VERSION_RESPONSE type %u for 0x%x: supported %u, state %u, "
			     "msg_conn_id %u, origin 0x%x, %u interrupts\n",
			     r->hdr.msgtype, versions[i], r->version_supported, r->connection_state,
			     r->msg_conn_id, (uint32_t)reply.header.origin, interrupts);
		if (r->hdr.msgtype == VMBUS_MSG_VERSION_RESPONSE && r->version_supported) {
			guest_printf("vsc: negotiated version 0x%x\n", versions[i]);
			return r->msg_conn_id == 4;
		}
	}
	return 0;
}

static void hostile(void)
{
	static uint8_t junk[256];
	uint32_t gpa = (uint32_t)guest_hv_in_page, ok = 0, full = 0, other = 0;

	vsc_check(post_raw(gpa, 4, 1, junk, 241) == HV_STATUS_INVALID_PARAMETER, "payload of 241 bytes refused");
	vsc_check(post_raw(gpa, 99, 1, junk, 8) == HV_STATUS_INVALID_CONNECTION_ID, "unknown connection refused");
	vsc_check(post_raw(gpa + 4, 4, 1, junk, 8) == HV_STATUS_INVALID_ALIGNMENT, "misaligned input refused");
	vsc_check(post_raw(gpa, 4, 0x80000010, junk, 8) == HV_STATUS_INVALID_PARAMETER,
	      "hypervisor message type refused");
	junk[0] = 0xee;       /* an unknown channel message type: the host drops it */
	for (int i = 0; i < FLOOD; i++) {
		uint16_t st = vsc_post(4, junk, 240);

		if (st == HV_STATUS_SUCCESS)
			ok++;
		else if (st == HV_STATUS_INSUFFICIENT_BUFFERS)
			full++;
		else
			other++;
	}
	guest_printf("vsc: flood of %u: %u accepted, %u INSUFFICIENT_BUFFERS, %u other\n",
		     FLOOD, ok, full, other);
	vsc_check(other == 0 && ok + full == FLOOD, "flood: only SUCCESS or INSUFFICIENT_BUFFERS");
}

/* Each INITIATE_CONTACT while connected resets the host's channels and
 * is answered again (vmbus/server.c srv_on_initiate). */
static void bench(uint32_t rounds)
{
	struct vmbus_msg_initiate init = { .hdr = { VMBUS_MSG_INITIATE_CONTACT, 0 },
					   .version = 0x50003, .interrupt_page = 2 };
	struct hv_message reply;
	uint64_t best = ~0ull, total = 0;
	uint32_t done = 0;

	for (uint32_t i = 0; i < rounds; i++) {
		uint64_t t0 = guest_rdtsc(), t;

		/* Interrupts on at the call, as Linux's vmbus_post_msg and
		 * vmbus_set_event make it: the answer's SINT is injected at
		 * once rather than after an interrupt-window exit. */
		guest_sti();
		if (vsc_post(4, &init, sizeof(init)) || !vsc_receive(&reply))
			break;
		t = guest_rdtsc() - t0;
		total += t;
		best = t < best ? t : best;
		done++;
	}
	guest_printf("vsc: post_roundtrip rounds=%u best=%u total=%u\n", done, (uint32_t)best,
		     (uint32_t)total);
	vsc_check(done == rounds, "bench: every round trip answered");
}

/* Flag 0 on connection 16: the host's transport ping answers with flag
 * 0 in our SIEF slot 2 (partition/vsp/vsp_host.c). */
static int ping(void)
{
	volatile uint32_t *bits = (volatile uint32_t *)sief.sint[2].bits;
	uint64_t t0 = guest_rdtsc();

	if (GUEST_HV_STATUS(guest_hypercall(HVCALL_SIGNAL_EVENT | (1ull << 16), 16, 0)))
		return 0;
	guest_sti();
	while (!(*bits & 1) && guest_rdtsc() - t0 < 4 * vsc_tsc_hz)
		guest_pause();
	guest_cli();
	if (!(*bits & 1))
		return 0;
	__atomic_fetch_and(bits, ~1u, __ATOMIC_SEQ_CST);
	return 1;
}

static void bench_signal(uint32_t rounds)
{
	uint64_t best = ~0ull, total = 0;
	uint32_t done = 0;

	for (uint32_t i = 0; i < rounds; i++) {
		uint64_t t0 = guest_rdtsc(), t;

		guest_sti();   /* as in bench() */
		if (!ping())
			break;
		t = guest_rdtsc() - t0;
		total += t;
		best = t < best ? t : best;
		done++;
	}
	guest_printf("vsc: signal_roundtrip rounds=%u best=%u total=%u\n", done, (uint32_t)best,
		     (uint32_t)total);
	vsc_check(done == rounds, "bench: every signal answered");
}

void guest_main(void)
{
	if (!guest_init_hv())
		guest_fail("vsc", "no Hyper-V interface");
	vsc_tsc_hz = guest_rdmsr(MSR_TSC_HZ);
	guest_enable_apic();
	guest_set_handler(VEC_SINT2, on_sint2);
	guest_wrmsr(HV_MSR_SIMP, (uint32_t)&sim | HV_PAGE_MSR_ENABLE);
	guest_wrmsr(HV_MSR_SIEFP, (uint32_t)&sief | HV_PAGE_MSR_ENABLE);
	sint_auto_eoi = guest_test_arg("mode", "bench");
	guest_wrmsr(HV_MSR_SINT0 + 2, VEC_SINT2 | (sint_auto_eoi ? HV_SINT_AUTO_EOI : 0));
	guest_wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	if (guest_test_arg("mode", "hostile"))
		hostile();
	vsc_check(negotiate(), "VMBus version negotiated with the parent's host");
	vsc_check(ping(), "HvSignalEvent to the host, its signal back in SIEF slot 2");
	if (guest_test_arg("mode", "bench")) {
		bench(guest_get_arg_u32("rounds", 100));
		bench_signal(guest_get_arg_u32("rounds", 100));
	}
	vsc_channels(guest_get_arg_u32("small", 256), guest_get_arg_u32("big", 8));
	if (failed)
		guest_fail("vsc", "see the checks above");
	guest_pass("vsc");
}
