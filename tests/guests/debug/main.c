/*
 * debug: single-step and debug registers as the SDM has them (Vol. 3B
 * chapter 17; issue 12 item 5), bare and in a child:
 *  1. RFLAGS.TF over instructions a hypervisor completes for the guest
 *     (CPUID, RDMSR, OUT, a load from an address with no RAM): #DB right
 *     after each, EIP at the next instruction, DR6.BS set (§17.3.1.4).
 *  2. A data breakpoint in DR0/DR7 (write or read, 4 bytes): #DB after the
 *     access with DR6.B0 (§17.2.4, §17.3.1.2).
 *  3. rounds times: distinct DR0-DR2 values (from seed and round) and a
 *     data breakpoint armed in DR3 and DR7 (read/write or write, 4 or 2
 *     bytes, on a slot of the seed's own), sleep (other vCPUs run),
 *     check them, and that the breakpoint fires as armed. Two at once
 *     with different seeds: each keeps its own, and the other's never
 *     fires in it (QEMU 7.2 crashed on this: docs/ARCHITECTURE.md).
 * Options: seed=N (1), rounds=N (20), count=N (200000) APIC ticks a sleep,
 * hvbp=ADDR (none): also an instruction breakpoint in DR2 at ADDR, which
 * the guest never runs, across each sleep (hv's own code under QEMU,
 * where hv arms a guest's breakpoints around VMRUN: it must not die).
 */
#include "guest.h"

static int failed;
static volatile uint32_t db_eip, db_dr6, db_count;

static void check(int ok, const char *what)
{
	if (!ok) {
		guest_printf("debug: check failed: %s\n", what);
		failed = 1;
	}
}

/* A trap: EIP is past the instruction. DR6 is sticky, so clear it. */
static void on_db(struct guest_frame *f)
{
	uint32_t d6;

	__asm__ volatile("mov %%db6, %0" : "=r"(d6));
	db_dr6 = d6;
	db_eip = f->eip;
	db_count++;
	f->eflags &= ~0x100u;
	__asm__ volatile("mov %0, %%db6" : : "r"(0xffff0ff0u));
}

static void expect_step(uint32_t after, const char *what)
{
	if (db_count != 1 || db_eip != after || !(db_dr6 & (1u << 14))) {
		guest_printf("debug: check failed: single-step over %s (%u #DB, EIP 0x%x want 0x%x, DR6 0x%x)\n",
			     what, db_count, db_eip, after, db_dr6);
		failed = 1;
	}
	db_count = 0;
}

#define SET_TF "pushf; orl $0x100, (%%esp); popf\n\t"

static void single_steps(void)
{
	uint32_t after, a, d;

	db_count = 0;
	__asm__ volatile(SET_TF "cpuid\n1:\tmovl $1b, %0"
			 : "=m"(after) : "a"(0), "c"(0) : "ebx", "edx", "memory");
	expect_step(after, "CPUID");
	__asm__ volatile(SET_TF "rdmsr\n1:\tmovl $1b, %0"
			 : "=m"(after), "=a"(a), "=d"(d) : "c"(0x1b) : "memory");
	expect_step(after, "RDMSR");
	__asm__ volatile(SET_TF "outb %%al, $0x80\n1:\tmovl $1b, %0"
			 : "=m"(after) : "a"(0) : "memory");
	expect_step(after, "OUT");
	__asm__ volatile(SET_TF "movl 0xfed000f0, %%eax\n1:\tmovl $1b, %0"
			 : "=m"(after) : : "eax", "memory");
	expect_step(after, "a load from 0xfed000f0");
	guest_puts("debug: single-step over CPUID, RDMSR, OUT, MMIO load: done\n");
}

static volatile uint32_t watch;

static void breakpoint(void)
{
	uint32_t after, v;

	db_count = 0;
	__asm__ volatile("mov %0, %%db0" : : "r"(&watch));
	__asm__ volatile("mov %0, %%db7" : : "r"(0x000f0001u));   /* L0, RW 11, LEN 11 */
	__asm__ volatile("movl %2, %1\n1:\tmovl $1b, %0" : "=m"(after), "=r"(v) : "m"(watch) : "memory");
	check(db_count == 1 && db_eip == after && (db_dr6 & 1), "DR0 read breakpoint: #DB with B0");
	db_count = 0;
	watch = 5;
	check(db_count == 1 && (db_dr6 & 1), "DR0 write breakpoint");
	__asm__ volatile("mov %0, %%db7" : : "r"(0x400u));
	db_count = 0;
	watch = 6;
	check(db_count == 0, "no #DB with DR7 clear");
	guest_puts("debug: DR0 data breakpoint: done\n");
}

static uint32_t dr_value(uint32_t seed, uint32_t round, uint32_t i)
{
	return seed << 24 | round << 8 | i << 4;
}

static void read_drs(uint32_t d[4])
{
	__asm__ volatile("mov %%db0, %0" : "=r"(d[0]));
	__asm__ volatile("mov %%db1, %0" : "=r"(d[1]));
	__asm__ volatile("mov %%db2, %0" : "=r"(d[2]));
	__asm__ volatile("mov %%db3, %0" : "=r"(d[3]));
}

/* A data breakpoint in DR3 armed across a sleep: odd rounds read/write
 * 4 bytes, even rounds write 2, on a slot of this seed's own (SDM Vol. 3B
 * §18.2.4: R/W3 in DR7 bits 29:28, LEN3 in 31:30). Returns the checks
 * that failed. */
static volatile uint32_t slots[8];

static uint32_t hvbp;

static uint32_t arm_dr3(uint32_t seed, uint32_t r)
{
	uint32_t rw = (r & 1) ? 3 : 1, len = (r & 1) ? 3 : 1;
	uint32_t dr7 = 0x400u | (1u << 6) | rw << 28 | len << 30;

	/* hvbp=ADDR: an instruction breakpoint in DR2 (L2, R/W2 and LEN2
	 * 00) at an address this guest never runs, hv's code there. */
	if (hvbp) {
		__asm__ volatile("mov %0, %%db2" : : "r"(hvbp));
		dr7 |= 1u << 4;
	}

	__asm__ volatile("mov %0, %%db3" : : "r"(&slots[(seed * 2 + (r & 1)) & 7]));
	__asm__ volatile("mov %0, %%db7" : : "r"(dr7));
	return dr7;
}

static int fire_dr3(uint32_t seed, uint32_t r, uint32_t dr7)
{
	volatile uint32_t *slot = &slots[(seed * 2 + (r & 1)) & 7];
	uint32_t d7, v;
	int bad = 0;

	__asm__ volatile("mov %%db7, %0" : "=r"(d7));
	bad += d7 != dr7;
	db_count = 0;
	v = *slot;                        /* a #DB only for read/write */
	bad += db_count != ((r & 1) ? 1u : 0u);
	db_count = 0;
	*slot = v + 1;
	bad += db_count != 1 || !(db_dr6 & (1u << 3));
	__asm__ volatile("mov %0, %%db7" : : "r"(0x400u));
	return bad;
}

static void rounds_loop(uint32_t seed, uint32_t rounds, uint32_t count)
{
	uint64_t t0 = guest_rdtsc();
	uint32_t d[4], dr7;
	int bad = 0, bp_bad = 0;

	for (uint32_t r = 1; r <= rounds; r++) {
		__asm__ volatile("mov %0, %%db0" : : "r"(dr_value(seed, r, 0)));
		__asm__ volatile("mov %0, %%db1" : : "r"(dr_value(seed, r, 1)));
		__asm__ volatile("mov %0, %%db2" : : "r"(dr_value(seed, r, 2)));
		dr7 = arm_dr3(seed, r);
		guest_sleep(count);
		read_drs(d);
		for (uint32_t i = 0; i < 3; i++)
			if (d[i] != (i == 2 && hvbp ? hvbp : dr_value(seed, r, i)))
				bad++;
		if (d[3] != (uint32_t)&slots[(seed * 2 + (r & 1)) & 7])
			bad++;
		bp_bad += fire_dr3(seed, r, dr7);
	}
	guest_printf("debug: seed %u: %u rounds, %d with lost debug registers (TSC %llu to %llu)\n",
		     seed, rounds, bad, t0, guest_rdtsc());
	guest_printf("debug: seed %u: a DR3 breakpoint armed across each sleep, %d checks failed\n",
		     seed, bp_bad);
	check(bad == 0, "DR0-DR3 kept across sleeps");
	check(bp_bad == 0, "DR3 breakpoint armed across sleeps");
}

void guest_main(void)
{
	guest_puts("debug: start\n");
	guest_set_handler(1, on_db);
	single_steps();
	breakpoint();
	hvbp = guest_get_arg_u32("hvbp", 0);
	if (hvbp)
		guest_printf("debug: an instruction breakpoint at 0x%x armed with DR3's\n", hvbp);
	rounds_loop(guest_get_arg_u32("seed", 1), guest_get_arg_u32("rounds", 20),
		    guest_get_arg_u32("count", 200000));
	if (failed)
		guest_fail("debug", "see the checks above");
	guest_pass("debug");
}
