/*
 * Interprocessor interrupts among a child's virtual processors: an ICR
 * write (x2APIC MSR or xAPIC page, hv/core/vlapic.c) is delivered here
 * (SDM Vol. 3A §11.6.1, Figure 11-12).
 * - Destinations: the shorthand (self, all including self, all excluding
 *   self) or the destination field, physical or logical (vlapic_ipi_match).
 *   An APIC that IA32_APIC_BASE disabled takes none (§11.4.3).
 * - Fixed puts the vector in each destination's IRR; lowest priority in
 *   the first destination's (the SDM leaves the choice to the platform,
 *   §11.6.2.4); a vector below 16 is a send error (§11.5.3). NMI makes an
 *   NMI pending. A halted destination wakes when the scheduler finds the
 *   request (hv/core/sched.c, child_ready).
 * - INIT puts an application processor in wait-for-SIPI with its APIC
 *   reset (§11.4.7.3, §8.4.1); the boot processor would restart at the
 *   reset vector, where a child has no firmware: INIT to vCPU 0 is dropped
 *   (docs/child-platform.md). INIT level de-assert (level 0, trigger
 *   level) does nothing (§11.6.1, "INIT Level De-assert").
 * - STARTUP starts a vCPU in wait-for-SIPI in real mode at vector << 12
 *   (§8.4.4.1, Table 9-1's state after INIT); any other vCPU ignores it
 *   (§8.4.4.1, note on STARTUP IPIs). SMI is dropped (no SMM).
 * Every target is a vCPU of the sender's partition: a child's IPIs never
 * reach another partition.
 */
#include <string.h>
#include <hv/lib.h>
#include <hv/vcpu.h>
#include <hv/x86.h>

enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_STARTUP = 6 };
enum { SH_NONE = 0, SH_SELF = 1, SH_ALL = 2, SH_OTHERS = 3 };

#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)

static bool is_target(struct vcpu *src, struct vcpu *dst, uint64_t icr, bool x2)
{
	unsigned shorthand = (icr >> 18) & 3;

	if (!vlapic_enabled(dst))
		return false;
	switch (shorthand) {
	case SH_SELF:
		return dst == src;
	case SH_ALL:
		return true;
	case SH_OTHERS:
		return dst != src;
	default:
		return vlapic_ipi_match(dst, icr, x2);
	}
}

/* INIT: wait for SIPI. An intercept the parent still serves is dropped:
 * its result would land in the reset state (the parent's completion then
 * finds no waiting vCPU, hv/core/intercept.c). */
static void deliver_init(struct vcpu *v)
{
	if (v->index == 0)
		return;
	vlapic_init_reset(v);
	v->icpt_taken = false;
	v->icpt_done = false;
	v->run = VCPU_WAIT_SIPI;
}

static struct hvpart_seg real_seg(uint16_t sel, uint32_t ar)
{
	return (struct hvpart_seg){ .base = (uint64_t)sel << 4, .limit = 0xffff, .ar = ar, .sel = sel };
}

/* The state after INIT and STARTUP (SDM Vol. 3A Table 9-1, §8.4.4.1):
 * real mode, CS = vector << 8 with base vector << 12, IP 0; data
 * segments 0 with 64 KiB limits, CR0 with CD, NW and ET, EFLAGS 2. */
static void start_at(struct vcpu *v, uint8_t vector)
{
	struct hvpart_vp_state s;

	memset(&s, 0, sizeof(s));
	s.rflags = 2;
	s.cr0 = 0x60000010;
	s.cs = real_seg((uint16_t)(vector << 8), 0x9b);
	s.ds = s.es = s.fs = s.gs = s.ss = real_seg(0, 0x93);
	s.tr = (struct hvpart_seg){ .limit = 0xffff, .ar = 0x8b };
	s.ldtr = (struct hvpart_seg){ .limit = 0xffff, .ar = 0x82 };
	s.gdtr_limit = s.idtr_limit = 0xffff;
	if (arch_vcpu_set_state(v, &s)) {
		partition_stop(v->part, "vCPU %u: its STARTUP state was refused", v->index);
		return;
	}
	v->run = VCPU_RUNNABLE;
}

/* A STARTUP for a vCPU of another CPU is applied there (its state is
 * that CPU's to write, hv/core/smp_run.c): ipi_take_sipi, from its
 * scheduler. */
static void deliver_sipi(struct vcpu *v, uint8_t vector)
{
	if (v->run != VCPU_WAIT_SIPI)
		return;
	if (v->cpu == this_cpu()->index) {
		start_at(v, vector);
		return;
	}
	v->sipi_pending = (uint16_t)(0x100 | vector);
	smp_kick_vcpu(v);
}

void ipi_take_sipi(struct vcpu *v)
{
	uint8_t vector = (uint8_t)v->sipi_pending;

	v->sipi_pending = 0;
	if (v->run == VCPU_WAIT_SIPI)
		start_at(v, vector);
}

static void deliver(struct vcpu *src, struct vcpu *dst, uint64_t icr)
{
	unsigned mode = (icr >> 8) & 7;

	switch (mode) {
	case DM_FIXED:
	case DM_LOWEST:
		vlapic_raise(dst, (uint8_t)icr, false);
		break;
	case DM_NMI:
		dst->lapic.nmi_pending = true;
		smp_kick_vcpu(dst);
		break;
	case DM_INIT:
		deliver_init(dst);
		smp_kick_vcpu(dst);
		break;
	case DM_STARTUP:
		if (dst != src)
			deliver_sipi(dst, (uint8_t)icr);
		break;
	default:
		break;   /* SMI and the reserved modes */
	}
}

void ipi_send(struct vcpu *src, uint64_t icr, bool x2)
{
	struct partition *p = src->part;
	unsigned mode = (icr >> 8) & 7;

	if ((mode == DM_FIXED || mode == DM_LOWEST) && (icr & 0xff) < 16) {
		vlapic_send_illegal(src);
		return;
	}
	if (mode == DM_INIT && !(icr & ICR_LEVEL_ASSERT) && (icr & ICR_TRIGGER_LEVEL))
		return;   /* INIT level de-assert */
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		struct vcpu *dst = p->vcpus[i];

		if (!is_target(src, dst, icr, x2))
			continue;
		deliver(src, dst, icr);
		if (mode == DM_LOWEST)
			break;
	}
}
