/*
 * Length of an intercepted instruction from its bytes, for a CPU that
 * does not report it: AMD SVM without NRIPS (CPUID 8000_000Ah EDX[3];
 * APM Vol. 2 §15.7.1: nRIP is then not saved) steps past CPUID, RDMSR,
 * WRMSR, HLT, VMMCALL, XSETBV, PAUSE and INVD by decoding them. The exit
 * code says which instruction it was; the bytes add the prefixes (SDM
 * Vol. 2A §2.1.1 legacy prefixes, §2.2.1 REX in 64-bit mode) and confirm
 * the opcode. Portable: no hardware access, host-tested.
 */
#ifndef HV_X86_INSN_LEN_H
#define HV_X86_INSN_LEN_H
#include <stddef.h>
#include <stdint.h>
#include "insn.h"

enum insn_op {
	INSN_OP_CPUID,      /* 0F A2 */
	INSN_OP_RDMSR,      /* 0F 32 */
	INSN_OP_WRMSR,      /* 0F 30 */
	INSN_OP_HLT,        /* F4 */
	INSN_OP_VMMCALL,    /* 0F 01 D9 */
	INSN_OP_XSETBV,     /* 0F 01 D1 */
	INSN_OP_PAUSE,      /* F3 90 (the F3 is the prefix that makes it PAUSE) */
	INSN_OP_INVD,       /* 0F 08 */
	INSN_OP_COUNT
};

/* The length of op at bytes[0..n) in mode, prefixes included; -1 if the
 * bytes are not that instruction, are cut short, or exceed 15 bytes. */
int insn_len_of(const uint8_t *bytes, size_t n, enum insn_mode mode, enum insn_op op);
/* Its length without prefixes (what a caller that cannot fetch the bytes
 * falls back to). */
unsigned insn_len_bare(enum insn_op op);

/* MOV to or from a debug register, which an SVM CPU without decode
 * assists (APM Vol. 2 §15.33; QEMU's TCG) reports with only the exit
 * code. */
struct insn_mov_dr {
	uint8_t dr;         /* 0-15 as encoded; 8-15 are #UD */
	uint8_t gpr;        /* x86 order, RAX = 0 */
	uint8_t write;      /* 0F 23: to DRn */
	uint8_t len;
};
/* Its length, or -1 if the bytes are not MOV DR or are cut short. */
int insn_mov_dr_decode(const uint8_t *bytes, size_t n, enum insn_mode mode, struct insn_mov_dr *out);
#endif
