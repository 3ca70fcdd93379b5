/*
 * Debug-VMHost -Action DumpVM -VMName N: what a running child's devices
 * and virtual processor 0 look like now, for a guest that hangs (which
 * interrupt it waits for, and where that interrupt is). The parent's
 * devices (COM1, the 8259 pair) are read in place; vCPU 0's registers and
 * local APIC come from its context, exported while hv holds the
 * partition suspended for an instant (docs/hypercalls.md, "vCPU
 * context"), and the partition then goes on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/parent.h"
#include "partition/vm.h"
#include "partition/vm_ctx.h"

static void dump_devices(struct cmd_ctx *ctx, const struct vm *vm)
{
	const struct uart *u = &vm->uart;
	const struct pic_chip *m = &vm->pic.master, *s = &vm->pic.slave;

	cmd_printf(ctx, "COM1: IER 0x%02x LCR 0x%02x MCR 0x%02x LSR 0x%02x THRE pending %u IRQ line %d, %u bytes in\n",
		   u->ier, u->lcr, u->mcr, u->lsr, u->thr_ipending, u->irq_level, (unsigned)u->rx_count);
	cmd_printf(ctx, "8259: master IRR 0x%02x IMR 0x%02x lines 0x%02x base 0x%02x; slave IRR 0x%02x IMR 0x%02x lines 0x%02x base 0x%02x\n",
		   m->irr, m->imr, m->level, m->vector_base, s->irr, s->imr, s->level, s->vector_base);
}

/* The highest set bit of a 256-bit set, or -1. */
static int top_vector(const uint32_t v[8])
{
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

static void dump_lapic(struct cmd_ctx *ctx, const struct hvpart_lapic_state *l)
{
	cmd_printf(ctx, "LAPIC: base %#" PRIx64 " TPR %#x SVR %#x LVT timer %#x LINT0 %#x LINT1 %#x, timer %" PRIu64
		   " ticks left, TSC deadline %" PRIu64 "\n", l->apic_base, l->tpr, l->svr, l->lvt_timer,
		   l->lvt[2], l->lvt[3], l->timer_left, l->tsc_deadline);
	cmd_printf(ctx, "LAPIC: highest requested vector %d, highest in service %d; IRR",
		   top_vector(l->irr), top_vector(l->isr));
	for (int i = 7; i >= 0; i--)
		cmd_printf(ctx, " %08x", l->irr[i]);
	cmd_printf(ctx, " ISR");
	for (int i = 7; i >= 0; i--)
		cmd_printf(ctx, " %08x", l->isr[i]);
	cmd_printf(ctx, "\n");
}

static void dump_vp(struct cmd_ctx *ctx, const struct hvpart_vp_context_body *c)
{
	cmd_printf(ctx, "vCPU 0: RIP %#" PRIx64 " RFLAGS %#" PRIx64 " (IF %u) CR0 %#" PRIx64 " halted %u, "
		   "interrupt shadow %u\n", c->regs.rip, c->regs.rflags, (unsigned)(c->regs.rflags >> 9) & 1,
		   c->regs.cr0, c->ev.halted, c->ev.shadow);
	dump_lapic(ctx, &c->lapic);
	for (int i = 0; i < 4; i++)
		if (c->synic.timer[i].config & 1)
			cmd_printf(ctx, "STIMER%d: config %#" PRIx64 " count %" PRIu64 " armed %u\n", i,
				   c->synic.timer[i].config, c->synic.timer[i].count, c->synic.timer[i].armed);
}

int cmdlet_dump_vm(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm)
{
	static struct vmctx_buf b;
	uint64_t id = (uint64_t)vm->hv_id;
	uint16_t st;

	if (!cmdlet_vm_running(vm))
		return cmd_error(ctx, a, "'%s' is not running.", vm->name);
	dump_devices(ctx, vm);
	if (!b.set.nruns && vmctx_buf_alloc(&b))
		return cmd_error(ctx, a, "No memory for a vCPU context.");
	st = hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, sizeof(id), NULL, 0);
	if (!st) {
		st = vmctx_export(id, &b);
		hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, sizeof(id), NULL, 0);
	}
	if (st)
		return cmd_error(ctx, a, "hv did not give vCPU 0's context (status %#x).", st);
	dump_vp(ctx, (const struct hvpart_vp_context_body *)(uintptr_t)b.pa[0]);
	return 0;
}
