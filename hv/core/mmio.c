/*
 * Guest-physical accesses the partition's EPT does not allow. The parent
 * owns everything but hv's pages, so its fault is a bug in it: it stops
 * (and with it every child). A child's load or store to a GPA nothing
 * backs is device memory with no device, as on a bus with nothing
 * decoding the address: a read returns all ones, a write goes nowhere
 * (docs/child-platform.md). The instruction comes from the backend
 * (arch_vcpu_fetch_insn) and is decoded by hv/arch/x86/insn.c; only the
 * plain MOV forms are emulated, and only with paging off (no guest page
 * walk yet): anything else stops the child.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include "intercept.h"

static void load_all_ones(struct vcpu *v, const struct insn_mem *m)
{
	uint64_t val = m->size >= 8 ? ~0ull : (1ull << (m->size * 8)) - 1;

	if (m->high_byte) {
		v->gpr[m->reg - 4] |= 0xff00;   /* AH, CH, DH, BH */
		return;
	}
	if (m->reg == GPR_RSP)
		arch_vcpu_set_rsp(v, intercept_merge_result(arch_vcpu_rsp(v), m->dst_size, val));
	else
		v->gpr[m->reg] = intercept_merge_result(v->gpr[m->reg], m->dst_size, val);
}

static bool emulate_unbacked(struct vcpu *v, const struct hv_gpa_fault *f)
{
	uint8_t bytes[15];
	struct insn_mem m;
	enum insn_mode mode;
	int n;

	if (f->fetch)
		return false;
	n = arch_vcpu_fetch_insn(v, bytes, &mode);
	if (n < 0 || insn_decode_mem(bytes, (size_t)n, mode, &m))
		return false;
	if (!m.write)
		load_all_ones(v, &m);
	arch_vcpu_advance_rip(v, m.len);
	return true;
}

void hv_handle_gpa_fault(struct vcpu *v, const struct hv_gpa_fault *f)
{
	if (!v->part->privileged && emulate_unbacked(v, f))
		return;

	partition_stop(v->part, "%s at GPA %#lx touched memory it does not own (%s%s%s, qual %#lx, rip %#lx)",
		       v->part->privileged ? "parent" : "partition", f->gpa,
		       f->read ? "read" : "", f->write ? "write" : "",
		       f->fetch ? "fetch" : "", f->detail, arch_vcpu_rip(v));
}
