/*
 * The string instructions on a decoded instruction (insn.h): MOVS,
 * STOS, LODS, INS, OUTS (single or REP), CMPS and SCAS (single, REPE or
 * REPNE): the
 * element loop, the count and index registers in the address size, the
 * direction flag, the compares' flags and their REPE/REPNE stop, the
 * segment limit (outside 64-bit code) or canonical address (in it) of
 * every element, and a bounded number of iterations per call so that a
 * long REP yields to interrupts between chunks. Memory is reached
 * through the caller's ops (hv: the guest's page tables and the device
 * or RAM behind each GPA, hv/core/mmio.c; the ports of INS and OUTS,
 * hv/core/io_string.c). Portable: host-tested
 * (tests/unit/hv/test_insn_string.c) and fuzzed (tests/fuzz/fuzz_insn.c).
 */
#ifndef HV_X86_INSN_STRING_H
#define HV_X86_INSN_STRING_H
#include <stdbool.h>
#include <stdint.h>
#include "insn.h"

/* A segment's limit check (SDM Vol. 3A §5.3 "Limit Checking"): every
 * byte of an element must lie within it. */
struct insn_limit {
	uint32_t limit;      /* byte-granular (the VMCS and VMCB hold it so) */
	bool expand_down;    /* data segment type bit 2: valid offsets are
			      * limit + 1 up to 0xffff, or 0xffffffff if big */
	bool big;            /* the D/B flag */
	bool stack;          /* SS: a violation is #SS(0), else #GP(0) */
};

struct insn_string_state {
	uint64_t rax, rcx, rsi, rdi;
	uint64_t rflags;     /* CMPS and SCAS write its status flags */
	uint64_t src_base;   /* the source's segment base (0 where flat in 64-bit code) */
	uint64_t dst_base;   /* ES's base */
	struct insn_limit src_limit, dst_limit;
	bool limits;         /* check src_limit and dst_limit (not in 64-bit code) */
	bool df;             /* RFLAGS.DF: the indexes step down */
	bool wide;           /* 64-bit code: 64-bit linear addresses, else 32 */
	bool la57;           /* in 64-bit code: canonical is 57 bits, else 48 */
	uint16_t port;       /* INS and OUTS: DX */
};

/* Each returns 0 or a negative errno; translate raises the guest's #PF
 * itself when it returns -EFAULT. raise (may be NULL) delivers the
 * vector's fault with error code 0: #GP (13) or #SS (12) for a limit
 * or a non-canonical address. port_in and port_out (INS, OUTS; NULL
 * where none is run) access port DX; an error from them stops the
 * element with nothing stepped, so a caller whose port answers later
 * (hv: the parent's intercept) returns one and runs the element again
 * with the answer. */
struct insn_string_ops {
	void *ctx;
	int (*translate)(void *ctx, uint64_t lin, bool write, uint64_t *gpa);
	int (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	int (*write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
	void (*raise)(void *ctx, unsigned vector);
	int (*port_in)(void *ctx, uint16_t port, unsigned size, uint64_t *val);
	int (*port_out)(void *ctx, uint16_t port, unsigned size, uint64_t val);
};

/* Runs m (a string kind) on *s: one element, or with m->rep up to max
 * elements while the count is not 0 (and, for CMPS and SCAS, ZF is 1
 * with REPE, 0 with REPNE). *done tells whether the instruction is
 * complete (the caller advances RIP); otherwise the caller leaves RIP on
 * it and the CPU runs it again with the registers as updated. 0, or the
 * first error of an op (-EFAULT: a fault was raised): the registers
 * then hold the state after the last element completed, as a fault
 * leaves them. */
int insn_string_run(const struct insn_mem *m, struct insn_string_state *s,
		    const struct insn_string_ops *ops, unsigned max, bool *done);
#endif
