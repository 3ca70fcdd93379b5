/*
 * The parent's processors beyond its first (psmp.h). Each starts in long
 * mode on the parent's own page tables, GDT, TSS and IDT (the TSS is
 * shared: the parent runs at CPL 0 without IST stacks, so no processor
 * ever loads from it), on a stack of its own, with interrupts off. It
 * enables its SynIC (the SynIC MSRs are per processor, TLFS
 * inter-partition-communication.md "SynIC MSRs") and waits in HLT; each
 * SINT interrupt is counted. Each has its own struct pcpu (pcpu.h: its
 * index and hypercall pages) and runs the work psmp_run gives it,
 * woken by an event on its kick port (flag PSMP_KICK_FLAG of its SINT).
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "hv/abi/hvpart_abi.h"
#include "hv/abi/tlfs.h"
#include "partition/parent.h"
#include "partition/arch/cpu.h"
#include "partition/arch/pcpu.h"
#include "partition/arch/psmp.h"
#include "partition/vm.h"

#define AP_STACK_BYTES 16384
#define MSR_EFER 0xc0000080

struct psmp_vp {
	volatile uint32_t running;
	volatile uint64_t sints;
	struct hv_event_flags_page *sief;
	struct pcpu *pcpu;
	/* Work psmp_run posted: set by the first processor while NULL,
	 * cleared by this one when fn returns. */
	void (*fn)(void *arg);
	void *arg;
};

static struct psmp_vp vps[PSMP_MAX_VPS];
static unsigned online = 1;

void psmp_ap_entry(void);
__attribute__((noreturn)) void psmp_ap_main(uint64_t vp);

void psmp_sint_taken(void)
{
	uint32_t vp = this_pcpu()->vp;    /* not HV_X64_MSR_VP_INDEX: an exit */

	if (vp < PSMP_MAX_VPS)
		__atomic_fetch_add(&vps[vp].sints, 1, __ATOMIC_RELAXED);
}

/* On processor vp, from psmp_ap_entry. */
void psmp_ap_main(uint64_t vp)
{
	struct psmp_vp *p = &vps[vp];

	hvcall_write_msr(HV_MSR_SIEFP, (uintptr_t)p->sief | HV_PAGE_MSR_ENABLE);
	hvcall_write_msr(HV_MSR_SINT0 + PSMP_SINT, PSMP_VECTOR | HV_SINT_AUTO_EOI);
	hvcall_write_msr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	__atomic_store_n(&p->running, 1, __ATOMIC_RELEASE);
	for (;;) {
		void (*fn)(void *) = __atomic_load_n(&p->fn, __ATOMIC_ACQUIRE);

		/* The kick's flag cleared before the look, so that the next
		 * kick interrupts again (TLFS "Event Flags": a flag already set
		 * raises nothing). */
		__atomic_fetch_and(&p->sief->sint[PSMP_SINT].bits[PSMP_KICK_FLAG / 8],
				   (uint8_t)~(1u << (PSMP_KICK_FLAG % 8)), __ATOMIC_SEQ_CST);
		if (fn) {
			fn(p->arg);
			__atomic_store_n(&p->fn, NULL, __ATOMIC_RELEASE);
			continue;
		}
		/* Work posted after the look raises the SINT while IF is 0:
		 * STI's shadow lets HLT start before it is taken, and it
		 * ends the HLT (SDM Vol. 2B, "STI"). */
		if (!__atomic_load_n(&p->fn, __ATOMIC_ACQUIRE))
			__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

int psmp_run(unsigned vp, void (*fn)(void *arg), void *arg)
{
	struct psmp_vp *p;

	if (!vp || vp >= online || !fn)
		return -EINVAL;
	p = &vps[vp];
	if (__atomic_load_n(&p->fn, __ATOMIC_ACQUIRE))
		return -EBUSY;
	p->arg = arg;
	__atomic_store_n(&p->fn, fn, __ATOMIC_RELEASE);
	return hvcall_fast(HVCALL_SIGNAL_EVENT, PSMP_KICK_CONN + vp) ? -EIO : 0;
}

int psmp_wait(unsigned vp, uint64_t ticks)
{
	uint64_t t0 = cpu_rdtsc();

	if (vp >= PSMP_MAX_VPS)
		return -EINVAL;
	while (__atomic_load_n(&vps[vp].fn, __ATOMIC_ACQUIRE))
		if (cpu_rdtsc() - t0 > ticks)
			return -ETIMEDOUT;
	return 0;
}

static struct hv_x64_segment_register seg(uint16_t sel, uint64_t base, uint32_t limit,
					  uint16_t attr)
{
	return (struct hv_x64_segment_register){ base, limit, sel, attr };
}

static void table(struct hv_x64_table_register *t, int idt)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d;

	if (idt)
		__asm__ volatile("sidt %0" : "=m"(d));
	else
		__asm__ volatile("sgdt %0" : "=m"(d));
	memset(t, 0, sizeof(*t));
	t->limit = d.limit;
	t->base = d.base;
}

/* This processor's own state, but for RIP and RSP: the same mode, page
 * tables, descriptor tables and selectors (cpu.c's GDT: 0x08 code,
 * 0x10 data, 0x18 the TSS). */
void psmp_context(struct hv_initial_vp_context *c, uint64_t rip, uint64_t rsp)
{
	uint64_t cr0, cr3, cr4;

	__asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
			 : "=r"(cr0), "=r"(cr3), "=r"(cr4));
	memset(c, 0, sizeof(*c));
	c->rip = rip;
	c->rsp = rsp;
	c->rflags = 2;
	c->cs = seg(0x08, 0, 0xffffffff, 0xa09b);
	c->ds = c->es = c->ss = seg(0x10, 0, 0xffffffff, 0xc093);
	c->fs = c->gs = c->ldtr = seg(0, 0, 0xffffffff, 0);
	c->tr = seg(0x18, cpu_tss_base(), 0x67, 0x8b);
	table(&c->gdtr, 0);
	table(&c->idtr, 1);
	c->efer = hvcall_read_msr(MSR_EFER);
	c->cr0 = cr0;
	c->cr3 = cr3;
	c->cr4 = cr4;
}

/* The first processor's way to wake processor vp: an event port on vp's
 * SINT whose one flag is PSMP_KICK_FLAG, and our connection to it. Kept
 * for good (a processor never stops). */
static uint16_t kick_port(unsigned vp)
{
	uint16_t st = hvcall_create_port_vp(HVCALL_SELF, PSMP_KICK_PORT + vp, HV_PORT_TYPE_EVENT,
					    PSMP_SINT, vp, HVCALL_SELF, PSMP_KICK_FLAG, 1);

	if (!st)
		st = hvcall_connect_port(HVCALL_SELF, PSMP_KICK_CONN + vp, HVCALL_SELF,
					 PSMP_KICK_PORT + vp, HV_PORT_TYPE_EVENT);
	return st;
}

/* Processor vp runs, or -1. A processor hv refused leaves its memory
 * free again; one that did not say it runs keeps its stack and SIEF
 * page, as it may still be using them. */
static int start_one(unsigned vp)
{
	static struct hv_input_start_vp in;
	uint8_t *stack = memalign(16, AP_STACK_BYTES);
	uint64_t *top, t0, start_wait = parent_tsc_hz;   /* a second to say it runs */
	uint16_t st;

	vps[vp].sief = memalign(4096, sizeof(*vps[vp].sief));
	vps[vp].pcpu = pcpu_create(vp);
	if (!stack || !vps[vp].sief || !vps[vp].pcpu)
		goto fail;
	memset(vps[vp].sief, 0, sizeof(*vps[vp].sief));
	/* psmp_ap_entry takes its index from the top of its stack. */
	top = (uint64_t *)(stack + AP_STACK_BYTES) - 2;
	top[0] = vp;
	memset(&in, 0, sizeof(in));
	in.partition_id = HVCALL_SELF;
	in.vp_index = vp;
	psmp_context(&in.ctx, (uintptr_t)psmp_ap_entry, (uintptr_t)top);
	in.ctx.gs.base = (uintptr_t)vps[vp].pcpu;
	st = kick_port(vp);
	if (!st)
		st = hvcall(HVCALL_START_VP, &in, sizeof(in), NULL, 0);
	if (st) {
		printf("parent: hv refused to start processor %u (status 0x%x)\n", vp, st);
		goto fail;
	}
	for (t0 = cpu_rdtsc(); !__atomic_load_n(&vps[vp].running, __ATOMIC_ACQUIRE);)
		if (cpu_rdtsc() - t0 > start_wait) {
			printf("parent: processor %u did not start\n", vp);
			return -1;
		}
	return 0;
fail:
	free(stack);
	free(vps[vp].sief);
	pcpu_destroy(vps[vp].pcpu);
	vps[vp].sief = NULL;
	vps[vp].pcpu = NULL;
	return -1;
}

unsigned psmp_start_all(void)
{
	struct hvpart_host_info hi;
	unsigned n;

	if (hvcall(HVCALL_HVPART_GET_HOST_INFO, NULL, 0, &hi, sizeof(hi)))
		return online;
	n = hi.cpus_parent < PSMP_MAX_VPS ? hi.cpus_parent : PSMP_MAX_VPS;
	for (unsigned vp = 1; vp < n; vp++) {
		if (start_one(vp))
			break;
		online++;
	}
	return online;
}

unsigned psmp_online(void)
{
	return online;
}

uint64_t psmp_sints(unsigned vp)
{
	return vp < PSMP_MAX_VPS ? __atomic_load_n(&vps[vp].sints, __ATOMIC_RELAXED) : 0;
}

volatile struct hv_event_flags_page *psmp_sief(unsigned vp)
{
	return vp && vp < online ? vps[vp].sief : NULL;
}
