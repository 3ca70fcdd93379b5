/* The memory-operand instruction decoder and ALU; see insn.h. */
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

/* k bytes little-endian, sign-extended from k bytes when sx. */
static int take_imm(struct cursor *c, size_t k, bool sx, uint64_t *v)
{
	const uint8_t *p = c->b + c->i;

	if (skip(c, k))
		return -1;
	*v = 0;
	for (size_t j = 0; j < k; j++)
		*v |= (uint64_t)p[j] << (8 * j);
	if (sx && k < 8 && (*v >> (8 * k - 1)) & 1)
		*v |= ~0ull << (8 * k);
	return 0;
}

/* ModR/M with a memory operand: consume SIB and displacement (SDM Vol. 2A
 * Tables 2-1, 2-2, 2-3; RIP-relative is mod 0, rm 5 in 64-bit code,
 * §2.2.1.6). mod = 3 names a register, not memory: refused. */
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
		return skip(c, 4);
	return skip(c, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

struct prefixes {
	bool opsize, addrsize, lock;
	uint8_t rep;                         /* the last of F2/F3, or 0 */
	uint8_t rex, seg;
};

static const int8_t seg_prefix[256] = {
	[0x26] = INSN_ES + 1, [0x2e] = INSN_CS + 1, [0x36] = INSN_SS + 1,
	[0x3e] = INSN_DS + 1, [0x64] = INSN_FS + 1, [0x65] = INSN_GS + 1,
};

/* Legacy prefixes in any order, then REX right before the opcode
 * (§2.1.1, §2.2.1: a REX followed by a legacy prefix is ignored; such
 * code is refused here rather than modelled). */
static int read_prefixes(struct cursor *c, enum insn_mode mode, struct prefixes *p, uint8_t *op)
{
	memset(p, 0, sizeof(*p));
	p->seg = INSN_DS;
	for (;;) {
		if (take(c, op))
			return -1;
		if (*op == 0x66)
			p->opsize = true;
		else if (*op == 0x67)
			p->addrsize = true;
		else if (seg_prefix[*op])
			p->seg = (uint8_t)(seg_prefix[*op] - 1);
		else if (*op == 0xf0)
			p->lock = true;
		else if (*op == 0xf2 || *op == 0xf3)
			p->rep = *op;
		else
			break;
	}
	if (mode == INSN_MODE64 && (*op & 0xf0) == 0x40) {
		p->rex = *op;
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

static uint8_t addr_size(enum insn_mode mode, const struct prefixes *p)
{
	if (mode == INSN_MODE64)
		return p->addrsize ? 4 : 8;
	return (mode == INSN_MODE16) != p->addrsize ? 2 : 4;
}

/* One-byte opcode forms (SDM Vol. 2D Table A-2). */
enum form { F_NONE, F_ALU, F_GRP1, F_TEST_RM, F_GRP3, F_MOV, F_MOV_IMM, F_MOFFS,
	    F_XCHG, F_STRING, F_MOVSXD, F_IMUL3, F_0F, F_PORT_STRING };

#define ALU_ROW(b) [b] = F_ALU, [b + 1] = F_ALU, [b + 2] = F_ALU, [b + 3] = F_ALU
static const uint8_t one_byte[256] = {
	ALU_ROW(0x00), ALU_ROW(0x08), ALU_ROW(0x10), ALU_ROW(0x18),
	ALU_ROW(0x20), ALU_ROW(0x28), ALU_ROW(0x30), ALU_ROW(0x38),
	[0x63] = F_MOVSXD, [0x69] = F_IMUL3, [0x6b] = F_IMUL3,
	[0x6c] = F_PORT_STRING, [0x6d] = F_PORT_STRING, [0x6e] = F_PORT_STRING, [0x6f] = F_PORT_STRING,
	[0x80] = F_GRP1, [0x81] = F_GRP1, [0x82] = F_GRP1, [0x83] = F_GRP1,
	[0x84] = F_TEST_RM, [0x85] = F_TEST_RM, [0x86] = F_XCHG, [0x87] = F_XCHG,
	[0x88] = F_MOV, [0x89] = F_MOV, [0x8a] = F_MOV, [0x8b] = F_MOV,
	[0xa0] = F_MOFFS, [0xa1] = F_MOFFS, [0xa2] = F_MOFFS, [0xa3] = F_MOFFS,
	[0xa4] = F_STRING, [0xa5] = F_STRING, [0xa6] = F_STRING, [0xa7] = F_STRING,
	[0xaa] = F_STRING, [0xab] = F_STRING, [0xac] = F_STRING, [0xad] = F_STRING,
	[0xae] = F_STRING, [0xaf] = F_STRING,
	[0xc6] = F_MOV_IMM, [0xc7] = F_MOV_IMM, [0xf6] = F_GRP3, [0xf7] = F_GRP3,
	[0x0f] = F_0F,
};

struct dec {
	struct cursor c;
	struct prefixes p;
	enum insn_mode mode;
	struct insn_mem *o;
	uint8_t modrm;
};

static void set_reg(struct dec *d)
{
	struct insn_mem *o = d->o;

	o->reg = ((d->modrm >> 3) & 7) | ((d->p.rex & 4) ? 8 : 0);
	o->high_byte = o->size == 1 && !d->p.rex && o->reg >= 4 && o->reg < 8;
}

/* ModR/M then the memory operand's bytes; size: 1 for the byte forms. */
static int operand(struct dec *d, bool byte)
{
	if (take(&d->c, &d->modrm) ||
	    modrm_mem(&d->c, d->modrm, addr_size(d->mode, &d->p) == 2))
		return -1;
	d->o->size = byte ? 1 : op_size(d->mode, &d->p);
	d->o->dst_size = d->o->size;
	set_reg(d);
	return 0;
}

/* The immediate of the 80/81/83, C6/C7, F6/F7 forms: imm8, or imm16/32
 * (imm32 sign-extended for 64-bit operands; §2.2.1.5). */
static int immediate(struct dec *d, bool imm8)
{
	size_t k = imm8 ? 1 : (d->o->size == 2 ? 2 : 4);
	uint64_t mask = d->o->size >= 8 ? ~0ull : (1ull << (8 * d->o->size)) - 1;

	if (take_imm(&d->c, k, true, &d->o->imm))
		return -1;
	d->o->imm &= mask;
	d->o->has_imm = true;
	return 0;
}

static int form_alu(struct dec *d, uint8_t op)
{
	struct insn_mem *o = d->o;

	if ((op & 7) > 3 || operand(d, !(op & 1)))
		return -1;
	o->alu = (op >> 3) & 7;
	o->read = true;
	o->kind = (op & 2) ? INSN_ALU_REG : INSN_ALU_MEM;
	o->write = o->kind == INSN_ALU_MEM && o->alu != ALU_CMP;
	return 0;
}

static int form_imm_alu(struct dec *d, uint8_t op)
{
	struct insn_mem *o = d->o;

	if (operand(d, !(op & 1)))
		return -1;
	if (op == 0x82 && d->mode == INSN_MODE64)
		return INSN_UD;
	o->kind = INSN_ALU_MEM;
	o->alu = (d->modrm >> 3) & 7;
	o->high_byte = false;                /* reg is the opcode extension */
	o->read = true;
	o->write = o->alu != ALU_CMP;
	return immediate(d, op != 0x81);
}

/* Group 3 (SDM Vol. 2A Table A-6): TEST imm (/0, and /1, which CPUs
 * execute as TEST), NOT, NEG; MUL IMUL DIV IDIV on rDX:rAX. */
static int form_grp3(struct dec *d, uint8_t op)
{
	static const uint8_t ops[8] = { ALU_TEST, ALU_TEST, ALU_NOT, ALU_NEG,
					ALU_MUL, ALU_IMUL, ALU_DIV, ALU_IDIV };
	struct insn_mem *o = d->o;

	if (operand(d, op == 0xf6))
		return -1;
	o->alu = ops[(d->modrm >> 3) & 7];
	o->high_byte = false;                /* reg is the opcode extension */
	o->kind = o->alu >= ALU_MUL ? INSN_MULDIV : INSN_ALU_MEM;
	o->read = true;
	o->write = o->alu == ALU_NOT || o->alu == ALU_NEG;
	return o->alu == ALU_TEST ? immediate(d, op == 0xf6) : 0;
}

/* IMUL r, r/m, imm: 69 (imm16/32) and 6B (imm8, sign-extended); 0F AF
 * is IMUL r, r/m (SDM Vol. 2A "IMUL"). The register is the destination;
 * the source is the imm, or the register itself for 0F AF. */
static int form_imul(struct dec *d, uint8_t op)
{
	struct insn_mem *o = d->o;

	if (operand(d, false))
		return -1;
	o->kind = INSN_ALU_REG;
	o->alu = ALU_IMUL2;
	o->read = true;
	return op == 0xaf ? 0 : immediate(d, op == 0x6b);
}

static int form_mov(struct dec *d, uint8_t op)
{
	if (operand(d, !(op & 1)))
		return -1;
	d->o->write = !(op & 2);
	d->o->read = !d->o->write;
	d->o->kind = d->o->write ? INSN_STORE : INSN_LOAD;
	return 0;
}

static int form_mov_imm(struct dec *d, uint8_t op)
{
	if (operand(d, !(op & 1)) || ((d->modrm >> 3) & 7) != 0)
		return -1;
	d->o->kind = INSN_STORE;
	d->o->write = true;
	return immediate(d, op == 0xc6);
}

/* moffs: an absolute address of the address size (§2.2.1.4). */
static int form_moffs(struct dec *d, uint8_t op)
{
	struct insn_mem *o = d->o;

	if (skip(&d->c, addr_size(d->mode, &d->p)))
		return -1;
	o->size = (op & 1) ? op_size(d->mode, &d->p) : 1;
	o->dst_size = o->size;
	o->write = op >= 0xa2;
	o->read = !o->write;
	o->kind = o->write ? INSN_STORE : INSN_LOAD;
	return 0;
}

/* The string instructions, by opcode bits 3:1 from A4 (SDM Vol. 2D
 * Table A-2): MOVS A4/A5, CMPS A6/A7, STOS AA/AB, LODS AC/AD, SCAS
 * AE/AF; A8/A9 are TEST AL/rAX, imm (no memory). */
static const struct {
	uint8_t kind;
	bool read, write, cmp;
} strings[6] = {
	{ INSN_MOVS, true, true, false }, { INSN_CMPS, true, false, true },
	{ 0, false, false, false },        { INSN_STOS, false, true, false },
	{ INSN_LODS, true, false, false }, { INSN_SCAS, true, false, true },
};

/* F3 is REP, or REPE for the compares; F2 is REPNE for the compares and
 * undefined for the others (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ"),
 * so refused. */
static int form_string(struct dec *d, uint8_t op)
{
	struct insn_mem *o = d->o;
	unsigned i = (unsigned)(op - 0xa4) >> 1;

	if (d->p.rep == 0xf2 && !strings[i].cmp)
		return -1;
	o->rep = d->p.rep != 0;
	o->repne = d->p.rep == 0xf2;
	o->size = (op & 1) ? op_size(d->mode, &d->p) : 1;
	o->dst_size = o->size;
	o->addr_size = addr_size(d->mode, &d->p);
	o->kind = strings[i].kind;
	o->read = strings[i].read;
	o->write = strings[i].write;
	return 0;
}

/* INS 6C/6D (ES:[rDI] from port DX) and OUTS 6E/6F (port DX from
 * seg:[rSI], DS unless overridden; INS's ES cannot be, SDM Vol. 2A
 * "INS"). The wide forms move 16 or 32 bits by 66 alone: REX.W is
 * ignored (Vol. 2B "OUTS": 64-bit operands are not supported). F2 is
 * undefined for them, so refused, as for MOVS. */
static int form_port_string(struct dec *d, uint8_t op)
{
	struct insn_mem *o = d->o;

	if (d->p.rep == 0xf2)
		return -1;
	o->rep = d->p.rep != 0;
	o->size = (op & 1) ? ((d->mode == INSN_MODE16) != d->p.opsize ? 2 : 4) : 1;
	o->dst_size = o->size;
	o->addr_size = addr_size(d->mode, &d->p);
	o->kind = op < 0x6e ? INSN_INS : INSN_OUTS;
	o->read = op >= 0x6e;
	o->write = op < 0x6e;
	return 0;
}

/* MOVZX (0F B6, B7) and MOVSX (0F BE, BF). */
static int form_movx(struct dec *d, uint8_t op2)
{
	struct insn_mem *o = d->o;

	if (operand(d, false))
		return -1;
	o->dst_size = o->size;
	o->size = (op2 & 1) ? 2 : 1;
	o->sign_extend = op2 >= 0xbe;
	o->high_byte = false;                /* reg is the wide destination */
	o->kind = INSN_LOAD;
	o->read = true;
	return 0;
}

/* BT BTS BTR BTC with the bit offset in a register (0F A3 AB B3 BB:
 * bits 4:3 of the opcode pick the operation). The offset is signed and
 * may lie beyond the operand: the CPU accesses the word, dword or qword
 * at EA + (operand size) * floor(offset / operand width) (SDM Vol. 2A
 * "BT", Figure 3-2). The exit's GPA is that access, so only the offset
 * modulo the width is left to apply (insn_alu). */
static int form_bt_reg(struct dec *d, uint8_t op2)
{
	struct insn_mem *o = d->o;

	if (operand(d, false))
		return -1;
	o->kind = INSN_ALU_MEM;
	o->alu = ALU_BT + ((op2 >> 3) & 3);
	o->read = true;
	o->write = o->alu != ALU_BT;
	return 0;
}

/* Group 8, 0F BA /4-/7 ib: the bit offset is imm8 modulo the operand
 * width (SDM Vol. 2A "BT"); /0-/3 are reserved (Table A-6): #UD. */
static int form_bt_imm(struct dec *d)
{
	struct insn_mem *o = d->o;
	unsigned r;

	if (operand(d, false))
		return -1;
	r = (d->modrm >> 3) & 7;
	if (take_imm(&d->c, 1, false, &o->imm))
		return -1;
	if (r < 4)
		return INSN_UD;
	o->imm &= 8u * o->size - 1;
	o->has_imm = true;
	o->kind = INSN_ALU_MEM;
	o->alu = ALU_BT + (r - 4);
	o->read = true;
	o->write = o->alu != ALU_BT;
	return 0;
}

/* MOVNTI m32/m64, r (0F C3; SDM Vol. 2B "MOVNTI"): a store; the
 * non-temporal hint means nothing to a device. No 66 form (NP): #UD. */
static int form_movnti(struct dec *d)
{
	if (operand(d, false))
		return -1;
	if (d->p.opsize)
		return INSN_UD;
	d->o->kind = INSN_STORE;
	d->o->write = true;
	return 0;
}

/* Two-byte opcodes (SDM Vol. 2D Table A-3). With F2/F3 these are other
 * instructions (F3 0F B8 POPCNT, BC TZCNT, BD LZCNT) or reserved. */
static int form_0f(struct dec *d)
{
	uint8_t op2;

	if (take(&d->c, &op2) || d->p.rep)
		return -1;
	switch (op2) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf: return form_movx(d, op2);
	case 0xa3: case 0xab: case 0xb3: case 0xbb: return form_bt_reg(d, op2);
	case 0xba: return form_bt_imm(d);
	case 0xaf: return form_imul(d, op2);
	case 0xc3: return form_movnti(d);
	default: return -1;
	}
}

static int form_movsxd(struct dec *d)
{
	struct insn_mem *o = d->o;

	if (d->mode != INSN_MODE64 || operand(d, false))
		return -1;                       /* 63 is ARPL outside 64-bit code */
	o->dst_size = o->size;
	o->size = o->size < 4 ? o->size : 4;   /* 66 63: r16, r/m16 */
	o->sign_extend = o->dst_size == 8;
	o->kind = INSN_LOAD;
	o->read = true;
	return 0;
}

static int decode_form(struct dec *d, uint8_t op)
{
	switch (one_byte[op]) {
	case F_ALU: return form_alu(d, op);
	case F_GRP1: return form_imm_alu(d, op);
	case F_GRP3: return form_grp3(d, op);
	case F_TEST_RM:
		if (operand(d, op == 0x84))
			return -1;
		d->o->kind = INSN_ALU_MEM;
		d->o->alu = ALU_TEST;
		d->o->read = true;
		return 0;
	case F_XCHG:
		if (operand(d, op == 0x86))
			return -1;
		d->o->kind = INSN_XCHG;
		d->o->read = d->o->write = true;
		return 0;
	case F_MOV: return form_mov(d, op);
	case F_MOV_IMM: return form_mov_imm(d, op);
	case F_MOFFS: return form_moffs(d, op);
	case F_STRING: return form_string(d, op);
	case F_PORT_STRING: return form_port_string(d, op);
	case F_MOVSXD: return form_movsxd(d);
	case F_IMUL3: return form_imul(d, op);
	case F_0F: return form_0f(d);
	default: return -1;                  /* the explicit "unhandled" entry */
	}
}

/* LOCK is legal only on the read-modify-write forms with a memory
 * destination (SDM Vol. 2A "LOCK": ADD ADC AND BTC BTR BTS NEG NOT OR
 * SBB SUB XOR XCHG ...); anywhere else, CMP TEST BT included, #UD. */
static bool lock_ok(const struct insn_mem *o)
{
	return o->kind == INSN_XCHG || (o->kind == INSN_ALU_MEM && o->write);
}

int insn_decode_mem(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn_mem *o)
{
	struct dec d = { .c = { bytes, n, 0 }, .mode = mode, .o = o };
	uint8_t op;
	int rc;

	memset(o, 0, sizeof(*o));
	if (read_prefixes(&d.c, mode, &d.p, &op))
		return INSN_UNSUPPORTED;
	rc = decode_form(&d, op);
	if (rc)
		return rc == INSN_UD ? INSN_UD : INSN_UNSUPPORTED;
	if (d.p.rep && !o->rep)
		return INSN_UNSUPPORTED;         /* F2/F3: another instruction, or reserved */
	if (d.p.lock && !lock_ok(o))
		return INSN_UD;
	o->lock = d.p.lock;
	o->seg = d.p.seg;
	if (!o->addr_size)
		o->addr_size = addr_size(mode, &d.p);
	o->len = (uint8_t)d.c.i;
	return 0;
}
