/* Lengths of the instructions SVM intercepts, for CPUs without NRIPS;
 * see insn_len.h. */
#include <stdbool.h>
#include "insn_len.h"

/* The opcode bytes after the prefixes (SDM Vol. 2B/2C opcode maps;
 * VMMCALL: AMD APM Vol. 3). PAUSE's own F3 is checked separately. */
static const struct {
	uint8_t len;
	uint8_t b[3];
} ops[INSN_OP_COUNT] = {
	[INSN_OP_CPUID] = { 2, { 0x0f, 0xa2 } },
	[INSN_OP_RDMSR] = { 2, { 0x0f, 0x32 } },
	[INSN_OP_WRMSR] = { 2, { 0x0f, 0x30 } },
	[INSN_OP_HLT] = { 1, { 0xf4 } },
	[INSN_OP_VMMCALL] = { 3, { 0x0f, 0x01, 0xd9 } },
	[INSN_OP_XSETBV] = { 3, { 0x0f, 0x01, 0xd1 } },
	[INSN_OP_PAUSE] = { 1, { 0x90 } },
	[INSN_OP_INVD] = { 2, { 0x0f, 0x08 } },
};

/* Legacy prefixes (SDM Vol. 2A §2.1.1): lock/rep, segment overrides,
 * operand- and address-size. */
static int legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3:
	case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
	case 0x66: case 0x67:
		return 1;
	default:
		return 0;
	}
}

unsigned insn_len_bare(enum insn_op op)
{
	if ((unsigned)op >= INSN_OP_COUNT)
		return 0;
	return op == INSN_OP_PAUSE ? 2u : ops[op].len;
}

/* Legacy prefixes and REX before the opcode at bytes[*i]: *rex is the
 * REX that counts, *f3 whether an F3 came last of the legacy ones. REX
 * counts only right before the opcode (§2.2.1); one followed by a legacy
 * prefix is ignored, but its byte is still part of the instruction. */
static size_t skip_prefixes(const uint8_t *bytes, size_t n, enum insn_mode mode, uint8_t *rex,
			    bool *f3)
{
	size_t i = 0;

	*rex = 0;
	*f3 = false;
	while (i < n && i < 15 &&
	       (legacy_prefix(bytes[i]) || (mode == INSN_MODE64 && (bytes[i] & 0xf0) == 0x40))) {
		if (legacy_prefix(bytes[i])) {
			*rex = 0;
			*f3 = bytes[i] == 0xf3 ? true : *f3;
		} else {
			*rex = bytes[i];
		}
		i++;
	}
	return i;
}

int insn_len_of(const uint8_t *bytes, size_t n, enum insn_mode mode, enum insn_op op)
{
	uint8_t rex;
	bool f3;
	size_t i;

	if ((unsigned)op >= INSN_OP_COUNT)
		return -1;
	i = skip_prefixes(bytes, n, mode, &rex, &f3);
	if (i + ops[op].len > n || i + ops[op].len > 15)
		return -1;
	for (size_t k = 0; k < ops[op].len; k++)
		if (bytes[i + k] != ops[op].b[k])
			return -1;
	/* 90 is PAUSE only with an F3 (SDM Vol. 2B, PAUSE). With REX.B a
	 * plain 90 is XCHG r8, rAX; after F3 binutils still decodes PAUSE,
	 * and the exit code already says the CPU took it as PAUSE. */
	if (op == INSN_OP_PAUSE && !f3)
		return -1;
	return (int)(i + ops[op].len);
}

/* MOV to or from a debug register (SDM Vol. 2B "MOV-Move to/from Debug
 * Registers"): 0F 23 /r writes DRn, 0F 21 /r reads it; ModRM.reg is n,
 * ModRM.rm the general register, whatever ModRM.mod says. REX.B extends
 * rm; REX.R names DR8-DR15, which do not exist (#UD). */
int insn_mov_dr_decode(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn_mov_dr *out)
{
	uint8_t rex, modrm;
	bool f3;
	size_t i = skip_prefixes(bytes, n, mode, &rex, &f3);

	if (i + 3 > n || i + 3 > 15 || bytes[i] != 0x0f || (bytes[i + 1] != 0x21 && bytes[i + 1] != 0x23))
		return -1;
	modrm = bytes[i + 2];
	out->write = bytes[i + 1] == 0x23;
	out->dr = (uint8_t)(((modrm >> 3) & 7) | (rex & 4 ? 8 : 0));
	out->gpr = (uint8_t)((modrm & 7) | (rex & 1 ? 8 : 0));
	out->len = (uint8_t)(i + 3);
	return out->len;
}
