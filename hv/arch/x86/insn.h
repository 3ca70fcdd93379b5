/*
 * Decoder for the x86 instructions a guest may use on memory hv emulates
 * (device registers, GPAs nothing backs): SDM Vol. 2A §2.1-2.2 (legacy
 * prefixes, REX, ModR/M, SIB, displacement, immediate) in 16-, 32- and
 * 64-bit code. The forms are those Linux's MMIO accessors and the
 * Windows HAL compile to, plus the rest of their families:
 *   MOV        88 89 8A 8B, C6 /0, C7 /0, A0-A3 (moffs), MOVNTI 0F C3
 *   MOVZX/SX   0F B6, 0F B7, 0F BE, 0F BF, MOVSXD 63 (64-bit)
 *   ALU        ADD OR ADC SBB AND SUB XOR CMP: 00-3B (r/m forms),
 *              80, 81, 83 (imm; 82 outside 64-bit); TEST 84 85, F6 /0, F7 /0
 *   unary      NOT F6/F7 /2, NEG F6/F7 /3
 *   mul/div    MUL IMUL DIV IDIV F6/F7 /4-/7 (rDX:rAX; #DE),
 *              IMUL 0F AF, 69 (imm16/32), 6B (imm8)
 *   bit tests  BT BTS BTR BTC: 0F A3 AB B3 BB (bit offset in a register),
 *              0F BA /4-/7 (imm8)
 *   XCHG       86 87
 *   strings    MOVS A4 A5, STOS AA AB, LODS AC AD (single or REP, F3);
 *              CMPS A6 A7, SCAS AE AF (single, REPE F3 or REPNE F2)
 *   port I/O   INS 6C 6D, OUTS 6E 6F (single or REP, F3): the string I/O
 *              of hv/core/io_string.c, not MMIO
 * insn_alu.c computes the ALU, multiply and divide results with their
 * flags; insn_string.h runs the string forms. Portable: no hardware
 * access; host-tested (tests/unit/hv/test_insn.c and test_insn_muldiv.c,
 * with the host CPU as the oracle for results and flags) and fuzzed
 * (tests/fuzz/fuzz_insn.c).
 */
#ifndef HV_X86_INSN_H
#define HV_X86_INSN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_mode { INSN_MODE16, INSN_MODE32, INSN_MODE64 };

enum insn_kind {
	INSN_LOAD,       /* reg = mem (zero- or sign-extended to dst_size) */
	INSN_STORE,      /* mem = reg, or imm when has_imm */
	INSN_ALU_MEM,    /* mem = mem OP src (src: reg, or imm); CMP/TEST/BT: flags only;
			  * for the bit tests src is the bit offset */
	INSN_ALU_REG,    /* reg = reg OP mem; CMP: flags only */
	INSN_XCHG,       /* mem <-> reg */
	INSN_STOS,       /* ES:[rDI] = rAX; rDI steps by size (RFLAGS.DF) */
	INSN_MOVS,       /* ES:[rDI] = seg:[rSI]; both step */
	INSN_MULDIV,     /* rDX:rAX = rDX:rAX OP mem (alu: MUL IMUL DIV IDIV) */
	INSN_LODS,       /* rAX = seg:[rSI]; rSI steps */
	INSN_CMPS,       /* flags of seg:[rSI] - ES:[rDI]; both step */
	INSN_SCAS,       /* flags of rAX - ES:[rDI]; rDI steps */
	INSN_INS,        /* ES:[rDI] = port DX; rDI steps */
	INSN_OUTS,       /* port DX = seg:[rSI]; rSI steps */
};
#define INSN_KIND_LAST INSN_OUTS

/* Operation codes 0-7 are the ModR/M reg field of 80-83 (SDM Vol. 2A
 * Table A-6, group 1); BT-BTC are in the order of group 8's /4-/7. NOT
 * and NEG take no source. IMUL2 is the truncating multiply of 0F AF, 69
 * and 6B; MUL-IDIV, group 3's /4-/7, are insn_muldiv's. */
enum insn_alu { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST,
		ALU_NOT, ALU_NEG, ALU_BT, ALU_BTS, ALU_BTR, ALU_BTC, ALU_IMUL2,
		ALU_MUL, ALU_IMUL, ALU_DIV, ALU_IDIV };
#define ALU_LAST ALU_IDIV

/* Segment registers in their Sreg encoding order (SDM Vol. 2B "MOV"). */
enum insn_seg { INSN_ES, INSN_CS, INSN_SS, INSN_DS, INSN_FS, INSN_GS };

struct insn_mem {
	uint8_t len;        /* whole instruction, bytes */
	uint8_t size;       /* memory operand, bytes: 1, 2, 4, 8 */
	uint8_t dst_size;   /* register written by a load (MOVZX/MOVSX widen) */
	uint8_t kind;       /* enum insn_kind */
	uint8_t alu;        /* enum insn_alu (ALU kinds) */
	uint8_t addr_size;  /* 2, 4, 8: width of rSI/rDI/rCX for the strings */
	uint8_t seg;        /* enum insn_seg of the (source) memory operand */
	bool write;         /* the instruction writes memory */
	bool read;          /* the instruction reads memory */
	bool has_imm;       /* the source is imm, not reg */
	bool sign_extend;   /* MOVSX/MOVSXD */
	bool lock;          /* LOCK prefix (on a form that allows it) */
	bool rep;           /* a string form with REP/REPE (F3) or REPNE (F2): rCX
			     * (address size) counts */
	bool repne;         /* CMPS/SCAS with REPNE (F2): stop on ZF = 1 */
	bool high_byte;     /* reg is AH/CH/DH/BH (8-bit, no REX) */
	uint8_t reg;        /* register operand, x86 numbering 0-15 */
	uint64_t imm;       /* sign- or zero-extended to size, as the CPU does */
};

/* insn_decode_mem results besides 0: not one of the forms above, or cut
 * short (the caller must not emulate it); or the CPU raises #UD for it
 * (LOCK on a form that cannot take it, SDM Vol. 2A "LOCK", 82 in 64-bit
 * code). */
#define INSN_UNSUPPORTED (-1)
#define INSN_UD          (-2)
/* insn_muldiv: the divide error (#DE, vector 0). */
#define INSN_DE          (-3)

int insn_decode_mem(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn_mem *out);

/* RFLAGS status bits the ALU operations write (SDM Vol. 1 §3.4.3.1). */
#define INSN_FLAGS_STATUS 0x8d5ull   /* CF PF AF ZF SF OF */

/* a OP b on size bytes: the result (truncated to size), and *rflags with
 * its status flags replaced as the instruction sets them (logic ops and
 * TEST clear CF, OF and AF; AF is undefined for them in the SDM, 0 here).
 * NOT: ~a, no flag changes; NEG: 0 - a with SUB's flags. The bit tests:
 * bit b modulo the operand width of a into CF, the other flags kept
 * (SDM Vol. 2A "BT": OF SF AF PF undefined, ZF unaffected). IMUL2: a * b
 * truncated, CF = OF = whether it was (SF ZF PF of the result, AF 0:
 * undefined in the SDM). */
uint64_t insn_alu(enum insn_alu op, unsigned size, uint64_t a, uint64_t b, uint64_t *rflags);

/* MUL IMUL DIV IDIV (op) of a size-byte src with AX (size 1) or rDX:rAX
 * (SDM Vol. 2A "MUL", "IMUL", "DIV", "IDIV"). *rax and *rdx are the whole
 * registers, written as the CPU writes them: 8- and 16-bit results merge
 * (AL/AH, AX/DX), 32-bit ones zero-extend to 64 bits; size 1 leaves rDX.
 * MUL and IMUL set CF = OF = whether the upper half is significant (SF ZF
 * PF from the low half, AF 0: undefined in the SDM); DIV and IDIV leave
 * the flags (all undefined). 0, or INSN_DE with nothing changed when the
 * divisor is 0 or the quotient does not fit the destination. */
int insn_muldiv(enum insn_alu op, unsigned size, uint64_t src, uint64_t *rax, uint64_t *rdx,
		uint64_t *rflags);
#endif
