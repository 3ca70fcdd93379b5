/*
 * synic: a child's view of hv's SynIC (Hyper-V TLFS
 * inter-partition-communication.md "SynIC", timers.md): CPUID
 * 0x40000003 advertising what is implemented, the SynIC MSRs and their
 * #GP rules, the reference counter and reference TSC page, the VP assist
 * page, synthetic timers in direct mode and in message mode (into the
 * SIM page, with and without AutoEOI, periodic with EOM), and the SynIC
 * hypercalls a child may and may not make.
 */
#include "guest.h"
#include "hv/abi/tlfs.h"

#define VEC_GP       13
#define VEC_DIRECT   0x50
#define VEC_SINT3    0x51
#define VEC_SINT4    0x52
#define MSR_TSC_HZ   0x40000022
#define MSR_TSC_ADJUST 0x3b
#define CTL_FAST     (1ull << 16)
#define ST_ALIGNMENT 4
#define ST_PARAM     5
#define ST_DENIED    6
#define ST_BAD_CONN  0x12
#define ST_BAD_PORT  0x11

static struct hv_message_page sim __attribute__((aligned(4096)));
static struct hv_event_flags_page sief __attribute__((aligned(4096)));
static struct hv_ref_tsc_page reftsc __attribute__((aligned(4096)));
static uint8_t assist[4096] __attribute__((aligned(4096)));

static int failed;
static volatile uint32_t gp_count, hits[3];
static volatile uint32_t timer_idx[3];
static volatile uint64_t timer_exp[3], hit_ref[3];
static uint64_t tsc_hz;

static void check(int ok, const char *what)
{
	guest_printf("synic: %s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failed = 1;
}

static void on_gp(struct guest_frame *f)
{
	gp_count++;
	f->eip += 2;    /* RDMSR/WRMSR are 0F 32 / 0F 30 */
}

/* Direct timer: the vector itself, EOI'd like any LAPIC interrupt. */
static void on_direct(struct guest_frame *f)
{
	(void)f;
	hit_ref[0] = guest_rdmsr(HV_MSR_TIME_REF_COUNT);
	hits[0]++;
	guest_signal_eoi();
}

/* A timer message in SINT n's slot: record it, free the slot, and ask
 * for the next with EOM when hv says one is pending (TLFS "Message
 * Buffers"). */
static void take_message(unsigned sint, unsigned k)
{
	volatile struct hv_message *m = &sim.slot[sint];
	const volatile struct hv_timer_message_payload *p = (const volatile void *)m->payload;

	if (m->header.type == HV_MSG_TIMER_EXPIRED) {
		timer_idx[k] = p->timer_index;
		timer_exp[k] = p->expiration_time;
		hits[k]++;
	}
	m->header.type = HV_MSG_NONE;
	if (m->header.flags & HV_MSG_FLAG_PENDING)
		guest_wrmsr(HV_MSR_EOM, 0);
}

static void on_sint3(struct guest_frame *f)
{
	(void)f;
	take_message(3, 1);
	guest_signal_eoi();
}

/* SINT 4 is AutoEOI: no EOI here. */
static void on_sint4(struct guest_frame *f)
{
	(void)f;
	take_message(4, 2);
}

static uint64_t ref_now(void)
{
	return guest_rdmsr(HV_MSR_TIME_REF_COUNT);
}

static int wait_hits(unsigned k, uint32_t want)
{
	uint64_t t0 = guest_rdtsc();

	guest_sti();
	while (hits[k] < want && guest_rdtsc() - t0 < 4 * tsc_hz)
		guest_pause();
	guest_cli();
	return hits[k] >= want;
}

static uint32_t gp_of(void (*fn)(void))
{
	uint32_t before = gp_count;

	fn();
	return gp_count - before;
}

static void wr_sversion(void) { guest_wrmsr(HV_MSR_SVERSION, 2); }
static void wr_refcount(void) { guest_wrmsr(HV_MSR_TIME_REF_COUNT, 0); }
static void wr_low_vector(void) { guest_wrmsr(HV_MSR_SINT0 + 5, 5); }
static void rd_bogus(void) { (void)guest_rdmsr(0x40000085); }

static void check_cpuid(void)
{
	uint32_t r[4];

	guest_cpuid(0x40000003, r);
	guest_printf("synic: CPUID 0x40000003 %x %x %x %x\n", r[0], r[1], r[2], r[3]);
	check((r[0] & 0x20e) == 0x20e, "CPUID: reference counter, SynIC, timers, TSC page");
	check(!(r[0] & (1u << 4)), "CPUID: no APIC-access MSRs / VP assist enlightenment");
	check((r[1] & 0x30) == 0x30 && !(r[1] & 0x10c0), "CPUID: post and signal, no port creation");
	check((r[3] & (1u << 19)) != 0, "CPUID: direct-mode timers");
	check((r[0] & (1u << 11)) && (r[3] & (1u << 8)), "CPUID: frequency MSRs (EAX 11, EDX 8)");
	check((r[3] & (1u << 10)) != 0, "CPUID: guest crash MSRs");
}

static void wr_crash_msg(void) { guest_wrmsr(HV_MSR_CRASH_CTL, 1ull << 62); }

/* The crash registers keep what is written; CRASH_CTL offers CrashNotify
 * only, so CrashMessage (bit 62) is reserved. */
static void check_crash_msrs(void)
{
	for (uint32_t i = 0; i < 5; i++)
		guest_wrmsr(HV_MSR_CRASH_P0 + i, 0x1000000000ull * (i + 1) + i);
	check(guest_rdmsr(HV_MSR_CRASH_P0 + 3) == 0x4000000003ull, "CRASH_P3 keeps its value");
	check(guest_rdmsr(HV_MSR_CRASH_CTL) == HV_CRASH_CTL_NOTIFY, "CRASH_CTL offers CrashNotify");
	check(gp_of(wr_crash_msg) == 1, "CRASH_CTL CrashMessage (not offered): #GP");
	guest_wrmsr(HV_MSR_CRASH_CTL, 0);   /* no notification: runs on */
}

/* crash=1: report a crash as Linux's panic notifier does; hv stops the
 * VM with P0-P4 as its reason, so nothing after the write runs. */
static void crash_now(void)
{
	static const uint64_t p[5] = { 0xe2, 0x8100000000000000ull, 0xc0ffee, 0, 0x7000 };

	for (uint32_t i = 0; i < 5; i++)
		guest_wrmsr(HV_MSR_CRASH_P0 + i, p[i]);
	guest_wrmsr(HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY);
	guest_fail("synic", "still running after CrashNotify");
}

static void check_msrs(void)
{
	check(guest_rdmsr(HV_MSR_SVERSION) == 1, "SVERSION reads 1");
	check(guest_rdmsr(HV_MSR_SINT0 + 7) == HV_SINT_MASKED, "SINT7 masked at reset");
	check(guest_rdmsr(HV_MSR_SCONTROL) == 0, "SCONTROL off at reset");
	check(gp_of(wr_sversion) == 1, "SVERSION write: #GP");
	check(gp_of(wr_refcount) == 1, "TIME_REF_COUNT write: #GP");
	check(gp_of(wr_low_vector) == 1, "unmasked SINT with vector 5: #GP");
	check(gp_of(rd_bogus) == 1, "MSR 0x40000085 (reserved): #GP");
	guest_wrmsr(HV_MSR_VP_ASSIST_PAGE, (uint32_t)assist | 1);
	check(guest_rdmsr(HV_MSR_VP_ASSIST_PAGE) == ((uint32_t)assist | 1), "VP assist page stored");
}

/* High 64 bits of a * b with 32-bit pieces (this guest is 32-bit). */
static uint64_t mul_hi(uint64_t a, uint64_t b)
{
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static uint64_t page_now(void)
{
	return mul_hi(guest_rdtsc(), reftsc.tsc_scale) + (uint64_t)reftsc.tsc_offset;
}

/* The MSR's reference time lies between the page's times read just
 * before and just after it (TLFS "Reference TSC Page": both are the same
 * partition reference time; 10 us for hv's rounding). A vCPU may be
 * descheduled between the reads (a loaded host under QEMU once took
 * over 1 ms), so a pair more than 1 ms apart is read again. */
static int page_agrees(void)
{
	for (int i = 0; i < 8; i++) {
		uint64_t p0 = page_now(), msr = ref_now(), p1 = page_now();

		if (p1 - p0 >= 10000)
			continue;
		return msr >= p0 && msr <= p1 + 100;
	}
	return 0;
}

static void check_time(void)
{
	uint64_t r0 = ref_now(), t0 = guest_rdtsc(), r1, t1, a, b;

	while (guest_rdtsc() - t0 < (tsc_hz >> 6))    /* ~16 ms */
		guest_pause();
	r1 = ref_now();
	t1 = guest_rdtsc();
	/* 100 ns units: ref * Hz = TSC ticks * 10^7, within 3 % (products,
	 * not quotients: this 32-bit guest has no 64-bit division). */
	a = (r1 - r0) * tsc_hz;
	b = (t1 - t0) * 10000000ull;
	guest_printf("synic: ref count %u -> %u over %u TSC ticks\n", (uint32_t)r0, (uint32_t)r1,
		     (uint32_t)(t1 - t0));
	check(r1 > r0 && (a > b ? a - b : b - a) <= (b >> 5), "TIME_REF_COUNT at 10 MHz");
	guest_wrmsr(HV_MSR_REFERENCE_TSC, (uint32_t)&reftsc | 1);
	check(reftsc.tsc_sequence != 0, "reference TSC page published");
	check(page_agrees(), "TSC page time agrees with TIME_REF_COUNT");
	/* Moving the guest's TSC (IA32_TSC_ADJUST, SDM Vol. 3B §18.17.3)
	 * moves no reference time: hv publishes the page again. */
	guest_wrmsr(MSR_TSC_ADJUST, guest_rdmsr(MSR_TSC_ADJUST) + 1000000000ull);
	check(page_agrees(), "TSC page time agrees after a TSC_ADJUST write");
	guest_wrmsr(MSR_TSC_ADJUST, guest_rdmsr(MSR_TSC_ADJUST) - 1000000000ull);
}

static void check_direct_timer(void)
{
	uint64_t due = ref_now() + 20000;    /* 2 ms */

	guest_wrmsr(HV_MSR_STIMER0_CONFIG, HV_STIMER_ENABLE | HV_STIMER_DIRECT | (VEC_DIRECT << 4));
	guest_wrmsr(HV_MSR_STIMER0_COUNT, due);
	guest_printf("synic: STIMER0 config %x count %u now %u gp %u\n",
		     (uint32_t)guest_rdmsr(HV_MSR_STIMER0_CONFIG), (uint32_t)guest_rdmsr(HV_MSR_STIMER0_COUNT),
		     (uint32_t)ref_now(), gp_count);
	check(wait_hits(0, 1) && hit_ref[0] >= due, "STIMER0 direct: vector at its due time");
	guest_printf("synic: STIMER0 hits %u at %u, now %u\n", hits[0], (uint32_t)hit_ref[0], (uint32_t)ref_now());
	check(!(guest_rdmsr(HV_MSR_STIMER0_CONFIG) & HV_STIMER_ENABLE), "STIMER0 one-shot: disabled");
}

static void check_message_timers(void)
{
	uint64_t due = ref_now() + 20000;

	guest_wrmsr(HV_MSR_SIMP, (uint32_t)&sim | 1);
	guest_wrmsr(HV_MSR_SIEFP, (uint32_t)&sief | 1);
	guest_wrmsr(HV_MSR_SINT0 + 3, VEC_SINT3);
	guest_wrmsr(HV_MSR_SINT0 + 4, VEC_SINT4 | HV_SINT_AUTO_EOI);
	guest_wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	guest_wrmsr(HV_MSR_STIMER0_CONFIG + 2, HV_STIMER_ENABLE | (3ull << 16));
	guest_wrmsr(HV_MSR_STIMER0_COUNT + 2, due);
	check(wait_hits(1, 1) && timer_idx[1] == 1 && timer_exp[1] == due,
	      "STIMER1 message: TIMER_EXPIRED in SINT3's slot, index and expiration");
	/* Periodic, 1 ms, on the AutoEOI SINT: ticks keep coming although
	 * the handler never EOIs (the vector is not left in service). */
	guest_wrmsr(HV_MSR_STIMER0_CONFIG + 4, HV_STIMER_ENABLE | HV_STIMER_PERIODIC | (4ull << 16));
	guest_wrmsr(HV_MSR_STIMER0_COUNT + 4, 10000);
	check(wait_hits(2, 5) && timer_idx[2] == 2, "STIMER2 periodic on AutoEOI SINT4: 5 ticks");
	guest_wrmsr(HV_MSR_STIMER0_COUNT + 4, 0);
	check(!(guest_read_apic(0x10 + VEC_SINT4 / 32) & (1u << (VEC_SINT4 % 32))),
	      "AutoEOI vector not in service");
}

static uint16_t call(uint64_t ctl, uint32_t in_gpa)
{
	return GUEST_HV_STATUS(guest_hypercall(ctl, in_gpa, (uint32_t)guest_hv_out_page));
}

static void check_hypercalls(void)
{
	struct hv_input_post_message *in = (void *)guest_hv_in_page;
	static const uint16_t parent_only[] = { 0x57, 0x58, 0x59, 0x5b, 0x95, 0x96 };
	uint32_t gpa = (uint32_t)guest_hv_in_page;
	int denied = 1;

	/* Connections 1 and 4 lead to the parent's VMBus host (message
	 * port, partition/vsp/); 99 leads nowhere. */
	in->connection_id = 99;
	in->rsvdz = 0;
	in->message_type = 1;
	in->payload_size = 8;
	check(call(HVCALL_POST_MESSAGE, gpa) == ST_BAD_CONN, "post to conn 99: INVALID_CONNECTION_ID");
	in->connection_id = 4;
	in->payload_size = 241;
	check(call(HVCALL_POST_MESSAGE, gpa) == ST_PARAM, "post of 241 bytes: INVALID_PARAMETER");
	check(call(HVCALL_POST_MESSAGE, gpa + 4) == ST_ALIGNMENT, "post, misaligned input: INVALID_ALIGNMENT");
	check(call(HVCALL_POST_MESSAGE, gpa + 3968) == ST_ALIGNMENT, "post, input crossing a page: INVALID_ALIGNMENT");
	check(call(HVCALL_SIGNAL_EVENT | CTL_FAST, 99) == ST_BAD_CONN, "signal conn 99: INVALID_CONNECTION_ID");
	check(call(HVCALL_SIGNAL_EVENT | CTL_FAST, 4) == ST_BAD_PORT, "signal a message connection: INVALID_PORT_ID");
	for (unsigned i = 0; i < sizeof(parent_only) / sizeof(parent_only[0]); i++) {
		uint16_t st = call(parent_only[i], gpa);

		guest_printf("synic: port call 0x%x: status %u\n", parent_only[i], st);
		denied &= st == ST_DENIED;
	}
	check(denied, "port management from a child: ACCESS_DENIED");
}

void guest_main(void)
{
	if (!guest_init_hv())
		guest_fail("synic", "no Hyper-V interface");
	tsc_hz = guest_rdmsr(MSR_TSC_HZ);
	guest_enable_apic();
	guest_set_handler(VEC_GP, on_gp);
	guest_set_handler(VEC_DIRECT, on_direct);
	guest_set_handler(VEC_SINT3, on_sint3);
	guest_set_handler(VEC_SINT4, on_sint4);
	check_cpuid();
	check_msrs();
	check_crash_msrs();
	if (guest_test_arg("crash", "1"))
		crash_now();
	check_time();
	check_direct_timer();
	check_message_timers();
	check_hypercalls();
	if (failed)
		guest_fail("synic", "see the checks above");
	guest_pass("synic");
}
