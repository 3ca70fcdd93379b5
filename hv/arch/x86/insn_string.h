/*
 * STOS and MOVS, single or REP, on a decoded instruction (insn.h): the
 * element loop, the count and index registers in the address size, the
 * direction flag, and a bounded number of iterations per call so that a
 * long REP yields to interrupts between chunks. Memory is reached
 * through the caller's ops (hv: the guest's page tables and the device
 * or RAM behind each GPA, hv/core/mmio.c). Portable: host-tested
 * (tests/unit/hv/test_insn_string.c) and fuzzed (tests/fuzz/fuzz_insn.c).
 */
#ifndef HV_X86_INSN_STRING_H
#define HV_X86_INSN_STRING_H
#include <stdbool.h>
#include <stdint.h>
#include "insn.h"

struct insn_string_state {
	uint64_t rax, rcx, rsi, rdi;
	uint64_t src_base;   /* the source's segment base (0 where flat in 64-bit code) */
	uint64_t dst_base;   /* ES's base */
	bool df;             /* RFLAGS.DF: the indexes step down */
	bool wide;           /* 64-bit code: 64-bit linear addresses, else 32 */
};

/* Each returns 0 or a negative errno; translate raises the guest's #PF
 * itself when it returns -EFAULT. */
struct insn_string_ops {
	void *ctx;
	int (*translate)(void *ctx, uint64_t lin, bool write, uint64_t *gpa);
	int (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	int (*write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
};

/* Runs m (INSN_STOS or INSN_MOVS) on *s: one element, or with m->rep up
 * to max elements while the count is not 0. *done tells whether the
 * instruction is complete (the caller advances RIP); otherwise the caller
 * leaves RIP on it and the CPU runs it again with the registers as
 * updated. 0, or the first error of an op: the registers then hold the
 * state after the last element completed, as a fault leaves them. */
int insn_string_run(const struct insn_mem *m, struct insn_string_state *s,
		    const struct insn_string_ops *ops, unsigned max, bool *done);
#endif
