/*
 * Vendor-neutral view of partitions and virtual processors, and the
 * generic handlers a backend calls on VM exits. Generic code (partitions,
 * hypercalls, CPUID/MSR/I/O policy, scheduling) uses this header and the
 * arch interface (hv/arch.h); the VT-x backend (hv/arch/x86/vmx/)
 * implements the arch_* hooks, so an SVM backend can sit beside it.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hv/abi/hvpart_abi.h>
#include <hv/arch.h>
#include <hv/percpu.h>
#include <hv/smp.h>
#include <hv/mm/ept.h>
#include "hv/synic/hvport.h"
#include "hv/synic/reftime.h"
#include "hv/synic/synvp.h"
#include <hv/trace.h>

/* GPR indices follow the x86 register encoding (SDM Vol. 2 Table 2-2),
 * so exit qualifications that name a register index gpr[] directly. */
enum { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
       GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15 };

struct partition;

/* Virtual local APIC of a child: one state behind the x2APIC MSRs and
 * the xAPIC page (SDM Vol. 3A chapter 11, hv/core/vlapic.c). */
#define VLAPIC_NLVT 5                /* thermal, perf, LINT0, LINT1, error */
#define VLAPIC_EOI_SITES 4
struct vlapic {
	uint32_t tpr, svr, lvt_timer, init_count, divide_shift, esr;
	uint32_t esr_pending;        /* errors since the last ESR write (§11.5.3) */
	uint32_t lvt[VLAPIC_NLVT];   /* registers 0x33-0x37 */
	uint32_t ldr, dfr;           /* xAPIC logical destination, format */
	uint32_t icr_low, icr_high;  /* ICR as last written (delivery status 0) */
	bool nmi_pending;            /* an NMI IPI to deliver */
	uint64_t tsc_deadline;       /* IA32_TSC_DEADLINE as written */
	uint64_t fire_tsc;           /* next timer expiry, 0 = not armed */
	uint64_t period;             /* periodic mode: ticks per period */
	uint32_t irr[8], isr[8];     /* 256-bit request and in-service sets */
	uint32_t auto_eoi[8];        /* requested vectors a SynIC raised with AutoEOI */
	uint64_t timer_fired;
	uint64_t apic_base;          /* IA32_APIC_BASE */
	/* The last EOI writes hv decoded as 32-bit MOV stores (hv/core/mmio.c,
	 * eoi_site): their RIPs and lengths (0 = free), replaced in turn. */
	uint64_t eoi_site_rip[VLAPIC_EOI_SITES];
	uint8_t eoi_site_len[VLAPIC_EOI_SITES];
	uint8_t eoi_site_next;
};

/* VCPU_WAIT_SIPI: an application processor after power-up or INIT,
 * until a STARTUP IPI (SDM Vol. 3A §8.4.1, "wait-for-SIPI"). */
enum vcpu_run { VCPU_RUNNABLE, VCPU_HALTED, VCPU_BLOCKED, VCPU_WAIT_SIPI };

/* MSRs hv keeps for a vCPU (hv/core/msr.c, hv/core/mtrr.c). */
#define MTRR_VAR_COUNT 8
#define MSR_SWITCHED 5               /* STAR LSTAR SFMASK KERNEL_GS_BASE TSC_AUX */
struct vcpu_msrs {
	uint64_t tsc_adjust;         /* IA32_TSC_ADJUST = guest TSC - host TSC */
	uint64_t misc_enable;
	uint64_t mcg_status;
	uint64_t cstar;              /* unused by Intel CPUs: kept, not loaded */
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[11];
	uint64_t mtrr_var[2 * MTRR_VAR_COUNT]; /* PHYSBASEn, PHYSMASKn */
	uint64_t switched[MSR_SWITCHED];       /* while another vCPU runs */
};

struct vcpu {
	uint64_t gpr[16];      /* [GPR_RSP] unused: the backend keeps RSP */
	struct arch_vcpu arch; /* the backend's; at offset 128 (arch_types.h) */
	struct partition *part;
	uint64_t exits[HVPART_EXIT_KINDS];
	uint64_t exits_total;
	uint32_t index;
	enum vcpu_run run;
	uint32_t last_exit;          /* basic exit reason of the last exit */
	bool notify_pending;         /* parent: HVPART_NOTIFY_VECTOR to inject */
	struct vlapic lapic;         /* children */
	struct hvpart_intercept icpt; /* valid while run == VCPU_BLOCKED */
	bool icpt_taken;             /* the parent has fetched icpt */
	bool icpt_done;              /* completed: apply at the next entry */
	bool yield;                  /* give up the CPU after this exit */
	struct vcpu *yield_to;       /* to this sibling (a PAUSE, sched.c yielded_to) */
	uint32_t icpt_result;
	/* The intercept is one element of an INS/OUTS (hv/core/io_string.c),
	 * icpt_insn the instruction decoded at the exit. */
	bool icpt_string;
	struct insn_mem icpt_insn;
	uint64_t slice_end;          /* TSC at which this turn ends, 0 = none */
	uint64_t kept_left;          /* ticks of a turn the parent took (kept_turn) */
	bool woke;                   /* ready from HLT, not entered since (sched.c woken_child) */
	/* Halted with RFLAGS.IF clear: a maskable interrupt does not resume
	 * it, only an NMI (or INIT) does (SDM Vol. 2A, HLT). Linux stops
	 * its other CPUs so (stop_this_cpu). Kept at the HLT, as a halted
	 * vCPU's RFLAGS cannot change and, on VT-x, only the current
	 * vCPU's can be read. */
	bool halt_masked;
	uint64_t entered_tsc;        /* its last entry, 0 = not in the guest */
	uint64_t run_ticks;          /* in the guest, in all */
	uint64_t period_used;        /* in the guest, this accounting period */
	bool timer_dirty;            /* the backend's timer holds a short value */
	/* This exit moved no child's timer or state (a VMBus call, the
	 * parent's HLT): the earliest child timer stays (sched.c). */
	bool exit_quiet;
	struct synvp synic;          /* hv/core/synic.c */
	uint64_t vp_assist_msr;      /* stored only (no enlightenment behind it) */
	uint32_t synic_irr[8];       /* parent: SINT vectors to inject (no vLAPIC) */
	uint8_t synic_irr_words;     /* bit w: synic_irr[w] != 0 (synic_parent_vector) */
	struct vcpu_msrs msrs;       /* children; the parent's only `switched` */
	uint64_t xcr0;               /* the guest's XCR0 (hv/core/xstate.c) */
	void *xsave_area;            /* its extended state while not loaded: a
	                              * page of hv's pool, 64-byte aligned */
	/* How it starts (StartPartition): an AP waits for SIPI unless the
	 * parent gave it a state; an imported context says (HLT, SIPI). */
	enum vcpu_run start_run;
	/* Processors (hv/core/smp_run.c): the CPU it runs on, the CPU whose
	 * registers hold its hardware state (VT-x: where its VMCS is active;
	 * SMP_NO_CPU: none), and another CPU's claim on that state. */
	uint32_t cpu;
	bool answered;               /* an AP's: the parent answered its port access */
	volatile uint32_t loaded_cpu;
	volatile bool claimed, release_req;
	/* Its run_ticks at the last look by load (smp_balance_load), and
	 * the TSC of its last move (0: never). */
	uint64_t bal_run, bal_moved;
	/* A STARTUP IPI from a vCPU on another CPU: 0x100 | vector, applied
	 * by its own CPU (hv/core/ipi.c). */
	uint16_t sipi_pending;
};
#define SMP_NO_CPU 0xffffffffu

/* Hyper-V 2008 R2 gives a child up to four virtual processors. */
#define PARTITION_MAX_VCPUS 4
#define MAX_PARTITIONS 16
#define GPA_CACHE_ENTRIES 4   /* a power of two */

/* One page's translation through the partition's EPT, as ept_lookup gave
 * it while the EPT's generation was gen (tag: the GPA's page number + 1,
 * 0 = empty). */
struct gpa_cache_entry {
	uint64_t tag, hpa, perms, gen;
};

/* A live memory capture (hv/core/capture.c; docs/hypercalls.md "Memory
 * capture"). bitmap: one bit per guest page below max_gpa, set while the
 * page is write-protected and not yet captured; its pages come from
 * hv's pool. entries: a pool page of struct hvpart_capture_entry, the
 * first `used` filled (stash page and the guest page it holds), the rest
 * the free stash pages. */
#define CAPTURE_BITMAP_PAGES 64      /* 64 x 32,768 pages: 8 GiB */
/* rmap: the pages the parent had mapped at START (host page -> guest
 * page, open addressing, 512 slots a pool page, at most half of them
 * used): 8,192 pages, 32 MiB of ring and device buffers. */
#define CAPTURE_RMAP_PAGES 32
struct capture {
	bool active;
	bool failed;                 /* hv gave it up (TAKE and DRAIN say so) */
	bool wait;                   /* a vCPU waits for stash room (DRAIN) */
	uint32_t nstash, used, listed;
	uint64_t pages, left;        /* bits in the bitmap; bits still set */
	uint64_t entries_pa;
	uint64_t bitmap_pa[CAPTURE_BITMAP_PAGES];
	struct partition *parent;    /* START's caller, whose mappings it protects */
	unsigned rmap_bits;          /* log2 of the rmap's slots; 0: no rmap */
	uint64_t rmap_pa[CAPTURE_RMAP_PAGES];
	struct hvpart_capture_stats st;
};

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
	/* Children: where the EPT maps the backend's APIC-access page (the
	 * xAPIC base at start, above max_gpa), 0 = not mapped. */
	uint64_t apic_page_gpa;
	/* partition_gpa_ptr's last translations, by page number: a VMBus
	 * round trip reaches the same few pages (hypercall input, SIM, SIEF)
	 * four times, and each EPT walk cost some 200 ticks. */
	struct gpa_cache_entry gpa_cache[GPA_CACHE_ENTRIES];
	uint64_t reclaim_gpa;        /* DeletePartition: pages returned below */
	bool deleting;               /* DeletePartition has begun (no new GPADL maps) */
	uint64_t start_tsc, stop_tsc;
	/* Its share of the CPU (HvpartSetScheduling, hv/core/sched.c). */
	uint32_t weight;
	uint16_t reserve_pct, max_pct;
	uint32_t exit_code;
	bool has_exit_code;
	uint64_t icpt_seq;
	/* SynIC (hv/core/synic.c): the partition as the port layer sees it,
	 * its message buffers' pages from hv's pool, and reference time. */
	struct synic_partition synic;
	struct synvp *synic_vps[PARTITION_MAX_VCPUS];
	uint64_t synic_pages[18];    /* physical addresses, 0 = none */
	struct reftime reftime;      /* scale 0: not yet known (no TSC rate) */
	uint64_t create_tsc;         /* reference time 0 */
	uint64_t ref_tsc_msr;
	uint32_t ref_tsc_seq;
	uint64_t crash_p[5];         /* HV_MSR_CRASH_P0..P4 (children) */
	/* SuspendPartition (hv/core/vpctx.c): the child stays RUNNING but
	 * is not scheduled, and its time stands still from freeze_tsc (also
	 * set by an imported context until StartPartition). */
	bool suspended;
	uint64_t freeze_tsc;         /* host TSC at which its time stopped, 0 none */
	struct capture cap;
	uint64_t gpadl_pages;        /* its pages the parent maps (hv/core/gpadl.c) */
};

/* Generic exit handlers (hv/core), called by the backend's exit
 * dispatch with v's state loaded. Each returns nothing: a guest-caused
 * error stops the partition (partition_stop) and never panics hv. Each
 * steps past the instruction itself when it completes it. */
void hv_handle_cpuid(struct vcpu *v);
void hv_handle_rdmsr(struct vcpu *v);
void hv_handle_wrmsr(struct vcpu *v);
void hv_handle_hypercall(struct vcpu *v);
void hv_handle_hlt(struct vcpu *v);
void hv_complete_hlt(struct vcpu *v);   /* RIP already past the HLT */
/* PAUSE (a spin-wait loop): give the turn to a sibling vCPU. */
void hv_handle_pause(struct vcpu *v);
/* The same, before hv's lock is taken: true if the PAUSE was skipped and
 * v goes back to its guest at once (nothing for hv to do). */
bool sched_pause_quick(struct vcpu *v);
void hv_handle_xsetbv(struct vcpu *v);
void xstate_follow_xcr0(struct vcpu *v);

/* A port access (hv/core/io.c): IN or OUT of size 1, 2 or 4 bytes. */
struct hv_io_access {
	uint16_t port;
	uint8_t size;
	bool in;
	bool string;                 /* INS/OUTS (hv/core/io_string.c) */
};
void hv_handle_io(struct vcpu *v, const struct hv_io_access *a);

/* A guest-physical access the partition's EPT does not allow
 * (hv/core/mmio.c). detail: the backend's raw description (VT-x: the
 * exit qualification), for the log only. */
struct hv_gpa_fault {
	uint64_t gpa;
	uint64_t detail;
	bool read, write, fetch;
};
void hv_handle_gpa_fault(struct vcpu *v, const struct hv_gpa_fault *f);
/* Live memory capture (hv/core/capture.c). A guest's write fault that
 * the capture explains (a page to capture first, or a translation the
 * capture made writable that the TLB still held read-only): handled,
 * true. Before hv writes a child's page: the page is captured first. */
bool capture_write_fault(struct vcpu *v, uint64_t gpa);
void capture_before_hv_write(struct partition *p, uint64_t gpa);
/* The parent's write fault at pa that a capture explains (a child's page
 * it maps, protected at START): handled, true. */
bool capture_parent_write(struct vcpu *v, uint64_t pa);
/* MAP_GPADL_PAGES of a child under capture: its pages captured first;
 * HV_STATUS_INSUFFICIENT_BUFFERS when the stash cannot take them. */
uint16_t capture_before_map(struct partition *p, const uint64_t *gpfn, uint32_t n);
/* The partition's capture ended and its pages given back (delete). */
void capture_discard(struct partition *p);
/* An access to a child's APIC page the CPU reported as one (VT-x's
 * APIC-access page, arch_apic_access_page), before it happened: the page
 * offset, a read or write by an instruction or anything else (a fetch,
 * event delivery, a page walk), the instruction's length as the CPU
 * reported it (a hint, 0 if none) and the backend's qualification. */
struct hv_apic_access {
	uint16_t offset;
	enum { HV_APIC_READ, HV_APIC_WRITE, HV_APIC_OTHER } kind;
	uint8_t insn_len;
	uint64_t detail;
};
void hv_handle_apic_access(struct vcpu *v, const struct hv_apic_access *a);

void partition_stop(struct partition *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Pointer to guest memory [gpa, gpa+len) if the partition may access it
 * (EPT readable, and writable when write is set) and it does not cross a
 * page; NULL otherwise. hv identity-maps physical memory. */
void *partition_gpa_ptr(struct partition *p, uint64_t gpa, size_t len, bool write);
/* Every partition slot, indexed by ID (hv/core/partition.c). */
extern struct partition partition_table[MAX_PARTITIONS];
/* Bit id set while partition_table[id] holds a child (in use, not the
 * parent): the scheduler's scans on every entry visit these only. */
extern uint32_t partition_children;
_Static_assert(MAX_PARTITIONS <= 32, "partition_children holds a bit per partition");
/* Inline: the scheduler looks partitions up on every switch. */
static inline struct partition *partition_by_id(uint64_t id)
{
	return id < MAX_PARTITIONS && partition_table[id].in_use ? &partition_table[id] : NULL;
}
/* A child partition by ID (the parent's calls name children only). */
static inline struct partition *partition_child_by_id(uint64_t id)
{
	struct partition *p = partition_by_id(id);

	return p && !p->privileged ? p : NULL;
}
uint32_t partition_count(void);

/* Scheduler (hv/core/sched.c). sched_next picks the vCPU to run after an
 * exit (never NULL: halts the machine if none is left). */
struct vcpu *sched_next(struct vcpu *cur);
/* On an AP with nothing loaded yet: a ready vCPU of its own, or NULL. */
struct vcpu *sched_first_here(void);
/* The parent's vCPU on this CPU, and asking it to look at hv's messages. */
static inline struct vcpu *sched_parent(void)
{
	return this_cpu()->parent;
}
void sched_notify_parent(void);
/* TSC ticks the next entry of v may run before hv must look again
 * (time slice, or the earliest child timer while the parent idles). */
uint64_t sched_budget(struct vcpu *v);
void sched_set_parent(struct vcpu *v);
void sched_set_tsc_hz(uint64_t hz);
void sched_child_started(struct partition *p);
void sched_child_stopped(struct partition *p);
/* A child's timer may have moved (its vLAPIC timer fired, a synthetic
 * timer was polled): the kept earliest child timer is worked out again. */
void sched_timers_changed(void);
extern uint64_t hv_tsc_hz;

/* The exit path, for the backend: count the exit (kind: enum
 * hvpart_exit_kind) before handling it ... */
static inline void sched_count_exit(struct vcpu *v, uint32_t reason, unsigned kind)
{
	trace_event(v, TRACE_EXIT, reason);
	v->exits_total++;
	v->last_exit = reason;
	v->exits[kind]++;
	/* Any exit but its HLT shows the parent busy. */
	if (v->part->privileged && kind != HVPART_EXIT_HLT)
		v->run = VCPU_RUNNABLE;
}
/* ... then pick who runs next, load it and prepare its entry; t0 is the
 * TSC at the exit, for the switch statistics. */
struct vcpu *sched_finish_exit(struct vcpu *v, uint64_t t0);
/* The same without statistics (after a failed entry). */
struct vcpu *sched_switch(struct vcpu *v);
/* Before every entry of v: finish a completed intercept, deliver a
 * pending interrupt, arm the backend's timer. */
void sched_prepare_entry(struct vcpu *v);
/* A physical interrupt arrived while v ran: the parent takes it. */
void sched_yield_to_parent(struct vcpu *v);
/* A physical interrupt the backend accepted itself (vec): the parent's,
 * as if hv's look had taken it. */
void sched_parent_irq_taken(int vec);
/* The backend's timer fired in v: its turn is over, or it is time for
 * hv's look at the parent's interrupts (hv/core/sched.c). */
void sched_yield(struct vcpu *v);

/* Extended state and XCR0 (hv/core/xstate.c). xstate_init at boot, before
 * any vCPU exists (it sets CR4.OSXSAVE, which VMCS host state copies);
 * xstate_vcpu_init gives a vCPU its area (0, or -1: hv's pool is empty);
 * xstate_load makes v's state the registers' before v enters;
 * xstate_cpuid fixes the XSAVE-related CPUID leaves 1, 7 and 0xD. */
void xstate_init(void);
void xstate_init_ap(void);
int xstate_vcpu_init(struct vcpu *v);
void xstate_vcpu_free(struct vcpu *v);
void xstate_switch(struct vcpu *v);
void xstate_release(struct vcpu *v);
/* Inline: every entry checks, few switch. */
static inline void xstate_load(struct vcpu *v)
{
	if (this_cpu()->xstate_owner != v)
		xstate_switch(v);
}
void xstate_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* The vCPU context's XSAVE area (hv/core/vpctx.c): v's area and XCR0 out
 * (size bytes, standard format); whether an area and XCR0 would load
 * without a fault (0, or -EINVAL); and in. v is not loaded. */
uint32_t xstate_ctx_get(struct vcpu *v, void *dst, uint64_t *xcr0);
int xstate_ctx_check(const void *area, uint32_t size, uint64_t xcr0);
void xstate_ctx_set(struct vcpu *v, const void *area, uint32_t size, uint64_t xcr0);

/* Virtual LAPIC (hv/core/vlapic.c). */
void vlapic_reset(struct vlapic *l);
void vlapic_reset_firmware(struct vlapic *l, bool bsp);   /* a child's start state */
int vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);  /* -1: not an APIC MSR */
int vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);   /* -1 not APIC, -2 #GP */
/* Fire v's timer if it is due at now: asked before every entry of a
 * child, where it mostly is not, so that test is inline. */
void vlapic_fire_timer(struct vcpu *v, uint64_t now);
static inline void vlapic_poll_timer(struct vcpu *v, uint64_t now)
{
	if (v->lapic.fire_tsc && now >= v->lapic.fire_tsc)
		vlapic_fire_timer(v, now);
}
int vlapic_pending_vector(struct vcpu *v);                      /* -1 if none */
void vlapic_accept(struct vcpu *v, int vector);                 /* IRR -> ISR */
void vlapic_raise(struct vcpu *v, uint8_t vector, bool auto_eoi); /* SynIC */
uint64_t vlapic_next_fire(const struct vcpu *v);                /* 0 if none */
void vlapic_tsc_moved(struct vcpu *v);    /* the guest's TSC offset changed */
bool vlapic_enabled(const struct vcpu *v); /* IA32_APIC_BASE.EN */
/* An NMI waits for delivery; vlapic_nmi_taken when it was injected.
 * Asked before every entry of a child: inline. */
static inline bool vlapic_nmi_pending(const struct vcpu *v)
{
	return v->lapic.nmi_pending && vlapic_enabled(v);
}
void vlapic_nmi_taken(struct vcpu *v);
/* IPIs (hv/core/ipi.c): whether v is a destination of the ICR value icr
 * (physical or logical), a send error on v, INIT's APIC reset; ipi_send
 * delivers an ICR write to the partition's vCPUs. */
bool vlapic_ipi_match(struct vcpu *v, uint64_t icr, bool x2);
void vlapic_send_illegal(struct vcpu *v);
void vlapic_init_reset(struct vcpu *v);
void ipi_send(struct vcpu *src, uint64_t icr, bool x2);
/* A STARTUP another CPU's vCPU sent v (v->sipi_pending), on v's CPU. */
void ipi_take_sipi(struct vcpu *v);
/* The vLAPIC in a vCPU context: out relative to host TSC now, checked,
 * and in (hv/core/vlapic_ctx.c). */
struct hvpart_lapic_state;
void vlapic_ctx_get(const struct vcpu *v, struct hvpart_lapic_state *s, uint64_t now);
int vlapic_ctx_check(const struct hvpart_lapic_state *s);
void vlapic_ctx_set(struct vcpu *v, const struct hvpart_lapic_state *s, uint64_t now);
/* Time stood still for delta ticks: timers move out by as much. */
void vlapic_time_shift(struct vcpu *v, uint64_t delta);
#endif
