/*
 * Boot self-test of VMRUN's guest-state checks (AMD APM Vol. 2 §15.5.1
 * "Canonicalization and Consistency Checks"): a scratch VMCB with a valid
 * real-mode guest must run to its HLT intercept; the same VMCB with each
 * malformed field must come back as VMEXIT_INVALID, leaving hv running.
 * What it proves: hv survives a refused VMRUN (the exit path restores its
 * state through VM_HSAVE_PA whatever the guest state was), and the CPU, or
 * emulator, checks what hv's own arch_vcpu_set_state checks earlier.
 */
#include "svm.h"
#include <string.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/mm/pool.h>

static struct vcpu scratch_vcpu;

/* A guest in real mode at the code page, HLT at its first byte; no nested
 * paging, so its physical addresses are hv's (the page is hv's). */
static void valid_guest(struct vmcb *vm, uint64_t code_pa)
{
	struct vmcb_seg data = { 0, 0x93, 0xffff, 0 };

	memset(vm, 0, sizeof(*vm));
	vm->ctl.intercept1 = SVM_I1_HLT | SVM_I1_SHUTDOWN;
	vm->ctl.intercept2 = SVM_I2_VMRUN;
	vm->ctl.iopm_pa = svm_maps.child_iopm;
	vm->ctl.msrpm_pa = svm_maps.child_msrpm;
	vm->ctl.asid = 1;
	vm->ctl.tlb_control = SVM_TLB_FLUSH_ALL;
	vm->save.cs = (struct vmcb_seg){ (uint16_t)(code_pa >> 4), 0x9b, 0xffff, code_pa };
	vm->save.ds = vm->save.es = vm->save.ss = vm->save.fs = vm->save.gs = data;
	vm->save.tr = (struct vmcb_seg){ 0, 0x8b, 0xffff, 0 };
	vm->save.ldtr = (struct vmcb_seg){ 0, 0x82, 0xffff, 0 };
	vm->save.gdtr.limit = vm->save.idtr.limit = 0xffff;
	vm->save.cr0 = CR0_ET;
	vm->save.efer = EFER_SVME;
	vm->save.rflags = 2;
	vm->save.dr6 = 0xffff0ff0;
	vm->save.dr7 = 0x400;
	vm->save.g_pat = 0x0007040600070406ull;
}

enum { BAD_SVME, BAD_NW, BAD_CR0_HI, BAD_NO_PAE, BAD_NO_VMRUN, BAD_ASID0, BAD_CS_LD, BAD_COUNT };

static void make_bad(struct vmcb *vm, int which)
{
	switch (which) {
	case BAD_SVME: vm->save.efer = 0; break;
	case BAD_NW: vm->save.cr0 |= CR0_NW; break;
	case BAD_CR0_HI: vm->save.cr0 |= 1ull << 40; break;
	case BAD_NO_PAE:
		vm->save.efer |= EFER_LME;
		vm->save.cr0 |= CR0_PE | CR0_PG;
		break;
	case BAD_NO_VMRUN: vm->ctl.intercept2 = 0; break;
	case BAD_ASID0: vm->ctl.asid = 0; break;
	default:
		vm->save.efer |= EFER_LME | EFER_LMA;
		vm->save.cr4 = CR4_PAE;
		vm->save.cr0 |= CR0_PE | CR0_PG;
		vm->save.cs.attrib |= (1u << 9) | (1u << 10);   /* L and D */
		break;
	}
}

static uint64_t run_one(struct vmcb *vm, uint64_t vmcb_pa)
{
	scratch_vcpu.arch.vmcb_pa = vmcb_pa;
	scratch_vcpu.arch.vmcb = vm;
	svm_run(&scratch_vcpu, this_cpu()->arch.host_vmcb_pa);
	return vm->ctl.exitcode;
}

/* 0 when every case behaved; the number that did not otherwise. */
int svm_selftest(void)
{
	uint64_t vmcb_pa, code_pa, code;
	struct vmcb *vm;
	int bad = 0, refused = 0;

	if (svm_setup_maps(NULL, 0) || hv_pool_alloc(&vmcb_pa) || hv_pool_alloc(&code_pa))
		return -1;
	vm = (struct vmcb *)(uintptr_t)vmcb_pa;
	*(uint8_t *)(uintptr_t)code_pa = 0xf4;          /* HLT */
	valid_guest(vm, code_pa);
	code = run_one(vm, vmcb_pa);
	if (code != SVM_EXIT_HLT) {
		hv_err("hv: SVM self-test: the valid guest exited with %#lx, not HLT", code);
		bad++;
	}
	for (int k = 0; k < BAD_COUNT; k++) {
		valid_guest(vm, code_pa);
		make_bad(vm, k);
		code = run_one(vm, vmcb_pa);
		if ((uint32_t)code == 0xffffffffu)
			refused++;
		else
			hv_err("hv: SVM self-test: malformed VMCB %d ran (exit %#lx)", k, code);
	}
	bad += BAD_COUNT - refused;
	hv_info("hv: SVM self-test: a valid VMCB ran to HLT, %d of %d malformed ones refused",
		refused, BAD_COUNT);
	hv_pool_free(code_pa);
	hv_pool_free(vmcb_pa);
	return bad;
}
