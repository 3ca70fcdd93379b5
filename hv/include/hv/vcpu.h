/*
 * Vendor-neutral view of partitions and virtual processors. Generic code
 * (partitions, hypercalls, CPUID/MSR policy, scheduling) uses only this
 * header; the VT-x backend (hv/arch/x86/vmx/) implements the arch_* hooks,
 * so an SVM backend can sit beside it later.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hv/abi/hvpart_abi.h>
#include <hv/mm/ept.h>

/* GPR indices follow the x86 register encoding (SDM Vol. 2 Table 2-2),
 * so exit qualifications that name a register index gpr[] directly. */
enum { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
       GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15 };

struct partition;

/* Virtual local APIC of a child, x2APIC interface (SDM Vol. 3A §11.12). */
struct vlapic {
	uint32_t tpr, svr, lvt_timer, init_count, divide_shift, esr;
	uint64_t tsc_deadline;       /* IA32_TSC_DEADLINE as written */
	uint64_t fire_tsc;           /* next timer expiry, 0 = not armed */
	uint64_t period;             /* periodic mode: ticks per period */
	uint32_t irr[8], isr[8];     /* 256-bit request and in-service sets */
	uint64_t timer_fired;
};

enum vcpu_run { VCPU_RUNNABLE, VCPU_HALTED, VCPU_BLOCKED };

struct vcpu {
	uint64_t gpr[16];      /* [GPR_RSP] unused: RSP lives in the VMCS */
	uint64_t launched;     /* offset 128, read by vmx_entry.S */
	struct partition *part;
	uint32_t index;
	uint64_t exits[HVPART_EXIT_KINDS];
	uint64_t exits_total;
	/* VT-x state */
	void *vmcs;
	uint64_t vmcs_pa;
	uint16_t vpid;
	enum vcpu_run run;
	uint32_t last_exit;          /* basic exit reason of the last exit */
	bool notify_pending;         /* parent: HVPART_NOTIFY_VECTOR to inject */
	struct vlapic lapic;         /* children */
	struct hvpart_intercept icpt; /* valid while run == VCPU_BLOCKED */
	bool icpt_taken;             /* the parent has fetched icpt */
	bool icpt_done;              /* completed: apply at the next entry */
	bool yield;                  /* give up the CPU after this exit */
	uint8_t icpt_insn_len;
	uint32_t icpt_result;
	uint64_t slice_end;          /* TSC at which this turn ends, 0 = none */
	bool timer_dirty;            /* preemption timer holds a short value */
};
_Static_assert(offsetof(struct vcpu, launched) == 128, "vmx_entry.S offset");

#define PARTITION_MAX_VCPUS 1
#define MAX_PARTITIONS 16

struct partition {
	uint64_t id;
	char name[32];
	enum hvpart_state state;
	bool privileged;             /* the parent: CpuManagement etc. */
	struct ept ept;
	uint64_t mem_bytes;
	uint32_t nvcpus;
	struct vcpu *vcpus[PARTITION_MAX_VCPUS];
	uint64_t guest_os_id;
	uint64_t hypercall_msr;
	char stop_reason[96];
	bool in_use;
	uint64_t max_gpa;            /* children: guest-physical limit */
	uint64_t start_tsc, stop_tsc;
	uint32_t exit_code;
	bool has_exit_code;
	uint64_t icpt_seq;
};

/* Arch hooks (VT-x: vmx.c). The vCPU calls run with the parent's vCPU
 * current and leave it current. */
unsigned arch_ept_opts(void);
void arch_ept_flush(void);
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
int arch_vcpu_set_state(struct vcpu *v, const struct hvpart_vp_state *s);
void arch_vcpu_get_state(struct vcpu *v, struct hvpart_vp_state *s);
uint64_t arch_vcpu_rip(struct vcpu *v);
bool arch_vcpu_long_mode(struct vcpu *v);   /* 64-bit code segment */
void arch_vcpu_skip_insn(struct vcpu *v);
void arch_vcpu_inject_gp(struct vcpu *v);
void arch_vcpu_inject_ud(struct vcpu *v);
void arch_vcpu_dump(struct vcpu *v);

/* Generic handlers (hv/core). Each returns nothing: a guest-caused error
 * stops the partition (partition_stop) and never panics hv. */
void hv_handle_cpuid(struct vcpu *v);
void hv_handle_rdmsr(struct vcpu *v);
void hv_handle_wrmsr(struct vcpu *v);
void hv_handle_hypercall(struct vcpu *v);

void partition_stop(struct partition *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Pointer to guest memory [gpa, gpa+len) if the partition may access it
 * (EPT readable, and writable when write is set) and it does not cross a
 * page; NULL otherwise. hv identity-maps physical memory. */
void *partition_gpa_ptr(struct partition *p, uint64_t gpa, size_t len, bool write);
struct partition *partition_by_id(uint64_t id);
uint32_t partition_count(void);

/* Scheduler (hv/core/sched.c). sched_next picks the vCPU to run after an
 * exit (never NULL: halts the machine if none is left). */
struct vcpu *sched_next(struct vcpu *cur);
/* The parent's vCPU, and asking it to look at hv's messages. */
struct vcpu *sched_parent(void);
void sched_notify_parent(void);
/* TSC ticks the next entry of v may run before hv must look again
 * (time slice, or the earliest child timer while the parent idles). */
uint64_t sched_budget(struct vcpu *v);
void sched_set_parent(struct vcpu *v);
void sched_child_started(void);
void sched_child_stopped(void);
extern uint32_t sched_children_running;
extern uint64_t hv_tsc_hz;

/* Virtual LAPIC (hv/core/vlapic.c). */
void vlapic_reset(struct vlapic *l);
int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);  /* -1: not an APIC MSR */
int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);   /* -1 not APIC, -2 #GP */
void vlapic_poll_timer(struct vcpu *v, uint64_t now);
int vlapic_pending_vector(struct vcpu *v);                      /* -1 if none */
void vlapic_accept(struct vcpu *v, int vector);                 /* IRR -> ISR */
uint64_t vlapic_next_fire(const struct vcpu *v);                /* 0 if none */

/* Child intercepts (hv/core/intercept.c). */
void hv_forward_io(struct vcpu *v, uint16_t port, unsigned size, bool is_write, uint32_t value);
void hv_complete_io(struct vcpu *v, uint32_t value);
#endif
