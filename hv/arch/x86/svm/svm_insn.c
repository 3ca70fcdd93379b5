/*
 * The bytes and length of the instruction behind an exit. With NRIPS the
 * CPU reports the next RIP (APM Vol. 2 §15.7.1); without it (QEMU's TCG,
 * older CPUs) hv reads the bytes at CS:RIP through the guest's own page
 * tables and decodes the length (hv/arch/x86/insn_len.c). I/O exits
 * always carry the next RIP in EXITINFO2 (§15.10.2).
 */
#include "svm.h"
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/arch/x86/insn_len.h>

#define PTE_P  1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

/* Read a guest-physical 8-byte (or 4-byte) entry; false if unbacked. */
static bool gpa_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *out)
{
	const void *p = partition_gpa_ptr(v->part, gpa, size, false);

	if (!p)
		return false;
	*out = size == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
	return true;
}

/* Long-mode and PAE walks (SDM Vol. 3A §4.4, §4.5): levels of 512
 * entries from top; a PS entry at the PDPT or PD ends the walk. */
static bool walk64(struct vcpu *v, uint64_t table, unsigned levels, uint64_t la, uint64_t *gpa)
{
	for (unsigned l = levels; l >= 1; l--) {
		unsigned shift = 12 + 9 * (l - 1);
		uint64_t e;

		if (!gpa_read(v, table + ((la >> shift) & 511) * 8, 8, &e) || !(e & PTE_P))
			return false;
		if (l == 1 || ((e & PTE_PS) && l <= 3)) {
			uint64_t span = 1ull << shift;

			*gpa = (e & PTE_ADDR & ~(span - 1)) | (la & (span - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

/* 32-bit paging (SDM Vol. 3A §4.3), 4 MiB pages with CR4.PSE. */
static bool walk32(struct vcpu *v, uint64_t cr3, uint64_t la, uint64_t *gpa)
{
	uint64_t e;

	if (!gpa_read(v, (cr3 & 0xfffff000) + ((la >> 22) & 1023) * 4, 4, &e) || !(e & PTE_P))
		return false;
	if ((e & PTE_PS) && (svm_vmcb(v)->save.cr4 & (1u << 4))) {
		*gpa = (e & 0xffc00000) | (la & 0x3fffff);
		return true;
	}
	if (!gpa_read(v, (e & 0xfffff000) + ((la >> 12) & 1023) * 4, 4, &e) || !(e & PTE_P))
		return false;
	*gpa = (e & 0xfffff000) | (la & 0xfff);
	return true;
}

static bool la_to_gpa(struct vcpu *v, uint64_t la, uint64_t *gpa)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	if (!(g->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return true;
	}
	if (g->efer & EFER_LMA)
		return walk64(v, g->cr3 & PTE_ADDR, 4, la, gpa);
	if (g->cr4 & CR4_PAE) {
		uint64_t pdpte;

		if (!gpa_read(v, (g->cr3 & 0xffffffe0) + ((la >> 30) & 3) * 8, 8, &pdpte) ||
		    !(pdpte & PTE_P))
			return false;
		return walk64(v, pdpte & PTE_ADDR, 2, la & 0xffffffff, gpa);
	}
	return walk32(v, g->cr3, la & 0xffffffff, gpa);
}

/* Up to 15 bytes at CS:RIP; one translation per page the instruction
 * touches (it may cross one boundary); the decode mode from EFER.LMA,
 * CS.L and CS.D. */
static int svm_fetch_insn(struct vcpu *v, uint8_t bytes[15], enum insn_mode *mode)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;
	bool lm = (g->efer & EFER_LMA) && (g->cs.attrib & (1u << 9));
	uint64_t la = lm ? g->rip : g->cs.base + (g->rip & 0xffffffffull), gpa;
	int n = 0;

	*mode = lm ? INSN_MODE64 :
		((g->cr0 & CR0_PE) && (g->cs.attrib & (1u << 10))) ? INSN_MODE32 : INSN_MODE16;
	while (n < 15) {
		uint64_t at = la + (uint64_t)n;
		size_t chunk = 4096 - (at & 4095);
		const uint8_t *b;

		if (chunk > (size_t)(15 - n))
			chunk = (size_t)(15 - n);
		if (!la_to_gpa(v, at, &gpa))
			break;
		b = partition_gpa_ptr(v->part, gpa, chunk, false);
		if (!b)
			break;
		for (size_t k = 0; k < chunk; k++)
			bytes[n++] = b[k];
	}
	return n ? n : -1;
}

static int exit_op(uint64_t code)
{
	switch (code) {
	case SVM_EXIT_CPUID: return INSN_OP_CPUID;
	case SVM_EXIT_HLT: return INSN_OP_HLT;
	case SVM_EXIT_VMMCALL: return INSN_OP_VMMCALL;
	case SVM_EXIT_XSETBV: return INSN_OP_XSETBV;
	case SVM_EXIT_PAUSE: return INSN_OP_PAUSE;
	case SVM_EXIT_INVD: return INSN_OP_INVD;
	default: return -1;
	}
}

unsigned svm_exit_insn_len(struct vcpu *v)
{
	const struct vmcb *vm = svm_vmcb(v);
	uint64_t code = vm->ctl.exitcode;
	uint8_t b[15];
	enum insn_mode mode;
	int op, n, len;

	if (code == SVM_EXIT_IOIO)
		return (unsigned)(vm->ctl.exitinfo2 - vm->save.rip);
	if ((svm_caps.features & SVM_F_NRIPS) && vm->ctl.nrip > vm->save.rip)
		return (unsigned)(vm->ctl.nrip - vm->save.rip);
	op = code == SVM_EXIT_MSR ? (vm->ctl.exitinfo1 ? INSN_OP_WRMSR : INSN_OP_RDMSR)
				  : exit_op(code);
	if (op < 0)
		return 0;
	n = svm_fetch_insn(v, b, &mode);
	len = n > 0 ? insn_len_of(b, (size_t)n, mode, (enum insn_op)op) : -1;
	if (len < 0) {
		/* The bytes are not there or not that instruction (the guest
		 * changed them): its length without prefixes. */
		hv_err("hv: partition %lu: cannot decode the instruction at %#lx (exit %#lx)",
		       v->part->id, vm->save.rip, code);
		return insn_len_bare((enum insn_op)op);
	}
	return (unsigned)len;
}
