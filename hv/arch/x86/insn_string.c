/* STOS and MOVS, single and REP; see insn_string.h. */
#include "insn_string.h"
#include <errno.h>

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

/* base + index in the address size; outside 64-bit code the linear
 * address wraps at 4 GiB (SDM Vol. 3A §3.4). */
static uint64_t lin_addr(const struct insn_string_state *s, uint64_t base, uint64_t index,
			 unsigned asz)
{
	uint64_t a = base + (index & mask_of(asz));

	return s->wide ? a : (uint32_t)a;
}

/* rSI/rDI step by the element size, down when RFLAGS.DF. */
static uint64_t step(const struct insn_mem *m, const struct insn_string_state *s, uint64_t index)
{
	return merge(index, m->addr_size, index + (s->df ? -(uint64_t)m->size : m->size));
}

/* One element: MOVS reads seg:[rSI] (its translation first, as the CPU
 * reads before it writes), both write ES:[rDI]. Registers move only
 * once the element is done. */
static int element(const struct insn_mem *m, struct insn_string_state *s,
		   const struct insn_string_ops *ops)
{
	bool movs = m->kind == INSN_MOVS;
	uint64_t src = 0, dst = 0, val = s->rax;
	int rc = 0;

	if (movs)
		rc = ops->translate(ops->ctx, lin_addr(s, s->src_base, s->rsi, m->addr_size), false, &src);
	if (!rc)
		rc = ops->translate(ops->ctx, lin_addr(s, s->dst_base, s->rdi, m->addr_size), true, &dst);
	if (!rc && movs)
		rc = ops->read(ops->ctx, src, m->size, &val);
	if (!rc)
		rc = ops->write(ops->ctx, dst, m->size, val & mask_of(m->size));
	if (rc)
		return rc;
	if (movs)
		s->rsi = step(m, s, s->rsi);
	s->rdi = step(m, s, s->rdi);
	return 0;
}

/* REP: while rCX (address size) is not 0, an element, then rCX - 1; a
 * count of 0 does nothing (SDM Vol. 2B "REP"). The CPU itself may stop
 * between iterations for an interrupt with RIP still on the instruction
 * and resume it with the registers as they are (same page), which is
 * what a chunk of max elements leaves. */
int insn_string_run(const struct insn_mem *m, struct insn_string_state *s,
		    const struct insn_string_ops *ops, unsigned max, bool *done)
{
	uint64_t cmask = mask_of(m->addr_size);
	int rc;

	*done = false;
	if (m->kind != INSN_STOS && m->kind != INSN_MOVS)
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
	}
	*done = !(s->rcx & cmask);
	return 0;
}
