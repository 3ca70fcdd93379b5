/*
 * Guest-physical accesses the partition's EPT does not allow. The parent
 * owns everything but hv's pages, so its fault is a bug in it: it stops
 * (and with it every child). A child's load or store to a GPA its RAM
 * does not cover is emulated: hv fetches the instruction through the
 * guest's page tables (hv/core/guestmem.c), decodes it
 * (hv/arch/x86/insn.c) and performs it against the device model at that
 * address (the xAPIC page at the APIC base in xAPIC mode, hv/core/vlapic.c)
 * or, where no device is, as a bus with nothing decoding the address: a
 * read returns all ones, a write goes nowhere (docs/child-platform.md).
 * Faults are the architectural ones: #PF from the fetch or from a string
 * element that does not translate, #GP(0)/#SS(0) for a string element
 * beyond its segment's limit (or not canonical in 64-bit code), #DE for
 * a divide error, #UD for LOCK where it is illegal. A REP string runs
 * MMIO_REP_CHUNK elements per exit and leaves RIP on the instruction
 * until it completes, so interrupts are taken between chunks. An
 * instruction hv does not emulate (CMPXCHG, XADD, SSE moves, a fetch
 * from such a GPA) stops the child with its bytes in the log.
 * On VT-x a child's xAPIC page at its reset base is the CPU's
 * APIC-access page (hv/core/child.c, map_apic_page): its accesses arrive
 * here as APIC accesses with the page offset (hv_handle_apic_access) and
 * take the same emulation, except an EOI store by an instruction decoded
 * before at that RIP, which is done without a walk or decode (eoi_site).
 * Known approximations: an operand that straddles a RAM page and an
 * unbacked one is performed at the faulting GPA only (a string element:
 * at the GPA of its first byte); a string element's segment is checked
 * for its limit, not for its type (a read-only ES, an execute-only
 * source), which the CPU checked when the segment was loaded.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/arch/x86/insn_string.h>
#include "guestmem.h"
#include "intercept.h"
#include "mmio.h"

/* Elements of a REP STOS/MOVS per exit: bounds the time one exit spends
 * in hv (each element is a page walk and a device access), so that a
 * guest-chosen count of 2^64 cannot hold the CPU. */
#define MMIO_REP_CHUNK 128

/* ---- devices ---- */

static int absent_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)v;
	(void)gpa;
	*val = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	return 0;
}

static int absent_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)v;
	(void)gpa;
	(void)size;
	(void)val;
	return 0;
}

static bool absent_match(struct vcpu *v, uint64_t gpa)
{
	(void)v;
	(void)gpa;
	return true;
}

/* First match wins; the last entry is the explicit "nothing there". */
static const struct mmio_dev devices[] = {
	{ "xapic", vlapic_mmio_match, vlapic_mmio_read, vlapic_mmio_write },
	{ "absent", absent_match, absent_read, absent_write },
};

static const struct mmio_dev *device_at(struct vcpu *v, uint64_t gpa)
{
	size_t i;

	for (i = 0; i + 1 < sizeof(devices) / sizeof(devices[0]); i++)
		if (devices[i].match(v, gpa))
			break;
	return &devices[i];
}

/* A physical access of size bytes: the partition's RAM if it owns the
 * page (the RAM side of MOVS), else the device there. */
static int phys_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
	const uint8_t *p = partition_gpa_ptr(v->part, gpa, size, false);

	if (p) {
		*val = 0;
		memcpy(val, p, size);
		return 0;
	}
	return device_at(v, gpa)->read(v, gpa, size, val);
}

static int phys_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	uint8_t *p = partition_gpa_ptr(v->part, gpa, size, true);

	if (p) {
		memcpy(p, &val, size);
		return 0;
	}
	return device_at(v, gpa)->write(v, gpa, size, val);
}

/* The faulting GPA itself: nothing of the partition's is there (the EPT
 * said so), so straight to the device. */
static int dev_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
	return device_at(v, gpa)->read(v, gpa, size, val);
}

static int dev_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	return device_at(v, gpa)->write(v, gpa, size, val);
}

/* ---- registers ---- */

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint64_t reg_get(struct vcpu *v, unsigned reg, bool high_byte)
{
	if (high_byte)
		return (v->gpr[reg - 4] >> 8) & 0xff;   /* AH, CH, DH, BH */
	return reg == GPR_RSP ? arch_vcpu_rsp(v) : v->gpr[reg];
}

/* A size-byte result into reg, as x86 writes one (merge or zero-extend). */
static void reg_set(struct vcpu *v, unsigned reg, bool high_byte, unsigned size, uint64_t val)
{
	if (high_byte) {
		v->gpr[reg - 4] = (v->gpr[reg - 4] & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	if (reg == GPR_RSP)
		arch_vcpu_set_rsp(v, intercept_merge_result(arch_vcpu_rsp(v), size, val));
	else
		v->gpr[reg] = intercept_merge_result(v->gpr[reg], size, val);
}

static uint64_t extend(const struct insn_mem *m, uint64_t val)
{
	uint64_t sign = 1ull << (8 * m->size - 1);

	val &= mask_of(m->size);
	if (m->sign_extend && (val & sign))
		val |= ~mask_of(m->size);
	return val & mask_of(m->dst_size);
}

/* ---- the instruction kinds ---- */

/* The two-operand ALU ops, NOT and NEG (no source) and the bit tests
 * (the source is the bit offset: gpa already is the operand holding the
 * bit, see form_bt_reg in insn.c). */
static int do_alu(struct vcpu *v, const struct insn_mem *m, uint64_t gpa)
{
	uint64_t mem, src, res, fl = arch_vcpu_rflags(v);
	int rc = dev_read(v, gpa, m->size, &mem);

	if (rc)
		return rc;
	if (m->alu == ALU_NOT || m->alu == ALU_NEG)
		src = 0;
	else
		src = m->has_imm ? m->imm : reg_get(v, m->reg, m->high_byte);
	if (m->kind == INSN_ALU_REG) {
		res = insn_alu(m->alu, m->size, src, mem, &fl);
		if (m->alu != ALU_CMP)
			reg_set(v, m->reg, m->high_byte, m->size, res);
	} else {
		res = insn_alu(m->alu, m->size, mem, src, &fl);
		if (m->write)
			rc = dev_write(v, gpa, m->size, res);
	}
	arch_vcpu_set_rflags(v, fl);
	return rc;
}

static int do_xchg(struct vcpu *v, const struct insn_mem *m, uint64_t gpa)
{
	uint64_t mem;
	int rc = dev_read(v, gpa, m->size, &mem);

	if (!rc)
		rc = dev_write(v, gpa, m->size, reg_get(v, m->reg, m->high_byte));
	if (!rc)
		reg_set(v, m->reg, m->high_byte, m->size, mem);
	return rc;
}

/* MUL IMUL DIV IDIV: rDX:rAX with the operand; a divide error is #DE
 * with the registers untouched (SDM Vol. 2A "DIV", "IDIV"). */
static int do_muldiv(struct vcpu *v, const struct insn_mem *m, uint64_t gpa)
{
	uint64_t mem, fl = arch_vcpu_rflags(v), rax = v->gpr[GPR_RAX], rdx = v->gpr[GPR_RDX];
	int rc = dev_read(v, gpa, m->size, &mem);

	if (rc)
		return rc;
	if (insn_muldiv(m->alu, m->size, mem, &rax, &rdx, &fl) == INSN_DE) {
		arch_vcpu_inject_fault(v, 0);
		return -EFAULT;
	}
	v->gpr[GPR_RAX] = rax;
	v->gpr[GPR_RDX] = rdx;
	arch_vcpu_set_rflags(v, fl);
	return 0;
}

/* ---- the string instructions (hv/arch/x86/insn_string.c) ---- */

static int str_translate(void *ctx, uint64_t lin, bool write, uint64_t *gpa)
{
	return guest_translate(ctx, lin, write ? PW_WRITE : 0, gpa);
}

static int str_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	return phys_read(ctx, gpa, size, val);
}

static int str_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	return phys_write(ctx, gpa, size, val);
}

static void str_raise(void *ctx, unsigned vector)
{
	arch_vcpu_inject_fault(ctx, vector);
}

/* Flat in 64-bit mode but for FS and GS (SDM Vol. 3A §3.2.4). */
static uint64_t seg_base(struct vcpu *v, unsigned seg)
{
	if (arch_vcpu_insn_mode(v) == INSN_MODE64 && seg != INSN_FS && seg != INSN_GS)
		return 0;
	return arch_vcpu_seg_base(v, seg);
}

/* The limit check of seg (SDM Vol. 3A §5.3): an expand-down data
 * segment (type bit 3 clear, bit 2 set) and its D/B flag; an unusable
 * one admits no offset (#GP, as a null selector's use is). */
static struct insn_limit seg_limit(struct vcpu *v, unsigned seg)
{
	uint32_t ar, limit = arch_vcpu_seg_limit(v, seg, &ar);
	struct insn_limit l = {
		.limit = limit, .expand_down = (ar & 0xc) == 0x4,
		.big = ar & (1u << 14), .stack = seg == INSN_SS,
	};

	if (ar & (1u << 16)) {
		l.limit = 0xffffffffu;           /* every offset is above it */
		l.expand_down = true;
		l.big = false;
	}
	return l;
}

void mmio_string_begin(struct vcpu *v, const struct insn_mem *m, struct insn_string_state *s,
			struct insn_string_ops *ops)
{
	bool wide = arch_vcpu_insn_mode(v) == INSN_MODE64;

	*ops = (struct insn_string_ops){ v, str_translate, str_read, str_write, str_raise, NULL, NULL };
	*s = (struct insn_string_state){
		.rax = v->gpr[GPR_RAX], .rcx = v->gpr[GPR_RCX],
		.rsi = v->gpr[GPR_RSI], .rdi = v->gpr[GPR_RDI], .rflags = arch_vcpu_rflags(v),
		.src_base = seg_base(v, m->seg), .dst_base = seg_base(v, INSN_ES),
		.src_limit = seg_limit(v, m->seg), .dst_limit = seg_limit(v, INSN_ES),
		.limits = !wide, .df = arch_vcpu_rflags(v) & (1u << 10), .wide = wide,
		.la57 = arch_vcpu_cr4(v) & (1u << 12), .port = (uint16_t)v->gpr[GPR_RDX],
	};
}

void mmio_string_end(struct vcpu *v, const struct insn_string_state *s)
{
	v->gpr[GPR_RAX] = s->rax;
	v->gpr[GPR_RCX] = s->rcx;
	v->gpr[GPR_RSI] = s->rsi;
	v->gpr[GPR_RDI] = s->rdi;
	arch_vcpu_set_rflags(v, s->rflags);
}

/* Every element is translated (the source with the segment override,
 * the destination always ES), checked against its segment's limit (or
 * for canonical form in 64-bit code) and may be RAM or a device: the
 * faulting GPA is only the first element's. */
static int do_string(struct vcpu *v, const struct insn_mem *m, bool *done)
{
	struct insn_string_ops ops;
	struct insn_string_state s;
	int rc;

	mmio_string_begin(v, m, &s, &ops);
	rc = insn_string_run(m, &s, &ops, MMIO_REP_CHUNK, done);
	mmio_string_end(v, &s);
	return rc;
}

/* 0 with *done = whether the instruction completed, or a negative errno. */
static int perform(struct vcpu *v, const struct insn_mem *m, uint64_t gpa, bool *done)
{
	uint64_t val;
	int rc;

	switch (m->kind) {
	case INSN_LOAD:
		rc = dev_read(v, gpa, m->size, &val);
		if (!rc)
			reg_set(v, m->reg, m->high_byte, m->dst_size, extend(m, val));
		return rc;
	case INSN_STORE:
		val = m->has_imm ? m->imm : reg_get(v, m->reg, m->high_byte);
		return dev_write(v, gpa, m->size, val & mask_of(m->size));
	case INSN_ALU_MEM:
	case INSN_ALU_REG:
		return do_alu(v, m, gpa);
	case INSN_XCHG:
		return do_xchg(v, m, gpa);
	case INSN_MULDIV:
		return do_muldiv(v, m, gpa);
	case INSN_STOS:
	case INSN_MOVS:
	case INSN_LODS:
	case INSN_CMPS:
	case INSN_SCAS:
		return do_string(v, m, done);
	default:
		return -EINVAL;
	}
}

int mmio_fetch_decode(struct vcpu *v, struct insn_mem *m, uint8_t bytes[15], int *nb)
{
	enum insn_mode mode;
	uint64_t fault_lin, gpa;
	int fault, rc;

	*nb = guest_fetch_insn(v, bytes, &mode, &fault, &fault_lin);
	if (*nb == -EFAULT)
		return 1;
	if (*nb < 0)
		return *nb;
	rc = insn_decode_mem(bytes, (size_t)*nb, mode, m);
	if (rc == INSN_UD) {
		arch_vcpu_inject_ud(v);
		return 1;
	}
	if (rc && fault == -EFAULT && *nb < 15) {
		/* Cut short by a page the CPU could not fetch either. */
		if (guest_translate(v, fault_lin, PW_FETCH, &gpa) == -EFAULT)
			return 1;
	}
	return rc ? -ENOTSUP : 0;
}

/* Emulate the instruction that touched f->gpa: true if handled (done,
 * or a fault injected instead), with *stored set when it completed as a
 * plain store (MOV to memory). False: the child must stop. */
static bool emulate_unbacked(struct vcpu *v, const struct hv_gpa_fault *f, struct insn_mem *m,
			     bool *stored)
{
	uint8_t bytes[15] = { 0 };
	bool done = true;
	int nb = 0, rc;

	*stored = false;
	/* A fetch, or an access by event delivery (the IDT, GDT or stack in
	 * such a GPA: no instruction to emulate), stops the child. */
	if (f->fetch || arch_vcpu_delivering_event(v))
		return false;
	rc = mmio_fetch_decode(v, m, bytes, &nb);
	if (rc == 1)
		return true;
	if (!rc)
		rc = perform(v, m, f->gpa, &done);
	if (rc == -EFAULT)
		return true;                    /* a fault injected (#PF #GP #SS #DE) */
	if (rc) {
		hv_err("mmio: cannot emulate (%d) at GPA %#lx: %02x %02x %02x %02x %02x %02x",
		       rc, f->gpa, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
		return false;
	}
	if (done)
		arch_vcpu_advance_rip(v, m->len);
	*stored = m->kind == INSN_STORE;
	return true;
}

static void stop_unowned(struct vcpu *v, const struct hv_gpa_fault *f)
{
	/* The parent owns all it can reach: a fault there is hv's, worth
	 * its full state in the log. */
	if (v->part->privileged) {
		hv_err("hv: the parent's fault on CPU %u, its state:", this_cpu()->index);
		arch_vcpu_dump(v);
	}
	partition_stop(v->part, "%s at GPA %#lx touched memory it does not own (%s%s%s, qual %#lx, rip %#lx)",
		       v->part->privileged ? "parent" : "partition", f->gpa,
		       f->read ? "read" : "", f->write ? "write" : "",
		       f->fetch ? "fetch" : "", f->detail, arch_vcpu_rip(v));
}

void hv_handle_gpa_fault(struct vcpu *v, const struct hv_gpa_fault *f)
{
	struct insn_mem m;
	bool stored;

	if (f->write && (v->part->privileged ? capture_parent_write(v, f->gpa)
					     : capture_write_fault(v, f->gpa)))
		return;
	if (!v->part->privileged && emulate_unbacked(v, f, &m, &stored))
		return;
	stop_unowned(v, f);
}

/* ---- the APIC page as the CPU reports it (VT-x's APIC-access page) ---- */

#define APIC_EOI_OFFSET 0xb0            /* SDM Vol. 3A Table 11-1 */

/* An EOI store at a RIP where hv decoded a 32-bit MOV to EOI before is
 * that instruction again: the EOI and RIP past it by the length decoded
 * then, with no walk, fetch or decode (the CPU has checked the access:
 * paging faults and segment checks come before an APIC-access exit, SDM
 * Vol. 3C §30.4.1). The CPU's instruction length is not enough by itself:
 * §28.2.5 defines it for APIC-access exits only during delivery of a
 * software interrupt or exception, not for these, and it would also take
 * a STOS, MOVS, PUSH or CALL that stores to EOI for a plain store (Linux's
 * KVM trusts it, arch/x86/kvm/vmx/vmx.c handle_apic_access); where the
 * backend reports one (cpu_len) it must agree. A few sites are kept: a
 * guest may EOI from several handlers. f is a write at EOI's offset. */
static bool eoi_site(struct vcpu *v, const struct hv_gpa_fault *f, uint64_t rip, uint8_t cpu_len)
{
	struct vlapic *l = &v->lapic;
	unsigned i;

	if (f->read || f->fetch)
		return false;
	for (i = 0; i < VLAPIC_EOI_SITES; i++)
		if (l->eoi_site_len[i] && l->eoi_site_rip[i] == rip)
			break;
	if (i == VLAPIC_EOI_SITES || (cpu_len && cpu_len != l->eoi_site_len[i]) ||
	    arch_vcpu_delivering_event(v) || !vlapic_mmio_match(v, f->gpa))
		return false;
	vlapic_mmio_write(v, f->gpa, 4, 0);
	arch_vcpu_advance_rip(v, l->eoi_site_len[i]);
	return true;
}

static void eoi_site_learn(struct vlapic *l, uint64_t rip, uint8_t len)
{
	unsigned i = l->eoi_site_next++ % VLAPIC_EOI_SITES;

	l->eoi_site_rip[i] = rip;
	l->eoi_site_len[i] = len;
}

/* A child's access to its APIC page: an EOI at a known site, else
 * emulated (a 32-bit MOV to the xAPIC's EOI becomes a known site). False:
 * it stops. */
static bool apic_page_access(struct vcpu *v, const struct hv_gpa_fault *f, uint8_t cpu_len)
{
	bool eoi = f->write && (f->gpa & 0xfff) == APIC_EOI_OFFSET;
	uint64_t rip = eoi ? arch_vcpu_rip(v) : 0;
	struct insn_mem m;
	bool stored;

	if (eoi && eoi_site(v, f, rip, cpu_len))
		return true;
	if (!emulate_unbacked(v, f, &m, &stored))
		return false;
	if (eoi && stored && m.size == 4 && vlapic_mmio_match(v, f->gpa))
		eoi_site_learn(&v->lapic, rip, m.len);
	return true;
}

/* The GPA is the page's (the partition maps it at one address) plus the
 * offset; the device there is this vCPU's xAPIC if its base is there,
 * else nothing (mmio.c's table), as for an EPT violation. */
void hv_handle_apic_access(struct vcpu *v, const struct hv_apic_access *a)
{
	const struct hv_gpa_fault f = {
		.gpa = v->part->apic_page_gpa | a->offset, .detail = a->detail,
		.read = a->kind == HV_APIC_READ, .write = a->kind == HV_APIC_WRITE,
	};

	if (v->part->privileged || !v->part->apic_page_gpa || a->kind == HV_APIC_OTHER) {
		partition_stop(v->part, "APIC-page access hv does not emulate at GPA %#lx (qual %#lx, rip %#lx)",
			       f.gpa, a->detail, arch_vcpu_rip(v));
		return;
	}
	if (!apic_page_access(v, &f, a->insn_len))
		stop_unowned(v, &f);
}
