/* Decoder for the few memory-operand MOV forms; see insn.h. */
#include "insn.h"
#include <string.h>

struct cursor {
	const uint8_t *b;
	size_t n, i;
};

static int take(struct cursor *c, uint8_t *v)
{
	if (c->i >= c->n || c->i >= 15)   /* 15 bytes at most (SDM Vol. 2A §2.3.11) */
		return -1;
	*v = c->b[c->i++];
	return 0;
}

static int skip(struct cursor *c, size_t k)
{
	if (c->i + k > c->n || c->i + k > 15)
		return -1;
	c->i += k;
	return 0;
}

static uint64_t little(const uint8_t *p, size_t k)
{
	uint64_t v = 0;

	for (size_t j = 0; j < k; j++)
		v |= (uint64_t)p[j] << (8 * j);
	return v;
}

/* ModR/M with a memory operand: consume SIB and displacement (SDM Vol. 2A
 * Tables 2-1, 2-2, 2-3). mod = 3 is a register, which is not a memory
 * access, so it is refused. */
static int modrm_mem(struct cursor *c, uint8_t modrm, bool addr16)
{
	uint8_t mod = modrm >> 6, rm = modrm & 7, sib;

	if (mod == 3)
		return -1;
	if (addr16)
		return skip(c, mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0);
	if (rm == 4) {
		if (take(c, &sib))
			return -1;
		if (mod == 0 && (sib & 7) == 5)
			return skip(c, 4);
	}
	if (mod == 0 && rm == 5)
		return skip(c, 4);   /* disp32, or RIP-relative in 64-bit mode */
	return skip(c, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

struct prefixes {
	bool opsize, addrsize;
	uint8_t rex;
};

static int read_prefixes(struct cursor *c, enum insn_mode mode, struct prefixes *p, uint8_t *op)
{
	memset(p, 0, sizeof(*p));
	for (;;) {
		if (take(c, op))
			return -1;
		if (*op == 0x66)
			p->opsize = true;
		else if (*op == 0x67)
			p->addrsize = true;
		else if (*op == 0x26 || *op == 0x2e || *op == 0x36 || *op == 0x3e ||
			 *op == 0x64 || *op == 0x65)
			continue;
		else if (*op == 0xf0 || *op == 0xf2 || *op == 0xf3)
			return -1;   /* LOCK/REP forms are not emulated */
		else
			break;
	}
	if (mode == INSN_MODE64 && (*op & 0xf0) == 0x40) {
		p->rex = *op;    /* REX comes last, right before the opcode (§2.2.1) */
		if (take(c, op))
			return -1;
	}
	return 0;
}

static uint8_t op_size(enum insn_mode mode, const struct prefixes *p)
{
	if (p->rex & 8)
		return 8;
	if (mode == INSN_MODE16)
		return p->opsize ? 4 : 2;
	return p->opsize ? 2 : 4;
}

static int decode_modrm_form(struct cursor *c, uint8_t op, enum insn_mode mode,
			     const struct prefixes *p, struct insn_mem *o)
{
	bool addr16 = (mode == INSN_MODE16) != p->addrsize && mode != INSN_MODE64;
	uint8_t modrm, full = op_size(mode, p);

	if (take(c, &modrm))
		return -1;
	o->reg = ((modrm >> 3) & 7) | ((p->rex & 4) ? 8 : 0);
	if (modrm_mem(c, modrm, addr16))
		return -1;
	o->size = (op == 0x88 || op == 0x8a || op == 0xc6) ? 1 : full;
	o->dst_size = o->size;
	o->write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
	o->high_byte = o->size == 1 && !p->rex && o->reg >= 4 && o->reg < 8;
	if (op == 0xc6 || op == 0xc7) {
		size_t k = op == 0xc6 ? 1 : (full == 2 ? 2 : 4);

		if (((modrm >> 3) & 7) != 0 || c->i + k > c->n || c->i + k > 15)
			return -1;
		o->imm = little(c->b + c->i, k);
		if (k == 4 && full == 8 && (o->imm & 0x80000000u))
			o->imm |= 0xffffffff00000000ull;   /* imm32 sign-extends */
		o->has_imm = true;
		c->i += k;
	}
	return 0;
}

int insn_decode_mem(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn_mem *o)
{
	struct cursor c = { bytes, n, 0 };
	struct prefixes p;
	uint8_t op, op2, modrm;

	memset(o, 0, sizeof(*o));
	if (read_prefixes(&c, mode, &p, &op))
		return -1;
	if (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 || op == 0xc7) {
		if (decode_modrm_form(&c, op, mode, &p, o))
			return -1;
	} else if (op >= 0xa0 && op <= 0xa3) {
		/* moffs: an absolute address of the address size (§2.2.1.4). */
		size_t k = mode == INSN_MODE64 ? (p.addrsize ? 4 : 8)
					       : ((mode == INSN_MODE16) != p.addrsize ? 2 : 4);

		if (skip(&c, k))
			return -1;
		o->size = (op & 1) ? op_size(mode, &p) : 1;
		o->dst_size = o->size;
		o->write = op >= 0xa2;
		o->reg = 0;
	} else if (op == 0x0f) {
		if (take(&c, &op2) || (op2 != 0xb6 && op2 != 0xb7) || take(&c, &modrm))
			return -1;
		o->reg = ((modrm >> 3) & 7) | ((p.rex & 4) ? 8 : 0);
		if (modrm_mem(&c, modrm, (mode == INSN_MODE16) != p.addrsize && mode != INSN_MODE64))
			return -1;
		o->size = op2 == 0xb6 ? 1 : 2;
		o->dst_size = op_size(mode, &p);
	} else {
		return -1;
	}
	o->len = (uint8_t)c.i;
	return 0;
}
