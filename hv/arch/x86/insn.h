/*
 * Length and operands of the x86 instructions a guest may use to touch
 * memory it has no page behind (SDM Vol. 2A §2.1-2.2: prefixes, ModR/M,
 * SIB, displacement, immediate): MOV r/m,r and r,r/m (88, 89, 8A, 8B),
 * MOV r/m,imm (C6 /0, C7 /0), MOV with a moffs (A0-A3) and MOVZX (0F B6,
 * 0F B7). Portable: no hardware access, host-tested.
 */
#ifndef HV_X86_INSN_H
#define HV_X86_INSN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_mode { INSN_MODE16, INSN_MODE32, INSN_MODE64 };

struct insn_mem {
	uint8_t len;        /* whole instruction, bytes */
	uint8_t size;       /* memory operand, bytes: 1, 2, 4, 8 */
	uint8_t dst_size;   /* register written by a load (MOVZX widens) */
	bool write;         /* store to memory (else load into reg) */
	bool has_imm;       /* store of imm (C6/C7) */
	bool high_byte;     /* reg is AH/CH/DH/BH (8-bit, no REX) */
	uint8_t reg;        /* register operand, x86 numbering 0-15 */
	uint64_t imm;
};

/* Decode bytes[0..n). 0, or -1 if it is not one of the forms above (or is
 * cut short), in which case the caller must not emulate it. */
int insn_decode_mem(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn_mem *out);
#endif
