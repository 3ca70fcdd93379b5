/*
 * mode=calls: a child asks for what only the parent may do, pokes MSRs
 * and I/O ports that are not its to touch, and finally triple-faults.
 * Expected answers (docs/child-platform.md): parent-only hypercalls give
 * HV_STATUS_ACCESS_DENIED (6), an unknown code
 * HV_STATUS_INVALID_HYPERCALL_CODE (2) (TLFS Appendix B); a non-
 * architectural MSR raises #GP; unclaimed ports read all ones.
 */
#include "guest.h"
#include "hostile.h"

#define HV_STATUS_INVALID_HYPERCALL_CODE 2
#define HV_STATUS_ACCESS_DENIED 6
#define HV_REP_COUNT_1 (1ull << 32)	/* control bits 43:32 (TLFS §3.7) */
#define OPCODE_0F 0x0f
#define OPCODE_WRMSR 0x30		/* 0F 30 (SDM Vol. 2B "WRMSR") */
#define OPCODE_RDMSR 0x32		/* 0F 32 (SDM Vol. 2B "RDMSR") */
#define MSR_INSN_LEN 2
#define VEC_GP 13

struct call {
	uint32_t code;
	uint16_t want;
	uint8_t rep;
	const char *name;
};

static const struct call calls[] = {
	{ 0x8001, HV_STATUS_ACCESS_DENIED, 0, "HvpartGetHostInfo" },
	{ 0x8002, HV_STATUS_ACCESS_DENIED, 0, "HvpartGetPartitionInfo" },
	{ 0x8003, HV_STATUS_ACCESS_DENIED, 0, "HvpartReadLog" },
	{ 0x8004, HV_STATUS_ACCESS_DENIED, 0, "HvpartPowerOff" },
	/* hvpart's partition-management calls (docs/hypercalls.md). */
	{ 0x8010, HV_STATUS_ACCESS_DENIED, 0, "HvpartCreatePartition" },
	{ 0x8011, HV_STATUS_ACCESS_DENIED, 0, "HvpartDeletePartition" },
	{ 0x8012, HV_STATUS_ACCESS_DENIED, 0, "HvpartDepositPages" },
	{ 0x8013, HV_STATUS_ACCESS_DENIED, 0, "HvpartCreateVp" },
	{ 0x8014, HV_STATUS_ACCESS_DENIED, 0, "HvpartSetVpState" },
	{ 0x8016, HV_STATUS_ACCESS_DENIED, 0, "HvpartStartPartition" },
	{ 0x8017, HV_STATUS_ACCESS_DENIED, 0, "HvpartStopPartition" },
	{ 0x8018, HV_STATUS_ACCESS_DENIED, 0, "HvpartGetIntercept" },
	{ 0x801b, HV_STATUS_ACCESS_DENIED, 0, "HvpartSetInterruptLatency" },
	{ 0x7ffe, HV_STATUS_INVALID_HYPERCALL_CODE, 0, "unknown" },
};

static int failed;
static volatile uint32_t gp_count;
static volatile int gp_armed;

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("hostile: check failed: %s\n", what);
		failed = 1;
	}
}

/* Input names partition 1 (the parent) and GPA 0: a plausible request
 * that hv must refuse on privilege alone. */
static void issue_calls(void)
{
	uint64_t *in = (uint64_t *)guest_hv_in_page;

	for (uint32_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		uint64_t ctl = c->code | (c->rep ? HV_REP_COUNT_1 : 0);
		uint16_t st;

		in[0] = 1;
		in[1] = 0;
		st = GUEST_HV_STATUS(guest_hypercall(ctl,
				(uint32_t)guest_hv_in_page,
				(uint32_t)guest_hv_out_page));
		guest_printf("hostile: hypercall 0x%x %s: status %u (want %u)\n",
			     c->code, c->name, st, c->want);
		check(st == c->want, "hypercall status");
	}
}

/* #GP from RDMSR/WRMSR: count it and resume after the 2-byte opcode. */
static void on_gp(struct guest_frame *f)
{
	const uint8_t *ip = (const uint8_t *)f->eip;

	if (!gp_armed || ip[0] != OPCODE_0F ||
	    (ip[1] != OPCODE_WRMSR && ip[1] != OPCODE_RDMSR)) {
		guest_printf("hostile: unexpected #GP at 0x%x error 0x%x\n",
			     f->eip, f->error);
		guest_exit(GUEST_EXIT_EXC_BASE + VEC_GP);
	}
	gp_count++;
	f->eip += MSR_INSN_LEN;
}

static void poke_msr(uint32_t msr, int strict)
{
	uint32_t before = gp_count;

	gp_armed = 1;
	guest_wrmsr(msr, 0x1234);
	(void)guest_rdmsr(msr);
	gp_armed = 0;
	guest_printf("hostile: msr 0x%x: %u of 2 accesses raised #GP\n", msr,
		     gp_count - before);
	if (strict)
		check(gp_count - before == 2, "bogus MSR raises #GP");
}

/* Ports outside the contract's list: reads all ones, writes ignored. */
static void poke_ports(void)
{
	uint8_t b = pio_inb(0x1234);
	uint32_t l = pio_inl(0x1234);

	guest_printf("hostile: in 0x1234: byte 0x%x dword 0x%x\n", b, l);
	check(b == 0xff && l == 0xffffffffu, "port 0x1234 reads all ones");
	pio_outb(0x80, 0x55);
	pio_outb(0x3fa, 0xc1);	/* COM1 FCR: FIFO on, no clear bits */
	pio_outb(0x1234, 0xaa);
	pio_outl(0x1234, 0xdeadbeef);
	guest_puts("hostile: out 0x80, 0x3fa, 0x1234 done; console still works\n");
}

/*
 * An IDT with limit 0 makes INT3's delivery raise #GP, whose delivery
 * raises #DF, whose delivery fails: a triple fault, i.e. shutdown
 * (SDM Vol. 3A §6.15 "Interrupt 8—Double Fault Exception").
 */
static void triple_fault(void) __attribute__((noreturn));
static void triple_fault(void)
{
	guest_cli();
	guest_load_empty_idt();
	__asm__ volatile("int3");
	guest_fail("hostile", "survived a triple fault");
}

void hostile_run_calls(void)
{
	int hv = guest_init_hv();

	if (hv)
		issue_calls();
	else
		guest_puts("hostile: hypercalls skipped: no Hyper-V interface\n");
	guest_set_handler(VEC_GP, on_gp);
	/* #GP on these MSRs is hvpart's contract; elsewhere only report.
	 * 0x400000ff is in the synthetic range but no MSR (0x40000099 was,
	 * until SINT9 became real). */
	poke_msr(0x400000ff, hv);
	poke_msr(0xc0011234, hv);
	poke_ports();
	if (failed)
		guest_fail("hostile", "calls: see the checks above");
	guest_puts("hostile: PASS calls\n");
	triple_fault();
}
