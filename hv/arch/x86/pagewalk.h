/*
 * The guest's own linear-to-physical translation (SDM Vol. 3A chapter 4):
 * 32-bit (with 4 MiB pages when CR4.PSE), PAE, 4-level and 5-level
 * paging, with the access-rights checks of §4.6 (U/S, R/W with CR0.WP,
 * XD with EFER.NXE, SMEP, SMAP), reserved bits (§4.3-4.5) and the
 * accessed and dirty flags of §4.8. hv walks a guest's page tables to
 * fetch and emulate an instruction that touched an unbacked GPA
 * (hv/core/mmio.c). Portable: memory comes through callbacks, so it is
 * host-tested (tests/unit/hv/test_pagewalk.c) and fuzzed
 * (tests/fuzz/fuzz_pagewalk.c).
 */
#ifndef HV_X86_PAGEWALK_H
#define HV_X86_PAGEWALK_H
#include <stdbool.h>
#include <stdint.h>

/* The paging controls of the vCPU at the access. */
struct pw_regs {
	uint64_t cr0, cr3, cr4, efer, rflags;
	unsigned cpl;
	unsigned maxphyaddr;     /* CPUID 0x80000008 EAX[7:0] the guest sees */
	bool gb_pages;           /* CPUID 0x80000001 EDX[26]: 1 GiB pages */
};

/* Guest-physical memory for the page tables. read: 0, or -1 if nothing
 * backs gpa (the walk then fails with PW_BAD_TABLE). set_bits: OR bits
 * into the 32- or 64-bit entry at gpa, atomically as the CPU's locked
 * update does (§4.8); may be NULL when the caller does not want A/D set. */
struct pw_mem {
	void *ctx;
	int (*read)(void *ctx, uint64_t gpa, uint64_t *val, unsigned size);
	void (*set_bits)(void *ctx, uint64_t gpa, uint64_t bits, unsigned size);
};

/* The access (§4.7 "Page-Fault Exceptions" names the same bits). */
#define PW_WRITE    (1u << 1)
#define PW_USER     (1u << 2)    /* set by pw_translate from CPL 3 */
#define PW_FETCH    (1u << 4)
#define PW_IMPLICIT (1u << 8)    /* supervisor-mode access by the CPU itself */

/* #PF error code bits (§4.7, Figure 4-12). */
#define PF_P     (1u << 0)
#define PF_W     (1u << 1)
#define PF_U     (1u << 2)
#define PF_RSVD  (1u << 3)
#define PF_I     (1u << 4)

/* Results: 0 with *gpa set; PW_FAULT with *pf_error set (inject #PF at
 * lin with that error code); PW_BAD_TABLE if a paging structure lies
 * where no memory is (the caller stops the guest or reads all ones, as
 * its platform says); PW_NOT_PAGED never (paging off maps lin 1:1 and
 * returns 0). */
#define PW_FAULT      1
#define PW_BAD_TABLE  2

int pw_translate(const struct pw_regs *r, const struct pw_mem *m, uint64_t lin,
		 unsigned access, uint64_t *gpa, uint32_t *pf_error);
#endif
