/* The string instructions, single and REP; see insn_string.h. */
#include "insn_string.h"
#include <errno.h>

#define FL_ZF (1ull << 6)

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* A size-byte write to a GPR: 8 and 16 bits merge, 32 bits zero-extend
 * (SDM Vol. 1 §3.4.1.1). rCX, rSI and rDI are written in the address
 * size (SDM Vol. 2B "REP", "MOVS", "STOS"). */
static uint64_t merge(uint64_t reg, unsigned size, uint64_t val)
{
	if (size == 4)
		return (uint32_t)val;
	return (reg & ~mask_of(size)) | (val & mask_of(size));
}

/* What each kind touches: the source seg:[rSI], the destination
 * ES:[rDI] (read by the compares, written by MOVS, STOS and INS), and
 * port DX (read by INS, written by OUTS). */
static const struct {
	bool src, dst, dst_read, dst_write, port_in, port_out;
} uses[INSN_KIND_LAST + 1] = {
	[INSN_MOVS] = { true, true, false, true, false, false },
	[INSN_STOS] = { false, true, false, true, false, false },
	[INSN_LODS] = { true, false, false, false, false, false },
	[INSN_CMPS] = { true, true, true, false, false, false },
	[INSN_SCAS] = { false, true, true, false, false, false },
	[INSN_INS] = { false, true, false, true, true, false },
	[INSN_OUTS] = { true, false, false, false, false, true },
};

static bool is_string(const struct insn_mem *m, const struct insn_string_ops *ops)
{
	switch (m->kind) {
	case INSN_MOVS:
	case INSN_STOS:
	case INSN_LODS:
	case INSN_CMPS:
	case INSN_SCAS:
		return true;
	case INSN_INS:
		return ops->port_in;
	case INSN_OUTS:
		return ops->port_out;
	default:
		return false;
	}
}

/* Offsets off .. off + size - 1 within the segment (SDM Vol. 3A §5.3);
 * the sum is 64-bit, so an element past 0xffff or 0xffffffff (the
 * address size's wrap) is beyond any limit. */
static bool within(const struct insn_limit *l, uint64_t off, unsigned size)
{
	uint64_t last = off + size - 1;

	if (!l->expand_down)
		return last <= l->limit;
	return off > l->limit && last <= (l->big ? 0xffffffffull : 0xffffull);
}

/* Canonical: bits 63:47 (63:56 with 5-level paging) all equal (SDM Vol.
 * 1 §3.3.7.1). */
static bool canonical(const struct insn_string_state *s, uint64_t lin)
{
	unsigned sh = s->la57 ? 7 : 16;

	return (uint64_t)((int64_t)(lin << sh) >> sh) == lin;
}

static int fault(const struct insn_string_ops *ops, unsigned vector)
{
	if (ops->raise)
		ops->raise(ops->ctx, vector);
	return -EFAULT;
}

/* base + index in the address size, checked and translated. Outside
 * 64-bit code the linear address wraps at 4 GiB (SDM Vol. 3A §3.4). */
static int address(const struct insn_mem *m, const struct insn_string_state *s,
		   const struct insn_string_ops *ops, bool dst, bool write, uint64_t *gpa)
{
	const struct insn_limit *l = dst ? &s->dst_limit : &s->src_limit;
	uint64_t off = (dst ? s->rdi : s->rsi) & mask_of(m->addr_size);
	uint64_t lin = (dst ? s->dst_base : s->src_base) + off;

	if (s->wide && (!canonical(s, lin) || !canonical(s, lin + m->size - 1)))
		return fault(ops, !dst && m->seg == INSN_SS ? 12 : 13);
	if (!s->wide && s->limits && !within(l, off, m->size))
		return fault(ops, l->stack ? 12 : 13);
	return ops->translate(ops->ctx, s->wide ? lin : (uint32_t)lin, write, gpa);
}

/* rSI/rDI step by the element size, down when RFLAGS.DF. */
static uint64_t step(const struct insn_mem *m, const struct insn_string_state *s, uint64_t index)
{
	return merge(index, m->addr_size, index + (s->df ? -(uint64_t)m->size : m->size));
}

static int translate_both(const struct insn_mem *m, const struct insn_string_state *s,
			  const struct insn_string_ops *ops, uint64_t *src, uint64_t *dst)
{
	int rc = 0;

	if (uses[m->kind].src)
		rc = address(m, s, ops, false, false, src);
	if (!rc && uses[m->kind].dst)
		rc = address(m, s, ops, true, uses[m->kind].dst_write, dst);
	return rc;
}

/* One element. The source translates first, as the CPU reads before it
 * writes; registers move only once the element is done. INS translates
 * its destination before it reads the port: a port read has side effects
 * (an IDE data register moves on), and an element that faults runs
 * again after the guest's handler, so it must not have read. The compares
 * set the flags of CMP first - second: seg:[rSI] - ES:[rDI] for CMPS,
 * rAX - ES:[rDI] for SCAS (SDM Vol. 2A "CMPS", Vol. 2B "SCAS"). */
static int element(const struct insn_mem *m, struct insn_string_state *s,
		   const struct insn_string_ops *ops)
{
	uint64_t src = 0, dst = 0, val = s->rax, cmp = 0;
	int rc = translate_both(m, s, ops, &src, &dst);

	if (!rc && uses[m->kind].src)
		rc = ops->read(ops->ctx, src, m->size, &val);
	if (!rc && uses[m->kind].port_in)
		rc = ops->port_in(ops->ctx, s->port, m->size, &val);
	if (!rc && uses[m->kind].port_out)
		rc = ops->port_out(ops->ctx, s->port, m->size, val & mask_of(m->size));
	if (!rc && uses[m->kind].dst_read)
		rc = ops->read(ops->ctx, dst, m->size, &cmp);
	if (!rc && uses[m->kind].dst_write)
		rc = ops->write(ops->ctx, dst, m->size, val & mask_of(m->size));
	if (rc)
		return rc;
	if (uses[m->kind].dst_read)
		insn_alu(ALU_CMP, m->size, val, cmp, &s->rflags);
	if (m->kind == INSN_LODS)
		s->rax = merge(s->rax, m->size, val);
	if (uses[m->kind].src)
		s->rsi = step(m, s, s->rsi);
	if (uses[m->kind].dst)
		s->rdi = step(m, s, s->rdi);
	return 0;
}

/* REPE stops a compare on ZF = 0, REPNE on ZF = 1. */
static bool cmp_stops(const struct insn_mem *m, const struct insn_string_state *s)
{
	if (!uses[m->kind].dst_read)
		return false;
	return m->repne ? (s->rflags & FL_ZF) : !(s->rflags & FL_ZF);
}

/* REP: while rCX (address size) is not 0, an element, then rCX - 1,
 * then the compares' ZF test; a count of 0 does nothing (SDM Vol. 2B
 * "REP"). The CPU itself may stop between iterations for an interrupt
 * with RIP still on the instruction and resume it with the registers as
 * they are, which is what a chunk of max elements leaves. */
int insn_string_run(const struct insn_mem *m, struct insn_string_state *s,
		    const struct insn_string_ops *ops, unsigned max, bool *done)
{
	uint64_t cmask = mask_of(m->addr_size);
	int rc;

	*done = false;
	if (!is_string(m, ops))
		return -EINVAL;
	if (!m->rep) {
		rc = element(m, s, ops);
		*done = !rc;
		return rc;
	}
	for (unsigned i = 0; i < max && (s->rcx & cmask); i++) {
		rc = element(m, s, ops);
		if (rc)
			return rc;
		s->rcx = merge(s->rcx, m->addr_size, s->rcx - 1);
		if (cmp_stops(m, s)) {
			*done = true;
			return 0;
		}
	}
	*done = !(s->rcx & cmask);
	return 0;
}
