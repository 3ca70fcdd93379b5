/* Lengths of the instructions SVM intercepts, for CPUs without NRIPS;
 * see insn_len.h. */
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

int insn_len_of(const uint8_t *bytes, size_t n, enum insn_mode mode, enum insn_op op)
{
	size_t i = 0;
	uint8_t rex = 0, last_legacy = 0;

	if ((unsigned)op >= INSN_OP_COUNT)
		return -1;
	/* REX counts only right before the opcode (§2.2.1); one followed by
	 * a legacy prefix is ignored, but its byte is still part of the
	 * instruction. */
	while (i < n && i < 15 &&
	       (legacy_prefix(bytes[i]) || (mode == INSN_MODE64 && (bytes[i] & 0xf0) == 0x40))) {
		if (legacy_prefix(bytes[i])) {
			rex = 0;
			last_legacy = bytes[i] == 0xf3 ? 0xf3 : last_legacy;
		} else {
			rex = bytes[i];
		}
		i++;
	}
	if (i + ops[op].len > n || i + ops[op].len > 15)
		return -1;
	for (size_t k = 0; k < ops[op].len; k++)
		if (bytes[i + k] != ops[op].b[k])
			return -1;
	/* 90 is PAUSE only with an F3 (SDM Vol. 2B, PAUSE). With REX.B a
	 * plain 90 is XCHG r8, rAX; after F3 binutils still decodes PAUSE,
	 * and the exit code already says the CPU took it as PAUSE. */
	(void)rex;
	if (op == INSN_OP_PAUSE && last_legacy != 0xf3)
		return -1;
	return (int)(i + ops[op].len);
}
