/*
 * Internals of the SVM backend, shared by the files of hv/arch/x86/svm/
 * only. Generic code reaches the backend through hv/arch.h; the build
 * keeps every svm_* symbol local to libhvarch-svm.a (hv/module.mk).
 */
#ifndef HV_SVM_H
#define HV_SVM_H
#include <stdint.h>
#include <hv/vcpu.h>
#include "vmcb.h"

struct svm_caps {
	uint32_t revision;           /* CPUID 8000_000Ah EAX[7:0] */
	uint32_t nasid;              /* EBX: ASIDs, 0 being the host's */
	uint32_t features;           /* EDX: SVM_F_* */
	bool gbpages;                /* CPUID 8000_0001h EDX[26] */
};
extern struct svm_caps svm_caps;

/* The permission maps every vCPU of a kind shares (svm.c). */
struct svm_maps {
	uint64_t child_iopm, pass_iopm, child_msrpm, pass_msrpm;
};
extern struct svm_maps svm_maps;
extern uint32_t svm_flush_gen;
/* The MSRs a child reads without an exit but writes through one, so that
 * hv checks the value (svm.c svm_setup_maps, svm_exit.c); PAT exits for
 * both. */
#define SVM_WRITE_CHECKED 4
extern const uint32_t svm_write_checked_msrs[SVM_WRITE_CHECKED];
/* ASIDs hv uses at most: 1..SVM_ASIDS_MAX. */
#define SVM_ASIDS_MAX 64
_Static_assert(sizeof(((struct arch_cpu *)0)->asid_owner) / 8 == SVM_ASIDS_MAX + 1,
	       "an owner per ASID");

/* svm_entry.S: CLGI, VMSAVE hv's state, VMLOAD and VMRUN the guest, and
 * back: VMSAVE the guest, VMLOAD hv's, STGI (APM Vol. 2 §15.5, §15.17). */
void svm_run(struct vcpu *v, uint64_t host_vmcb_pa);

static inline struct vmcb *svm_vmcb(struct vcpu *v)
{
	return v->arch.vmcb;
}

/* Every VMCB field hv writes in a group the CPU may cache goes through
 * here: the group's clean bit is cleared for the next VMRUN (APM Vol. 2
 * §15.15.3). */
static inline void svm_dirty(struct vcpu *v, uint32_t groups)
{
	v->arch.vmcb->ctl.clean &= ~groups;
}

int svm_setup_maps(const uint16_t *trap_ports, size_t n);
/* svm_timer.c: hv's timer on the LAPIC, vector SVM_TIMER_VECTOR. */
#define SVM_TIMER_VECTOR 0xec
const char *svm_timer_init(void);
bool svm_timer_fired(void);
void svm_timer_before_run(struct vcpu *v);
/* svm_selftest.c: VMRUN's state checks at boot; 0 if all behaved. */
int svm_selftest(void);
/* Length of the instruction behind the current exit (svm_insn.c). */
unsigned svm_exit_insn_len(struct vcpu *v);
bool svm_pause_len_known(struct vcpu *v);
void svm_advance_rip(struct vcpu *v, uint64_t len);
/* NMI blocking kept by hv (svm_guest.c): the IRET exit, and the check
 * at every exit whether that IRET has run. */
void svm_nmi_iret(struct vcpu *v);
void svm_nmi_check_unmask(struct vcpu *v);
/* Maskable interrupts offered through V_IRQ (svm_vcpu.c). */
void svm_virq_offer(struct vcpu *v, int vec);
void svm_virq_check(struct vcpu *v);
int svm_virq_pending(struct vcpu *v);
void svm_virq_drop(struct vcpu *v);
void svm_virq_note_lost(struct vcpu *v, uint64_t code);
void svm_virq_rescue(struct vcpu *v);
void svm_kick_after_inject(struct vcpu *v);
bool svm_self_kick_taken(void);
bool svm_self_kick_quick(struct vcpu *v);
struct vcpu *svm_handle_exit(struct vcpu *v);
/* A guest's DR7 under QEMU's TCG (svm_dr.c). */
void svm_dr_init(void);
uint32_t svm_dr_intercepts(void);
bool svm_dr_before_run(struct vcpu *v);
void svm_dr_after_run(bool armed);
void svm_exit_dr_write(struct vcpu *v, uint64_t i1);
uint16_t svm_attr_from_ar(uint32_t ar);
uint32_t svm_ar_from_attr(uint16_t attr, uint32_t limit);
/* What VMRUN would refuse of a state (svm_vcpu.c): 0 or -EINVAL. */
int svm_check_state(const struct hvpart_vp_state *s);

_Static_assert(offsetof(struct vcpu, arch.vmcb_pa) == 128, "svm_entry.S offset");
#endif
