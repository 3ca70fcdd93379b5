/* VMCS field encodings, control bits and exit reasons
 * (SDM Vol. 3D Appendix B "Field Encoding in VMCS", Appendix C
 * "VMX Basic Exit Reasons", and Vol. 3C Chapter 25 "VM-Execution Controls"). */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H
#include <stdint.h>

/* 16-bit fields */
#define VMCS_VPID                 0x0000
#define VMCS_GUEST_ES_SEL         0x0800
#define VMCS_GUEST_CS_SEL         0x0802
#define VMCS_GUEST_SS_SEL         0x0804
#define VMCS_GUEST_DS_SEL         0x0806
#define VMCS_GUEST_FS_SEL         0x0808
#define VMCS_GUEST_GS_SEL         0x080a
#define VMCS_GUEST_LDTR_SEL       0x080c
#define VMCS_GUEST_TR_SEL         0x080e
#define VMCS_HOST_ES_SEL          0x0c00
#define VMCS_HOST_CS_SEL          0x0c02
#define VMCS_HOST_SS_SEL          0x0c04
#define VMCS_HOST_DS_SEL          0x0c06
#define VMCS_HOST_FS_SEL          0x0c08
#define VMCS_HOST_GS_SEL          0x0c0a
#define VMCS_HOST_TR_SEL          0x0c0c
/* 64-bit fields */
#define VMCS_IO_BITMAP_A          0x2000
#define VMCS_IO_BITMAP_B          0x2002
#define VMCS_MSR_BITMAP           0x2004
#define VMCS_TSC_OFFSET           0x2010
#define VMCS_APIC_ACCESS_ADDR     0x2014
#define VMCS_EPT_POINTER          0x201a
#define VMCS_GUEST_PHYS_ADDR      0x2400
#define VMCS_LINK_POINTER         0x2800
#define VMCS_GUEST_DEBUGCTL       0x2802
#define VMCS_GUEST_PAT            0x2804
#define VMCS_GUEST_EFER           0x2806
#define VMCS_GUEST_PDPTE0         0x280a
#define VMCS_HOST_PAT             0x2c00
#define VMCS_HOST_EFER            0x2c02
/* 32-bit fields */
#define VMCS_PIN_CTLS             0x4000
#define VMCS_PROC_CTLS            0x4002
#define VMCS_EXCEPTION_BITMAP     0x4004
#define VMCS_CR3_TARGET_COUNT     0x400a
#define VMCS_EXIT_CTLS            0x400c
#define VMCS_EXIT_MSR_STORE_COUNT 0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT  0x4010
#define VMCS_ENTRY_CTLS           0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT 0x4014
#define VMCS_ENTRY_INTR_INFO      0x4016
#define VMCS_ENTRY_EXC_ERROR      0x4018
#define VMCS_ENTRY_INSN_LEN       0x401a
#define VMCS_PROC_CTLS2           0x401e
#define VMCS_INSN_ERROR           0x4400
#define VMCS_EXIT_REASON          0x4402
#define VMCS_EXIT_INTR_INFO       0x4404
#define VMCS_EXIT_INTR_ERROR      0x4406
#define VMCS_IDT_VECTORING_INFO   0x4408
#define VMCS_IDT_VECTORING_ERROR  0x440a
#define VMCS_EXIT_INSN_LEN        0x440c
#define VMCS_EXIT_INSN_INFO       0x440e
#define VMCS_GUEST_ES_LIMIT       0x4800
#define VMCS_GUEST_CS_LIMIT       0x4802
#define VMCS_GUEST_SS_LIMIT       0x4804
#define VMCS_GUEST_DS_LIMIT       0x4806
#define VMCS_GUEST_FS_LIMIT       0x4808
#define VMCS_GUEST_GS_LIMIT       0x480a
#define VMCS_GUEST_LDTR_LIMIT     0x480c
#define VMCS_GUEST_TR_LIMIT       0x480e
#define VMCS_GUEST_GDTR_LIMIT     0x4810
#define VMCS_GUEST_IDTR_LIMIT     0x4812
#define VMCS_GUEST_ES_AR          0x4814
#define VMCS_GUEST_CS_AR          0x4816
#define VMCS_GUEST_SS_AR          0x4818
#define VMCS_GUEST_DS_AR          0x481a
#define VMCS_GUEST_FS_AR          0x481c
#define VMCS_GUEST_GS_AR          0x481e
#define VMCS_GUEST_LDTR_AR        0x4820
#define VMCS_GUEST_TR_AR          0x4822
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY_STATE 0x4826
#define VMCS_GUEST_SYSENTER_CS    0x482a
#define VMCS_PREEMPTION_TIMER     0x482e
#define VMCS_HOST_SYSENTER_CS     0x4c00
/* natural-width fields */
#define VMCS_CR0_MASK             0x6000
#define VMCS_CR4_MASK             0x6002
#define VMCS_CR0_SHADOW           0x6004
#define VMCS_CR4_SHADOW           0x6006
#define VMCS_EXIT_QUALIFICATION   0x6400
#define VMCS_GUEST_LINEAR_ADDR    0x640a
#define VMCS_GUEST_CR0            0x6800
#define VMCS_GUEST_CR3            0x6802
#define VMCS_GUEST_CR4            0x6804
#define VMCS_GUEST_ES_BASE        0x6806
#define VMCS_GUEST_CS_BASE        0x6808
#define VMCS_GUEST_SS_BASE        0x680a
#define VMCS_GUEST_DS_BASE        0x680c
#define VMCS_GUEST_FS_BASE        0x680e
#define VMCS_GUEST_GS_BASE        0x6810
#define VMCS_GUEST_LDTR_BASE      0x6812
#define VMCS_GUEST_TR_BASE        0x6814
#define VMCS_GUEST_GDTR_BASE      0x6816
#define VMCS_GUEST_IDTR_BASE      0x6818
#define VMCS_GUEST_DR7            0x681a
#define VMCS_GUEST_RSP            0x681c
#define VMCS_GUEST_RIP            0x681e
#define VMCS_GUEST_RFLAGS         0x6820
#define VMCS_GUEST_PENDING_DBG    0x6822
#define VMCS_GUEST_SYSENTER_ESP   0x6824
#define VMCS_GUEST_SYSENTER_EIP   0x6826
#define VMCS_HOST_CR0             0x6c00
#define VMCS_HOST_CR3             0x6c02
#define VMCS_HOST_CR4             0x6c04
#define VMCS_HOST_FS_BASE         0x6c06
#define VMCS_HOST_GS_BASE         0x6c08
#define VMCS_HOST_TR_BASE         0x6c0a
#define VMCS_HOST_GDTR_BASE       0x6c0c
#define VMCS_HOST_IDTR_BASE       0x6c0e
#define VMCS_HOST_SYSENTER_ESP    0x6c10
#define VMCS_HOST_SYSENTER_EIP    0x6c12
#define VMCS_HOST_RSP             0x6c14
#define VMCS_HOST_RIP             0x6c16

/* Capability MSRs (SDM Vol. 3D Appendix A). */
#define MSR_VMX_BASIC             0x480
#define MSR_VMX_PINBASED          0x481
#define MSR_VMX_PROCBASED         0x482
#define MSR_VMX_EXIT              0x483
#define MSR_VMX_ENTRY             0x484
#define MSR_VMX_MISC              0x485
#define MSR_VMX_CR0_FIXED0        0x486
#define MSR_VMX_CR0_FIXED1        0x487
#define MSR_VMX_CR4_FIXED0        0x488
#define MSR_VMX_CR4_FIXED1        0x489
#define MSR_VMX_PROCBASED2        0x48b
#define MSR_VMX_EPT_VPID_CAP      0x48c
#define MSR_VMX_TRUE_PINBASED     0x48d
#define MSR_VMX_TRUE_PROCBASED    0x48e
#define MSR_VMX_TRUE_EXIT         0x48f
#define MSR_VMX_TRUE_ENTRY        0x490
#define VMX_BASIC_TRUE_CTLS       (1ull << 55)

/* Pin-based controls (SDM Vol. 3C §25.6.1). */
#define PIN_EXT_INTR_EXIT         (1u << 0)
#define PIN_NMI_EXIT              (1u << 3)
#define PIN_PREEMPT_TIMER         (1u << 6)
/* Primary processor-based controls (§25.6.2, Table 25-6). */
#define PROC_INTR_WINDOW_EXIT     (1u << 2)
#define PROC_USE_TSC_OFFSET       (1u << 3)
#define PROC_HLT_EXIT             (1u << 7)
#define PROC_PAUSE_EXIT           (1u << 30)
#define PROC_CR3_LOAD_EXIT        (1u << 15)
#define PROC_CR3_STORE_EXIT       (1u << 16)
#define PROC_UNCOND_IO_EXIT       (1u << 24)
#define PROC_USE_IO_BITMAPS       (1u << 25)
#define PROC_USE_MSR_BITMAPS      (1u << 28)
#define PROC_SECONDARY            (1u << 31)
/* Secondary processor-based controls (Table 25-7). */
#define PROC2_VIRT_APIC_ACCESS    (1u << 0)
#define PROC2_EPT                 (1u << 1)
#define PROC2_RDTSCP              (1u << 3)
#define PROC2_VPID                (1u << 5)
#define PROC2_UNRESTRICTED        (1u << 7)
#define PROC2_INVPCID             (1u << 12)
#define PROC2_XSAVES              (1u << 20)
/* VM-exit controls (§25.7.1). */
#define EXIT_SAVE_DEBUG           (1u << 2)
#define EXIT_HOST_ADDR64          (1u << 9)
#define EXIT_SAVE_PAT             (1u << 18)
#define EXIT_LOAD_PAT             (1u << 19)
#define EXIT_SAVE_EFER            (1u << 20)
#define EXIT_LOAD_EFER            (1u << 21)
#define EXIT_SAVE_PREEMPT_TIMER   (1u << 22)
/* VM-entry controls (§25.8.1). */
#define ENTRY_LOAD_DEBUG          (1u << 2)
#define ENTRY_IA32E_GUEST         (1u << 9)
#define ENTRY_LOAD_PAT            (1u << 14)
#define ENTRY_LOAD_EFER           (1u << 15)

/* EPT/VPID capabilities (Appendix A.10). */
#define EPT_CAP_WALK4             (1ull << 6)
#define EPT_CAP_WB                (1ull << 14)
#define EPT_CAP_2M                (1ull << 16)
#define EPT_CAP_1G                (1ull << 17)
#define EPT_CAP_INVEPT            (1ull << 20)
#define EPT_CAP_INVVPID           (1ull << 32)
#define EPT_CAP_INVVPID_SINGLE    (1ull << 41)	/* single-context type */
#define EPT_CAP_INVVPID_ALL       (1ull << 42)	/* all-context type */
#define VMX_MISC_ACT_HLT          (1ull << 6)

/* Basic exit reasons (Appendix C). */
enum vmx_exit_reason {
	VMX_EXIT_EXCEPTION = 0,
	VMX_EXIT_EXT_INTR = 1,
	VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3,
	VMX_EXIT_SIPI = 4,
	VMX_EXIT_INTR_WINDOW = 7,
	VMX_EXIT_TASK_SWITCH = 9,
	VMX_EXIT_CPUID = 10,
	VMX_EXIT_GETSEC = 11,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_INVD = 13,
	VMX_EXIT_INVLPG = 14,
	VMX_EXIT_RDPMC = 15,
	VMX_EXIT_RDTSC = 16,
	VMX_EXIT_VMCALL = 18,
	VMX_EXIT_VMCLEAR = 19,
	VMX_EXIT_VMLAUNCH = 20,
	VMX_EXIT_VMPTRLD = 21,
	VMX_EXIT_VMPTRST = 22,
	VMX_EXIT_VMREAD = 23,
	VMX_EXIT_VMRESUME = 24,
	VMX_EXIT_VMWRITE = 25,
	VMX_EXIT_VMXOFF = 26,
	VMX_EXIT_VMXON = 27,
	VMX_EXIT_CR_ACCESS = 28,
	VMX_EXIT_DR_ACCESS = 29,
	VMX_EXIT_IO = 30,
	VMX_EXIT_RDMSR = 31,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_ENTRY_FAIL_GUEST = 33,
	VMX_EXIT_ENTRY_FAIL_MSR = 34,
	VMX_EXIT_MWAIT = 36,
	VMX_EXIT_MTF = 37,
	VMX_EXIT_MONITOR = 39,
	VMX_EXIT_PAUSE = 40,
	VMX_EXIT_MCE_DURING_ENTRY = 41,
	VMX_EXIT_TPR_BELOW = 43,
	VMX_EXIT_APIC_ACCESS = 44,
	VMX_EXIT_GDTR_IDTR = 46,
	VMX_EXIT_LDTR_TR = 47,
	VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49,
	VMX_EXIT_INVEPT = 50,
	VMX_EXIT_RDTSCP = 51,
	VMX_EXIT_PREEMPT_TIMER = 52,
	VMX_EXIT_INVVPID = 53,
	VMX_EXIT_WBINVD = 54,
	VMX_EXIT_XSETBV = 55,
	VMX_EXIT_INVPCID = 58,
	VMX_EXIT_VMFUNC = 59,
	VMX_EXIT_XSAVES = 63,
	VMX_EXIT_XRSTORS = 64,
	VMX_EXIT_MAX = 70,
};
#define VMX_EXIT_REASON_BASIC(r)  ((r) & 0xffff)
#define VMX_EXIT_REASON_FAILED    (1u << 31)

/* EPT-violation exit qualification (SDM Vol. 3C Table 28-7). */
#define EPTV_READ                 (1ull << 0)
#define EPTV_WRITE                (1ull << 1)
#define EPTV_FETCH                (1ull << 2)
#define EPTV_GLA_VALID            (1ull << 7)
/* Exit qualification for APIC-access VM exits (Table 28-6): the page
 * offset (bits 11:0) and the access type (bits 15:12); types 0 and 1 are
 * a linear read or write during instruction execution. */
#define APICQ_OFFSET(q)           ((uint16_t)((q) & 0xfff))
#define APICQ_TYPE(q)             ((unsigned)((q) >> 12) & 0xf)
#define APICQ_LINEAR_READ         0
#define APICQ_LINEAR_WRITE        1

/* I/O exit qualification (Table 28-5). */
#define IOQ_SIZE(q)               ((unsigned)((q) & 7) + 1)
#define IOQ_IN                    (1ull << 3)
#define IOQ_STRING                (1ull << 4)
#define IOQ_REP                   (1ull << 5)
#define IOQ_PORT(q)               ((uint16_t)((q) >> 16))

/* Guest segment access rights (SDM Vol. 3C §25.4.1, Table 25-2). */
#define AR_UNUSABLE               (1u << 16)
#endif
