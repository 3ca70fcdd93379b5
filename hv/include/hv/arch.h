/*
 * The arch interface: everything generic hv code (hv/main.c, hv/boot/,
 * hv/core/, hv/mm/) asks of the CPU and of the virtualisation backend.
 *
 * One backend is linked into an hv image. Today that is Intel VT-x,
 * hv/arch/x86/vmx/ (libhvarch-vmx.a); an AMD SVM backend goes beside it as
 * hv/arch/x86/svm/ and implements these same functions, sharing the x86
 * code in hv/arch/x86/ (boot, descriptor tables, instruction decoder).
 * Generic code calls no vmx_* or svm_* symbol and reads no field of
 * struct arch_vcpu or struct arch_cpu; the link of hv.elf enforces the
 * first (hv/module.mk: the backend library exports arch_* only). See
 * docs/ARCHITECTURE.md, "The arch interface".
 *
 * The arch_vcpu_* calls that take a vCPU which is not running (create,
 * destroy, set and get state) load it and make this CPU's current vCPU
 * (this_cpu()->current) loaded again before they return. All others act
 * on v's loaded state: the vCPU that exited, or the one about to enter.
 */
#ifndef HV_ARCH_H
#define HV_ARCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/arch_types.h>
#include <hv/arch/x86/insn.h>
#include <hv/arch/x86/pagewalk.h>

struct vcpu;
struct hvpart_host_info;
struct hvpart_vp_state;
struct hvpart_vp_context_body;

/* ---- this physical CPU ---- */

/* hv's own GDT, TSS and IDT (hv/arch/x86/cpu.c). */
void arch_cpu_init(void);
/* Checks that the CPU can run hvpart and enters virtualisation
 * operation. -ENODEV: why names every missing feature in one line;
 * other errors: why says what failed. */
int arch_cpu_enable(char *why, size_t len);
/* An application processor (docs/ARCHITECTURE.md, "Processors"):
 * arch_cpu_start_ap wakes the CPU pc->apic_id (INIT-SIPI-SIPI, SDM Vol.
 * 3A §9.4.4) on hv's page tables and its own stack; it installs pc, loads
 * its descriptor tables and calls smp_ap_main(pc). 0 once pc->online is
 * set; -ETIMEDOUT if the CPU never came (it is sent INIT again). */
struct percpu;
int arch_cpu_start_ap(struct percpu *pc);
/* On an AP: virtualisation operation as on the boot CPU, whose checks
 * (arch_cpu_enable) already passed. */
int arch_cpu_enable_ap(char *why, size_t len);
/* Stops this CPU with interrupts off until an INIT. */
__attribute__((noreturn)) void arch_cpu_park(void);
/* Processors at run time (hv/core/smp_run.c): a fixed IPI that makes
 * the CPU apic_id exit or wake and look again (arch_cpu_take_interrupt
 * passes it over); whether this CPU's LAPIC takes fixed interrupts;
 * waiting for one with interrupts open, then closed again. */
void arch_cpu_kick(uint32_t apic_id);
bool arch_cpu_lapic_enabled(void);
void arch_cpu_wait(void);
/* The same until the TSC reaches due at the latest, where the backend has
 * a timer of hv's on this CPU (SVM: its LAPIC timer); false if it has
 * none, and the caller waits otherwise. */
bool arch_cpu_wait_until(uint64_t due);
/* Whether the parent's HLT can leave it halted in its guest, woken by
 * its interrupts there (VT-x's HLT activity state). Where not (SVM), the
 * boot CPU idles in hv for it: arch_cpu_idle halts until an interrupt,
 * with hv's timer armed for due (0: none), and sets *vec to the vector
 * accepted for the parent, or -1 (none, or hv's timer or a kick, which
 * it acknowledges and drops); false, not halting, where it has no timer
 * for a due. */
bool arch_cpu_halts_in_guest(void);
bool arch_cpu_idle(uint64_t due, int *vec);
/* v's hardware state leaves this CPU (VT-x: VMCLEAR, SDM Vol. 3C §25.11.3,
 * before another CPU may load it); it is not running here. */
void arch_vcpu_release(struct vcpu *v);
/* The backend's fields of Get-VMHost (features, revision). */
void arch_fill_host_info(struct hvpart_host_info *hi);
/* EPT_OPT_* for every partition's EPT, from the CPU's capabilities. */
unsigned arch_ept_opts(void);
/* Drop every cached guest-physical translation: an EPT lost pages. */
void arch_ept_flush(void);
/* Accept one pending physical interrupt in hv: interrupts open for one
 * instruction boundary; the vector, or -1 if none was pending. The caller
 * delivers it (to the parent: docs/ARCHITECTURE.md, "Scheduling"). */
int arch_cpu_take_interrupt(void);
/* The page a child's EPT maps at its xAPIC base so that the CPU reports
 * accesses there as APIC accesses (hv_handle_apic_access, with the
 * offset and access type) rather than EPT violations: 0 and *hpa, or
 * -ENODEV where the backend has no such page (SVM, or a VT-x CPU without
 * "virtualize APIC accesses"), -ENOMEM. Where it exists, every child
 * vCPU has it (docs/ARCHITECTURE.md, "vLAPIC"). */
int arch_apic_access_page(uint64_t *hpa);
/* The instruction a guest's hypercall page uses to call hv (VT-x: VMCALL,
 * SVM: VMMCALL; TLFS v6.0 §3.13), *len bytes. */
const uint8_t *arch_hypercall_insn(size_t *len);

/* ---- vCPU life cycle ---- */

/* What a vCPU traps. A passthrough vCPU (the parent) drives the hardware
 * (docs/ARCHITECTURE.md rule 2): its port I/O, MSRs in the architectural
 * ranges and external interrupts are not intercepted, except the ports
 * listed. Any other vCPU (a child) traps all port I/O and external
 * interrupts (rule 3), and the MSRs the guest cannot own. */
struct arch_vcpu_config {
	bool passthrough;
	/* The parent with children on the APs: its physical interrupts
	 * exit too, so that another CPU's kick reaches hv (smp_run.c). */
	bool intr_exit;
	const uint16_t *trap_ports;
	size_t ntrap_ports;
};

/* v->part is set. Allocates and initialises v's hardware state (entry
 * state comes from arch_vcpu_set_state). 0, -ENOMEM, -EIO, -ENODEV. */
int arch_vcpu_create(struct vcpu *v, const struct arch_vcpu_config *c);
void arch_vcpu_destroy(struct vcpu *v);
/* Exit on PAUSE (hv_handle_pause), for a child with several vCPUs; v is
 * not running (loaded and put back, as create). */
void arch_vcpu_pause_exiting(struct vcpu *v);
/* -EINVAL for a state the backend refuses (e.g. CR4.VMXE set). */
int arch_vcpu_set_state(struct vcpu *v, const struct hvpart_vp_state *s);
void arch_vcpu_get_state(struct vcpu *v, struct hvpart_vp_state *s);
/* The backend's part of a vCPU context (hv/core/vpctx.c): registers,
 * CR2, DR0-DR7, PAT, SYSENTER, the pending event, interrupt shadow and
 * NMI blocking. get fills those fields of c (a soft event the guest will
 * raise again is dropped, RIP back on its instruction); check says
 * whether set would take c (0, -EINVAL: what the CPU's entry checks or
 * the architecture refuse); set loads it, after check passed. */
void arch_vcpu_get_context(struct vcpu *v, struct hvpart_vp_context_body *c);
int arch_vcpu_check_context(const struct hvpart_vp_context_body *c);
void arch_vcpu_set_context(struct vcpu *v, const struct hvpart_vp_context_body *c);
/* Make v's state current on this CPU (this_cpu()->current = v). */
void arch_vcpu_load(struct vcpu *v);
/* Enter v and never return: from here on hv runs only on VM exits.
 * Called with hv's lock held (hv/include/hv/smp.h); each exit takes it
 * and each entry drops it. */
__attribute__((noreturn)) void arch_vcpu_run(struct vcpu *v);

/* ---- the loaded vCPU's registers ---- */

uint64_t arch_vcpu_rip(struct vcpu *v);
uint64_t arch_vcpu_rsp(struct vcpu *v);
void arch_vcpu_set_rsp(struct vcpu *v, uint64_t rsp);
bool arch_vcpu_long_mode(struct vcpu *v);     /* 64-bit code segment */
bool arch_vcpu_irq_enabled(struct vcpu *v);   /* RFLAGS.IF */
/* An interrupt injected that the guest has not taken yet (SVM's V_IRQ
 * offer, svm_vcpu.c); VT-x delivers at entry: always false. */
bool arch_vcpu_irq_in_flight(struct vcpu *v);
unsigned arch_vcpu_cpl(struct vcpu *v);       /* current privilege level */
uint64_t arch_vcpu_cr4(struct vcpu *v);       /* CR4 as the guest reads it */
/* The paging controls of the loaded guest (CR0, CR3, CR4, EFER, RFLAGS,
 * CPL) for the guest page walk (hv/arch/x86/pagewalk.h); the caller
 * fills maxphyaddr and gb_pages from the guest's CPUID. */
void arch_vcpu_paging(struct vcpu *v, struct pw_regs *r);
/* The code size at CS:RIP, to decode the guest's instruction in. */
enum insn_mode arch_vcpu_insn_mode(struct vcpu *v);
/* Base of segment register seg (enum insn_seg). */
uint64_t arch_vcpu_seg_base(struct vcpu *v, unsigned seg);
/* Limit of segment register seg (byte-granular), and its access rights
 * in the VMCS layout (SDM Vol. 3C Table 24-2: type 3:0, S 4, DPL 6:5,
 * P 7, D/B 14, G 15, unusable 16), for the limit checks of emulated
 * string elements. */
uint32_t arch_vcpu_seg_limit(struct vcpu *v, unsigned seg, uint32_t *ar);
uint64_t arch_vcpu_rflags(struct vcpu *v);
void arch_vcpu_set_rflags(struct vcpu *v, uint64_t rflags);

/* ---- stepping, events, timer ---- */

/* Step past the instruction that caused the exit. */
void arch_vcpu_skip_insn(struct vcpu *v);
/* Step RIP forward by len bytes (an instruction hv emulated). */
void arch_vcpu_advance_rip(struct vcpu *v, uint64_t len);
/* The exiting instruction completes later (an intercept the parent
 * emulates): remember how to step past it ... */
void arch_vcpu_defer_skip(struct vcpu *v);
/* ... and do so now. */
void arch_vcpu_finish_deferred(struct vcpu *v);
void arch_vcpu_inject_gp(struct vcpu *v);
void arch_vcpu_inject_ud(struct vcpu *v);
/* A fault with error code 0 where the vector has one (SDM Vol. 3A
 * §6.15: #DF #TS #NP #SS #GP #PF #AC #CP): #DE, #SS(0), #GP(0) of an
 * emulated instruction. */
void arch_vcpu_inject_fault(struct vcpu *v, unsigned vector);
/* #PF at linear address lin (the guest's CR2) with error code err. */
void arch_vcpu_inject_pf(struct vcpu *v, uint64_t lin, uint32_t err);
/* Deliver external-interrupt vector at this entry. false if the guest
 * cannot take it now (RFLAGS.IF clear, STI/MOV-SS shadow) or another
 * event goes in at this entry: the backend then exits as soon as the
 * guest can take it (the interrupt window). */
bool arch_vcpu_inject_irq(struct vcpu *v, int vector);
/* Whether the exit interrupted the delivery of an event (the backend
 * delivers it again at the next entry): the instruction at RIP has not
 * run, so it must not be emulated. */
bool arch_vcpu_delivering_event(struct vcpu *v);
/* Deliver an NMI at this entry. false if the guest blocks NMIs now (one
 * in progress until IRET, a MOV-SS or STI shadow) or an event is already
 * being injected; the caller retries at a later entry. */
bool arch_vcpu_inject_nmi(struct vcpu *v);
/* Let v wait for its next interrupt inside the guest, where the CPU can
 * (the parent's HLT: a physical interrupt wakes it without hv). */
void arch_vcpu_set_halted(struct vcpu *v);
/* Whether v still waits inside the guest for an interrupt (after the
 * timer fired while it was halted there: it has taken none). */
bool arch_vcpu_halted(struct vcpu *v);
/* The guest's TSC runs offset ticks ahead of the CPU's (RDTSC, RDTSCP,
 * RDMSR of IA32_TSC without an exit). Children only. */
void arch_vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset);
/* Exit to hv after at most ticks TSC ticks in the guest; 0: no limit. */
void arch_vcpu_set_timer(struct vcpu *v, uint64_t ticks);
/* Whether that timer is itself a physical interrupt (SVM: the LAPIC timer,
 * which exits only as every interrupt does) rather than an exit cause of
 * its own (VT-x: the VMX-preemption timer). Then a timed look for the
 * parent's interrupts (hv/core/sched.c) could only find what would have
 * exited by itself, and hv does not make it. */
bool arch_timer_is_interrupt(void);
/* Guest state to hv's log (after a fault that stops the partition). */
void arch_vcpu_dump(struct vcpu *v);
#endif
