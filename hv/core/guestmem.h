/*
 * A vCPU's memory as its instructions see it: linear addresses through
 * the guest's own page tables (hv/arch/x86/pagewalk.c) to GPAs, and GPAs
 * to the partition's RAM. Used to fetch and emulate an instruction that
 * touched a GPA with nothing behind it (hv/core/mmio.c).
 */
#ifndef HV_CORE_GUESTMEM_H
#define HV_CORE_GUESTMEM_H
#include <stdint.h>
#include <hv/vcpu.h>

/* lin to *gpa for an access (PW_WRITE, PW_FETCH). 0; -EFAULT after
 * injecting the #PF the CPU would raise; -EIO if a paging structure is
 * where the partition has no RAM (the caller stops the guest). */
int guest_translate(struct vcpu *v, uint64_t lin, unsigned access, uint64_t *gpa);
/* Up to 15 bytes at CS:RIP and the mode to decode them in. The count
 * fetched (a fault after the first byte ends the fetch early; the fault
 * is raised only if the decoder needs those bytes: *fault is then the
 * guest_translate result), or -EFAULT/-EIO for the first byte. */
int guest_fetch_insn(struct vcpu *v, uint8_t bytes[15], enum insn_mode *mode, int *fault,
		     uint64_t *fault_lin);
/* The same bytes without raising anything in the guest: for the length
 * of an instruction that already ran (an exit without NRIPS). The count
 * fetched, or a negative errno if not even the first byte is there. */
int guest_peek_insn(struct vcpu *v, uint8_t bytes[15], enum insn_mode *mode);
#ifdef HV_TRACE
/* The 8 bytes at a linear address, read as the guest would without
 * raising anything (hv-trace.elf's profile of the parent); -EFAULT if
 * they are not there or cross a page. */
int guest_peek_u64(struct vcpu *v, uint64_t lin, uint64_t *val);
#endif
#endif
