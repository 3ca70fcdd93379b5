/*
 * The hv <-> partition ABI: hypercall codes and status values (Hyper-V
 * TLFS v6.0 §3 "Hypercall Interface", Appendix "Hypercall Status Codes"),
 * synthetic MSRs and CPUID leaves (TLFS §2, §3.13), and hvpart's own
 * structures exchanged with the parent. Shared by hv and the parent OS.
 * Wire structures carry size asserts; all fields are little-endian.
 */
#ifndef HVPART_ABI_H
#define HVPART_ABI_H
#include <stdint.h>

/* Hypercall input value in RCX (TLFS §3.7). */
#define HV_HC_CODE(rcx)        ((uint16_t)((rcx) & 0xffff))
#define HV_HC_FAST             (1ull << 16)
#define HV_HC_REP_COUNT(rcx)   ((uint32_t)(((rcx) >> 32) & 0xfff))

/* Status codes returned in RAX (TLFS Appendix B). */
#define HV_STATUS_SUCCESS                  0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE   0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT  0x0003
#define HV_STATUS_INVALID_ALIGNMENT        0x0004
#define HV_STATUS_INVALID_PARAMETER        0x0005
#define HV_STATUS_ACCESS_DENIED            0x0006
#define HV_STATUS_INVALID_PARTITION_STATE  0x0007
#define HV_STATUS_INSUFFICIENT_MEMORY      0x000B
#define HV_STATUS_INVALID_PARTITION_ID     0x000D
#define HV_STATUS_INVALID_VP_INDEX         0x000E
#define HV_STATUS_INVALID_PORT_ID          0x0011
#define HV_STATUS_INVALID_CONNECTION_ID    0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS     0x0013
#define HV_STATUS_INVALID_SYNIC_STATE      0x0018
#define HV_STATUS_NO_DATA                  0x001B  /* nothing pending (hvpart) */

/* TLFS call codes hv implements. */
#define HVCALL_GET_PARTITION_ID            0x0046
/* hvpart's own calls (vendor range; parent only). */
#define HVCALL_HVPART_NULL                 0x8000
#define HVCALL_HVPART_GET_HOST_INFO        0x8001
#define HVCALL_HVPART_GET_PARTITION_INFO   0x8002
#define HVCALL_HVPART_READ_LOG             0x8003
#define HVCALL_HVPART_POWER_OFF            0x8004
/* Partition management (parent only; docs/hypercalls.md). */
#define HVCALL_HVPART_CREATE_PARTITION     0x8010
#define HVCALL_HVPART_DELETE_PARTITION     0x8011
#define HVCALL_HVPART_DEPOSIT_PAGES        0x8012
#define HVCALL_HVPART_CREATE_VP            0x8013
#define HVCALL_HVPART_SET_VP_STATE         0x8014
#define HVCALL_HVPART_GET_VP_STATE         0x8015
#define HVCALL_HVPART_START_PARTITION      0x8016
#define HVCALL_HVPART_STOP_PARTITION       0x8017
#define HVCALL_HVPART_GET_INTERCEPT        0x8018
#define HVCALL_HVPART_COMPLETE_INTERCEPT   0x8019
#define HVCALL_HVPART_SET_TSC_FREQUENCY    0x801a
#define HVCALL_HVPART_SET_INTERRUPT_LATENCY 0x801b
/* Shared pages (GPADLs, docs/hypercalls.md "GPADL pages"). */
#define HVCALL_HVPART_MAP_GPADL_PAGES      0x8020
#define HVCALL_HVPART_UNMAP_GPADL_PAGES    0x8021
/* A device model's interrupt into a child (docs/hypercalls.md). */
#define HVCALL_HVPART_ASSERT_INTERRUPT     0x8022
/* Pausing a child and moving its vCPU's whole context (docs/hypercalls.md
 * "vCPU context"). */
#define HVCALL_HVPART_SUSPEND_PARTITION    0x8023
#define HVCALL_HVPART_RESUME_PARTITION     0x8024
#define HVCALL_HVPART_GET_VP_CONTEXT       0x8025
#define HVCALL_HVPART_SET_VP_CONTEXT       0x8026
/* A child's share of the CPU (below, struct hvpart_sched_in). */
#define HVCALL_HVPART_SET_SCHEDULING       0x8027
/* Live memory capture (docs/hypercalls.md "Memory capture"; struct
 * hvpart_capture_* below). */
#define HVCALL_HVPART_CAPTURE_START        0x8028
#define HVCALL_HVPART_CAPTURE_TAKE         0x8029
#define HVCALL_HVPART_CAPTURE_DRAIN        0x802a
#define HVCALL_HVPART_CAPTURE_END          0x802b
/* Bounds of its input, in microseconds, and what hv uses until it is set. */
#define HVPART_LATENCY_MIN_US              10
#define HVPART_LATENCY_MAX_US              100000
#define HVPART_LATENCY_DEFAULT_US          1000

/* Synthetic MSRs (TLFS §2.4, §3.13). */
#define HV_MSR_GUEST_OS_ID                 0x40000000
#define HV_MSR_HYPERCALL                   0x40000001
#define HV_MSR_VP_INDEX                    0x40000002
#define HV_MSR_HYPERCALL_ENABLE            (1ull << 0)
#define HV_MSR_TSC_FREQUENCY               0x40000022
#define HV_MSR_APIC_FREQUENCY              0x40000023
#define HV_FEAT_FREQUENCY_MSRS             (1u << 11)

/* The vector hv injects into the parent when a child needs its attention
 * (an intercept is waiting, or a child stopped). */
#define HVPART_NOTIFY_VECTOR               0x30

/* CPUID leaves (TLFS §2.4). */
#define HV_CPUID_VENDOR                    0x40000000
#define HV_CPUID_INTERFACE                 0x40000001
#define HV_CPUID_VERSION                   0x40000002
#define HV_CPUID_FEATURES                  0x40000003
#define HV_CPUID_HINTS                     0x40000004
#define HV_CPUID_LIMITS                    0x40000005
#define HV_CPUID_MAX                       0x40000005
/* 0x40000003 EAX: partition privilege mask, low half (TLFS §4.2.2). */
#define HV_FEAT_VP_RUNTIME                 (1u << 0)
#define HV_FEAT_TIME_REF_COUNT             (1u << 1)
#define HV_FEAT_SYNIC                      (1u << 2)
#define HV_FEAT_SYNTH_TIMERS               (1u << 3)
#define HV_FEAT_HYPERCALL_MSRS             (1u << 5)
#define HV_FEAT_REF_TSC                    (1u << 9)
#define HV_FEAT_EDX_DIRECT_STIMER          (1u << 19)   /* in EDX */
#define HV_FEAT_EDX_FREQUENCY_MSRS         (1u << 8)    /* in EDX */
#define HV_FEAT_EDX_GUEST_CRASH_MSRS       (1u << 10)   /* in EDX */
#define HV_FEAT_VP_INDEX                   (1u << 6)
/* 0x40000003 EBX: privilege flags, high half. */
#define HV_PRIV_CREATE_PARTITIONS          (1u << 0)
#define HV_PRIV_ACCESS_PARTITION_ID        (1u << 1)
#define HV_PRIV_ACCESS_MEMORY_POOL         (1u << 2)
#define HV_PRIV_POST_MESSAGES              (1u << 4)
#define HV_PRIV_SIGNAL_EVENTS              (1u << 5)
#define HV_PRIV_CREATE_PORT                (1u << 6)
#define HV_PRIV_CONNECT_PORT               (1u << 7)
#define HV_PRIV_CPU_MANAGEMENT             (1u << 12)

/* Boot information hv hands the parent in RDI (identity-mapped GPA). */
#define HVPART_BOOT_MAGIC 0x7470766820626862ull /* "bhb hvpt" */
#define HVPART_MAX_MEM_RANGES 64
#define HVPART_MAX_MODULES 32
#define HVPART_NAME_MAX 64

struct hvpart_mem_range {
	uint64_t base, length;
};
_Static_assert(sizeof(struct hvpart_mem_range) == 16, "mem range");

struct hvpart_module {
	uint64_t base, length;
	char name[HVPART_NAME_MAX];
};
_Static_assert(sizeof(struct hvpart_module) == 80, "module");

struct hvpart_boot_info {
	uint64_t magic;
	uint64_t boot_tsc;           /* TSC when hv reached hv_main */
	uint64_t rsdp_gpa;           /* 0 if the loader gave none */
	uint64_t heap_base, heap_len; /* parent-owned RAM set aside for its heap */
	uint32_t mem_count, module_count;
	struct hvpart_mem_range mem[HVPART_MAX_MEM_RANGES]; /* parent-owned free RAM */
	struct hvpart_module modules[HVPART_MAX_MODULES];
	char cmdline[256];
};
_Static_assert(sizeof(struct hvpart_boot_info) == 48 + 64 * 16 + 32 * 80 + 256,
	       "boot info layout");

/* HVCALL_HVPART_GET_HOST_INFO output. */
#define HVPART_VMXF_EPT           (1u << 0)
#define HVPART_VMXF_UNRESTRICTED  (1u << 1)
#define HVPART_VMXF_VPID          (1u << 2)
#define HVPART_VMXF_PREEMPT_TIMER (1u << 3)
#define HVPART_VMXF_EPT_2M        (1u << 4)
#define HVPART_VMXF_EPT_1G        (1u << 5)
#define HVPART_VMXF_ACT_HLT       (1u << 6)
/* On SVM, the same field holds the SVM features in use (CPUID
 * 8000_000AH EDX bits, APM Vol. 3 E.4.9, under these names). */
#define HVPART_SVMF_NPT           (1u << 0)
#define HVPART_SVMF_NRIPS         (1u << 1)
#define HVPART_SVMF_VMCB_CLEAN    (1u << 2)
#define HVPART_SVMF_FLUSH_ASID    (1u << 3)
#define HVPART_SVMF_DECODE        (1u << 4)
#define HVPART_SVMF_NPT_1G        (1u << 5)
/* Which backend runs: Get-VMHost names it. */
#define HVPART_ARCH_VMX           1u
#define HVPART_ARCH_SVM           2u
struct hvpart_host_info {
	char version[16];
	char cpu_brand[48];
	uint32_t vmx_features;       /* HVPART_VMXF_* (VT-x) or HVPART_SVMF_* (SVM) in use */
	uint32_t vmcs_revision;      /* VMCS revision, or the SVM revision */
	uint64_t mem_total;          /* usable RAM reported by the loader */
	uint64_t mem_hv;             /* owned by hv (image + pool) */
	uint64_t mem_hv_pool_free;   /* free inside hv's pool */
	uint64_t mem_parent;         /* owned by the parent */
	uint64_t tsc_khz;            /* 0 if unknown */
	uint32_t partitions, arch;   /* arch: HVPART_ARCH_* */
	uint64_t switches;           /* VM exits that resumed another partition */
	uint64_t switch_ticks;       /* TSC ticks hv spent in those, exit to entry */
	uint64_t xstate_switches;    /* extended-state switches (XSAVE + XRSTOR) */
	uint64_t xstate_ticks;       /* TSC ticks they took, part of switch_ticks */
	uint64_t gpadl_pages;        /* children's pages mapped into the parent */
	uint64_t gpadl_held_pages;   /* of those, pages of deleted children */
	uint32_t cpus_online;        /* processors hv started (boot CPU included) */
	uint32_t cpus_listed;        /* processors the firmware's MADT lists */
	uint32_t cpus_children;      /* processors children's vCPUs run on */
	uint32_t cpus_parent;        /* the parent's virtual processors (one per CPU) */
	uint64_t kicks;              /* IPIs one CPU sent another to look again */
	uint64_t remote_flushes;     /* EPT flushes asked of other CPUs */
	uint64_t vcpu_moves;         /* child vCPUs moved between CPUs (balance) */
	uint64_t tlb_flushes;        /* a vCPU's TLB entries flushed as it arrived on a CPU */
	uint64_t timed_halts;        /* APs' waits in HLT for a halted vCPU's timer */
};
_Static_assert(sizeof(struct hvpart_host_info) == 224, "host info layout");

/* Exit categories counted per partition (vendor-neutral). */
enum hvpart_exit_kind {
	HVPART_EXIT_CPUID, HVPART_EXIT_MSR_READ, HVPART_EXIT_MSR_WRITE,
	HVPART_EXIT_IO, HVPART_EXIT_HLT, HVPART_EXIT_HYPERCALL,
	HVPART_EXIT_EPT_VIOLATION, HVPART_EXIT_EXT_INTR, HVPART_EXIT_CR_ACCESS,
	HVPART_EXIT_TRIPLE_FAULT, HVPART_EXIT_PREEMPT_TIMER, HVPART_EXIT_OTHER,
	HVPART_EXIT_KINDS
};

enum hvpart_state { HVPART_STATE_CREATED, HVPART_STATE_RUNNING, HVPART_STATE_STOPPED };

/* One segment register in VMX access-rights format (SDM Vol. 3C §25.4.1). */
struct hvpart_seg {
	uint64_t base;
	uint32_t limit, ar;
	uint16_t sel, rsvd[3];
};
_Static_assert(sizeof(struct hvpart_seg) == 24, "segment state");

/* A vCPU's architectural state, for SET/GET_VP_STATE. */
struct hvpart_vp_state {
	uint64_t gpr[16];            /* x86 register order: RAX, RCX, RDX, RBX, RSP, ... */
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
	struct hvpart_seg cs, ds, es, fs, gs, ss, tr, ldtr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
};
_Static_assert(sizeof(struct hvpart_vp_state) == 16 * 8 + 6 * 8 + 8 * 24 + 24,
	       "vp state layout");

/* CREATE_PARTITION input; output is { u64 partition_id }. */
struct hvpart_create_in {
	char name[32];
	uint64_t max_gpa;            /* guest-physical size limit, bytes */
};
_Static_assert(sizeof(struct hvpart_create_in) == 40, "create input");

/* DEPOSIT_PAGES input: each run moves npages host pages from pfn on to
 * the child at gpa on. Runs let a 2 MiB-aligned block arrive whole, so
 * the child's EPT can map it with one large page. */
struct hvpart_deposit_run {
	uint64_t gpa, pfn, npages;
};
_Static_assert(sizeof(struct hvpart_deposit_run) == 24, "deposit run");
#define HVPART_DEPOSIT_RUNS 169
struct hvpart_deposit_in {
	uint64_t partition_id;
	uint32_t nruns, rsvd;
	struct hvpart_deposit_run runs[HVPART_DEPOSIT_RUNS];
};
_Static_assert(sizeof(struct hvpart_deposit_in) == 4072, "deposit input fits a page");

struct hvpart_vp_state_in {
	uint64_t partition_id;
	uint32_t vp_index, rsvd;
	struct hvpart_vp_state state;
};
_Static_assert(sizeof(struct hvpart_vp_state_in) == 16 + sizeof(struct hvpart_vp_state),
	       "vp state input");

/* STOP_PARTITION input. */
struct hvpart_stop_in {
	uint64_t partition_id;
	uint32_t exit_code;          /* meaningful when flags & HVPART_STOP_EXIT_CODE */
	uint32_t flags;
	char reason[64];
};
_Static_assert(sizeof(struct hvpart_stop_in) == 80, "stop input");
#define HVPART_STOP_EXIT_CODE 1u

/* GET_INTERCEPT output: one guest access the parent must emulate. */
#define HVPART_ICPT_IO 1u
struct hvpart_intercept {
	uint64_t partition_id;
	uint64_t seq;
	uint32_t type;               /* HVPART_ICPT_* */
	uint16_t port;
	uint8_t size, is_write;
	uint32_t value;              /* written value (OUT) */
	uint32_t vp_index;           /* the virtual processor that waits */
	uint64_t rip;
};
_Static_assert(sizeof(struct hvpart_intercept) == 40, "intercept message");

/* COMPLETE_INTERCEPT input. */
struct hvpart_complete_in {
	uint64_t partition_id, seq;
	uint32_t value;              /* read result (IN) */
	uint32_t rsvd;
};
_Static_assert(sizeof(struct hvpart_complete_in) == 24, "complete input");

/* HVCALL_HVPART_GET_PARTITION_INFO: input { u64 partition_id }. */
struct hvpart_partition_info {
	uint64_t id;
	char name[32];
	uint32_t state;              /* enum hvpart_state */
	uint32_t vcpus;
	uint64_t mem_bytes;
	uint64_t exits_total;
	uint64_t exits[HVPART_EXIT_KINDS];
	char stop_reason[96];
	uint64_t run_tsc;            /* TSC ticks since start (to stop, if stopped) */
	uint64_t overhead_bytes;     /* hv memory used for it: EPT, VMCS, ... */
	uint32_t last_exit_reason;   /* architecture exit reason */
	uint32_t exit_code;          /* with HVPART_INFO_EXIT_CODE */
	uint32_t flags;
	/* Each vCPU's scheduling state, a byte each from vCPU 0 (bits 7:0):
	 * HVPART_VP_* in bits 3:0, fetched (the parent took its intercept)
	 * bit 4, completed (the result waits for its entry) bit 5. */
	uint32_t vp_states;
	uint64_t vp_run_tsc[4];      /* TSC ticks each vCPU has run in the guest */
	uint8_t vp_cpu[4];           /* the processor each vCPU runs on */
	uint32_t rsvd_cpu;
};
#define HVPART_VP_RUNNABLE 0
#define HVPART_VP_HALTED   1
#define HVPART_VP_BLOCKED  2       /* waits for the parent's intercept */
#define HVPART_VP_WAIT_SIPI 3
#define HVPART_VP_FETCHED  0x10u
#define HVPART_VP_DONE     0x20u
#define HVPART_VP_NOTIFY   0x40u    /* the parent: a notification waits for delivery */
#define HVPART_INFO_EXIT_CODE 1u
#define HVPART_INFO_SUSPENDED 4u    /* SuspendPartition holds it (state RUNNING) */
#define HVPART_INFO_PRESENT   2u
_Static_assert(sizeof(struct hvpart_partition_info) == 8 + 32 + 8 + 16 + 12 * 8 + 96 + 32 + 32 + 8,
	       "partition info layout");

/* HVCALL_HVPART_SET_SCHEDULING input: Hyper-V's processor resource
 * control (Set-VMProcessor -RelativeWeight -Reserve -Maximum) for a
 * child, each of its virtual processors alike. Weight: its share against
 * other ready vCPUs (1-10000, 100 by default); reserve and maximum: the
 * least and most of one physical CPU each vCPU gets in every accounting
 * period (docs/hypercalls.md), in percent (0-100 with reserve <= maximum,
 * maximum at least 1). Anything else: HV_STATUS_INVALID_PARAMETER. */
struct hvpart_sched_in {
	uint64_t partition_id;
	uint32_t weight;
	uint16_t reserve_pct, max_pct;
};
_Static_assert(sizeof(struct hvpart_sched_in) == 16, "scheduling input");
#define HVPART_WEIGHT_MAX 10000u
#define HVPART_SCHED_PERIOD_US 100000u

/* MAP_GPADL_PAGES input: a child's guest page numbers (a GPADL's PFN
 * list, or a piece of it), mapped read/write into the parent at their
 * host-physical addresses, which the output lists in the same order. */
#define HVPART_GPADL_PAGES 510
struct hvpart_gpadl_map_in {
	uint64_t partition_id;
	uint32_t count, rsvd;
	uint64_t gpfn[HVPART_GPADL_PAGES];
};
_Static_assert(sizeof(struct hvpart_gpadl_map_in) == 4096, "gpadl map input is a page");
struct hvpart_gpadl_map_out {
	uint64_t pa[HVPART_GPADL_PAGES];
};
_Static_assert(sizeof(struct hvpart_gpadl_map_out) == 4080, "gpadl map output");
/* UNMAP_GPADL_PAGES input: host-physical addresses MAP returned. */
struct hvpart_gpadl_unmap_in {
	uint32_t count, rsvd;
	uint64_t pa[HVPART_GPADL_PAGES];
};
_Static_assert(sizeof(struct hvpart_gpadl_unmap_in) == 4088, "gpadl unmap input");

/* ---- Live memory capture (docs/hypercalls.md "Memory capture") ----
 * START (the child suspended): hv write-protects the child's RAM and
 * takes the parent's pages in pa[] as its stash. While the capture runs,
 * the first write to a page not yet captured (by the guest, by hv, or by
 * the parent through MAP_GPADL_PAGES or a mapping it held at START)
 * first copies the page's contents
 * into a stash page. TAKE copies the pages not yet captured among count
 * pages from first_gpfn into the parent's pages pa[] and reports which
 * it copied in copied[] (bit i for first_gpfn + i; a page not copied
 * was captured into the stash before, or is not the child's RAM).
 * DRAIN frees the first `release` stash entries its last output listed
 * and lists those filled now. END stops the capture and gives the stash
 * back. A capture hv had to give up (no stash left for hv's own write,
 * or no memory for a page table) makes TAKE and DRAIN fail with
 * HV_STATUS_INSUFFICIENT_BUFFERS; END still ends it. */
#define HVPART_CAPTURE_STASH 255
#define HVPART_CAPTURE_TAKE  504
struct hvpart_capture_start_in {
	uint64_t partition_id;
	uint32_t count, rsvd;                  /* stash pages, 1-255 */
	uint64_t pa[HVPART_CAPTURE_STASH];
};
_Static_assert(sizeof(struct hvpart_capture_start_in) == 2056, "capture start input");
struct hvpart_capture_take_in {
	uint64_t partition_id;
	uint64_t first_gpfn;
	uint32_t count, rsvd;                  /* 1-504 */
	uint64_t pa[HVPART_CAPTURE_TAKE];
};
_Static_assert(sizeof(struct hvpart_capture_take_in) == 4056, "capture take input");
struct hvpart_capture_take_out {
	uint64_t copied[(HVPART_CAPTURE_TAKE + 63) / 64];
	uint64_t left;                         /* pages not yet captured */
};
_Static_assert(sizeof(struct hvpart_capture_take_out) == 72, "capture take output");
struct hvpart_capture_drain_in {
	uint64_t partition_id;
	uint32_t release, rsvd;
};
_Static_assert(sizeof(struct hvpart_capture_drain_in) == 16, "capture drain input");
struct hvpart_capture_entry {
	uint64_t pa, gpfn;                     /* stash page, the child page it holds */
};
_Static_assert(sizeof(struct hvpart_capture_entry) == 16, "capture entry");
struct hvpart_capture_drain_out {
	uint32_t count, rsvd;
	struct hvpart_capture_entry e[HVPART_CAPTURE_STASH];
};
_Static_assert(sizeof(struct hvpart_capture_drain_out) == 4088, "capture drain output");
/* END's output: what the capture cost the guest. */
struct hvpart_capture_stats {
	uint64_t guest_faults;                 /* guest writes captured first */
	uint64_t hv_writes;                    /* hv's own writes captured first */
	uint64_t parent_maps;                  /* pages kept before the parent wrote them */
	uint64_t taken;                        /* pages TAKE copied */
	uint64_t waits;                        /* times a vCPU waited for room */
	uint32_t stash_peak, failed;           /* failed: 1 hv gave the capture up */
	uint64_t pause_ticks;                  /* TSC from the suspend to the resume */
};
_Static_assert(sizeof(struct hvpart_capture_stats) == 56, "capture stats");

/* HVCALL_HVPART_ASSERT_INTERRUPT: the parent's interrupt controller
 * models (the 8259 pair) hand a child a vector. HVPART_IRQ_EXTINT: as the
 * local APIC takes an 8259's interrupt through LINT0 in ExtINT mode (SDM
 * Vol. 3A §11.5.1), the vector is not put in service, so the guest ends
 * it at the 8259 only. */
#define HVPART_IRQ_EXTINT 0x1u
struct hvpart_assert_irq_in {
	uint64_t partition_id;
	uint32_t vector;             /* 16-255 */
	uint32_t flags;              /* HVPART_IRQ_*; other bits reserved (0) */
};
_Static_assert(sizeof(struct hvpart_assert_irq_in) == 16, "assert interrupt input");

/* ---- vCPU context (GET/SET_VP_CONTEXT; docs/hypercalls.md "vCPU
 * context") ----
 * Everything of a vCPU a guest can observe that lives in hv, vendor-
 * neutral (segments in VMX access-rights format on both backends), so a
 * context exported on one backend imports on the other. Page 0 of the
 * context is struct hvpart_vp_context; the XSAVE area (standard format,
 * SDM Vol. 1 §13.4) follows in page 1. Times are relative to the moment
 * the guest's time stopped (SuspendPartition, or the stop): the guest's
 * TSC, reference time and timers continue from there when the partition
 * that imports the context starts. */
#define HVPART_VP_CONTEXT_MAGIC   0x58435648u   /* "HVCX" */
#define HVPART_VP_CONTEXT_VERSION 1u
#define HVPART_VP_CONTEXT_PAGES   2u

/* A pending event in VMX interruption-information format (SDM Vol. 3C
 * §25.8.3): vector 7:0, type 10:8 (0 external interrupt, 2 NMI, 3
 * hardware exception; others are not carried), error code valid 11,
 * valid 31. shadow: HVPART_SHADOW_* (§25.4.2 interruptibility state). */
#define HVPART_EVENT_VALID        (1u << 31)
#define HVPART_EVENT_ERR_VALID    (1u << 11)
#define HVPART_SHADOW_STI         (1u << 0)
#define HVPART_SHADOW_MOV_SS      (1u << 1)
#define HVPART_SHADOW_NMI_BLOCKED (1u << 3)
struct hvpart_vp_events {
	uint32_t pending, error_code;
	uint32_t shadow;
	uint32_t halted;             /* 1: waits for an interrupt (HLT), 2: for SIPI */
	uint32_t nmi_pending;        /* an NMI IPI not yet delivered */
	uint32_t rsvd;
};
_Static_assert(sizeof(struct hvpart_vp_events) == 24, "vp events");

/* The MSRs hv keeps per vCPU (docs/child-platform.md "Processor"); EFER
 * and the FS/GS bases are in struct hvpart_vp_state. */
struct hvpart_vp_msrs {
	uint64_t pat, sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux;
	uint64_t misc_enable, mcg_status;
	uint64_t tsc;                /* the guest's TSC when its time stopped */
	uint64_t mtrr_def_type, mtrr_fixed[11], mtrr_var[16];
};
_Static_assert(sizeof(struct hvpart_vp_msrs) == 41 * 8, "vp msrs");

/* The local APIC (SDM Vol. 3A chapter 11). divide_shift: log2 of the
 * timer's divisor (0-7); timer_left: TSC ticks from the stop to the next
 * expiry (0: not armed), period: ticks per period (periodic mode). */
struct hvpart_lapic_state {
	uint64_t apic_base;
	uint32_t tpr, svr, lvt_timer, init_count, divide_shift, esr, esr_pending;
	uint32_t lvt[5];             /* thermal, performance, LINT0, LINT1, error */
	uint32_t ldr, dfr, icr_low, icr_high;
	uint32_t irr[8], isr[8], auto_eoi[8];
	uint64_t tsc_deadline;       /* IA32_TSC_DEADLINE, in the guest's TSC */
	uint64_t timer_left, period;
};
_Static_assert(sizeof(struct hvpart_lapic_state) == 8 + 16 * 4 + 24 * 4 + 24, "lapic state");

/* Hyper-V's partition MSRs and the vCPU's SynIC (TLFS §3.13,
 * inter-partition-communication.md, timers.md). ref_time: the partition's
 * reference time (100 ns) when its time stopped. */
struct hvpart_stimer_state {
	uint64_t config, count, due;
	uint32_t armed, rsvd;
};
_Static_assert(sizeof(struct hvpart_stimer_state) == 32, "stimer state");
struct hvpart_synic_state {
	uint64_t guest_os_id, hypercall, ref_tsc, vp_assist, crash_p[5];
	uint64_t ref_time;
	uint64_t scontrol, simp, siefp, sint[16];
	struct hvpart_stimer_state timer[4];
};
_Static_assert(sizeof(struct hvpart_synic_state) == 29 * 8 + 4 * 32, "synic state");

struct hvpart_vp_context_body {
	uint32_t magic;              /* HVPART_VP_CONTEXT_MAGIC */
	uint16_t version;            /* HVPART_VP_CONTEXT_VERSION; newer is refused */
	uint16_t arch;               /* HVPART_ARCH_* that exported it (information) */
	uint32_t size;               /* bytes: 4096 + xsave_size */
	uint32_t flags;              /* none defined: 0 */
	struct hvpart_vp_state regs;
	uint64_t cr2, dr[4], dr6, dr7, xcr0;
	struct hvpart_vp_events ev;
	struct hvpart_vp_msrs msr;
	struct hvpart_lapic_state lapic;
	struct hvpart_synic_state synic;
	uint64_t xsave_bv;           /* XSTATE_BV of the area (its header) */
	uint32_t xsave_size, rsvd;   /* bytes of the area in page 1 */
};
struct hvpart_vp_context {
	struct hvpart_vp_context_body b;
	uint8_t rsvd[4096 - sizeof(struct hvpart_vp_context_body)]; /* 0 */
};
_Static_assert(sizeof(struct hvpart_vp_context_body) ==
	       16 + 392 + 64 + 24 + 41 * 8 + 192 + 360 + 16, "vp context layout");
_Static_assert(sizeof(struct hvpart_vp_context) == 4096, "vp context is page 0");

/* GET/SET_VP_CONTEXT input: the parent's own pages (page-aligned GPAs)
 * that receive or hold the context's pages, in order. */
struct hvpart_vp_context_in {
	uint64_t partition_id;
	uint32_t vp_index, npages;
	uint64_t page_gpa[HVPART_VP_CONTEXT_PAGES];
};
_Static_assert(sizeof(struct hvpart_vp_context_in) == 32, "vp context input");

/* HVCALL_HVPART_READ_LOG: input { u64 offset }, output below. */
struct hvpart_log_chunk {
	uint64_t end;                /* total bytes hv has logged */
	uint64_t start;              /* log offset of data[0] */
	uint32_t len, rsvd;
	char data[4096 - 24];
};
_Static_assert(sizeof(struct hvpart_log_chunk) == 4096, "log chunk is a page");
#endif
