/*
 * A guest's DR7 under QEMU's TCG (docs/ARCHITECTURE.md, "The SVM
 * backend", "QEMU 7.2's TCG keeps a guest's breakpoints across #VMEXIT").
 *
 * VMRUN and #VMEXIT load DR7 from the VMCB and the host save area (APM
 * Vol. 2 §15.5.1, §15.6). QEMU 7.2 stores the new value without moving
 * the breakpoints and watchpoints it keeps for the old one, which only a
 * MOV to DR7 does; its MOV DRn and MOV DR7 then free them by the type
 * bits of the DR7 they find (a watchpoint as a breakpoint, or the
 * reverse), which corrupts its lists: QEMU crashed with a segmentation
 * fault when two children used data breakpoints at once (test_vcpu,
 * "debug in two children at once").
 *
 * So under QEMU hv keeps the DR7 QEMU sees equal to the one whose
 * breakpoints it holds: a guest's MOV to DR7 exits (its DR5 alias too)
 * and hv puts the value in the VMCB; before VMRUN of a vCPU whose DR7
 * enables a breakpoint, hv itself moves that DR7 to the CPU, so that
 * VMRUN loads the same value and #VMEXIT restores it; after the exit hv
 * moves 0x400 to DR7, which frees them by the right types. Between the
 * two moves the guest's breakpoints are armed in hv: a #DB they raise
 * there is not hv's and is dismissed (cpu.c, cpu_handle_trap). On a real
 * CPU none of this runs: VMRUN and #VMEXIT switch DR7 themselves.
 */
#include "svm.h"
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/arch/x86/insn_len.h>
#include "hv/core/cpuid.h"
#include "hv/core/guestmem.h"

#define DR7_ENABLES 0xffull               /* L0-L3, G0-G3 (SDM Vol. 3B §18.2.4) */
#define DR7_GD (1ull << 13)
#define DR7_FIXED 0x400ull                /* bit 10 reads as 1 */
#define DR7_MBZ 0xd800ull                 /* bits 11, 12, 14, 15 read as 0 */
#define DR6_BD (1ull << 13)

static bool dr7_follows_guest;
static bool told_undecodable;

void svm_dr_init(void)
{
	dr7_follows_guest = cpuid_host_is_qemu_tcg();
}

/* The VMCB's DR intercepts (§15.8: bits 31:16 write DR0-DR15). */
uint32_t svm_dr_intercepts(void)
{
	return dr7_follows_guest ? SVM_DR_WRITE(5) | SVM_DR_WRITE(7) : 0;
}

static void write_dr7(uint64_t x)
{
	__asm__ volatile("mov %0, %%db7" : : "r"(x) : "memory");
}

bool svm_dr_before_run(struct vcpu *v)
{
	uint64_t dr7 = svm_vmcb(v)->save.dr7;

	if (!dr7_follows_guest || !(dr7 & DR7_ENABLES))
		return false;
	/* GD would make hv's own next MOV DR a #DB: the guest keeps it in
	 * its VMCB; the type and enable bits are what QEMU compares. */
	this_cpu()->guest_breakpoints = true;
	write_dr7(dr7 & ~DR7_GD);
	return true;
}

void svm_dr_after_run(bool armed)
{
	if (!armed)
		return;
	write_dr7(DR7_FIXED);
	this_cpu()->guest_breakpoints = false;
}

static uint64_t gpr_value(struct vcpu *v, unsigned gpr)
{
	return gpr == GPR_RSP ? svm_vmcb(v)->save.rsp : v->gpr[gpr];
}

/* MOV to DR7 or DR5 (SDM Vol. 2B "MOV-Move to/from Debug Registers";
 * CPL and the mode's #GP come before the intercept, §15.7). */
void svm_exit_dr_write(struct vcpu *v, uint64_t i1)
{
	struct vmcb *vm = svm_vmcb(v);
	struct insn_mov_dr d;
	enum insn_mode mode;
	uint8_t b[15];
	uint64_t val;
	int n = guest_peek_insn(v, b, &mode);

	if (n <= 0 || insn_mov_dr_decode(b, (size_t)n, mode, &d) < 0 || !d.write ||
	    (d.dr != 5 && d.dr != 7)) {
		/* The bytes changed under the exit: run it again (said once:
		 * a guest that keeps it so must not flood the console). */
		if (!told_undecodable) {
			told_undecodable = true;
			hv_err("hv: partition %lu: cannot decode MOV DR at %#lx", v->part->id, vm->save.rip);
		}
		return;
	}
	if ((i1 >> 63) && (svm_caps.features & SVM_F_DECODE))
		d.gpr = (uint8_t)(i1 & 0xf);
	if (d.dr == 5 && (vm->save.cr4 & CR4_DE)) {
		arch_vcpu_inject_ud(v);
		return;
	}
	if (vm->save.dr7 & DR7_GD) {
		/* General detect: a fault before the MOV, GD cleared
		 * (SDM Vol. 3B §18.2.4, §18.3.1.3). */
		vm->save.dr6 |= DR6_BD;
		vm->save.dr7 &= ~DR7_GD;
		svm_dirty(v, VMCB_CLEAN_DRX);
		vm->ctl.eventinj = SVM_EVT_VECTOR(1) | SVM_EVT_TYPE_EXC | SVM_EVT_V;
		return;
	}
	val = gpr_value(v, d.gpr);
	if (mode != INSN_MODE64)
		val = (uint32_t)val;
	else if (val >> 32) {
		arch_vcpu_inject_gp(v);
		return;
	}
	vm->save.dr7 = (val & ~DR7_MBZ) | DR7_FIXED;
	svm_dirty(v, VMCB_CLEAN_DRX);
	svm_advance_rip(v, d.len);
}
