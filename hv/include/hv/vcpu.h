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
};
_Static_assert(offsetof(struct vcpu, launched) == 128, "vmx_entry.S offset");

#define PARTITION_MAX_VCPUS 1

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
};

/* Arch hooks (VT-x: vmx.c). */
uint64_t arch_vcpu_rip(struct vcpu *v);
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

/* Scheduler: the vCPU to run after an exit (never NULL: halts if none). */
struct vcpu *sched_next(struct vcpu *cur);
#endif
