/*
 * The VMCB and the other SVM hardware formats (AMD APM Vol. 2 Chapter 15
 * "Secure Virtual Machine"; the layout is Appendix B "Layout of VMCB":
 * Table B-1 control area, Table B-2 state-save area). One header, each
 * structure with _Static_asserts on its size and on the offsets the APM
 * fixes, bit fields through the masks below.
 */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H
#include <stddef.h>
#include <stdint.h>

/* A segment in the state-save area: attributes packed into 12 bits
 * (type, S, DPL, P in 7:0; AVL, L, D/B, G in 11:8), APM Vol. 2 §15.5.1. */
struct vmcb_seg {
	uint16_t sel;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment");

/* Control area, VMCB offsets 000h-3FFh (Table B-1). */
struct vmcb_control {
	uint32_t intercept_cr;        /* 000h: 15:0 reads, 31:16 writes */
	uint32_t intercept_dr;        /* 004h */
	uint32_t intercept_exc;       /* 008h: one bit per exception vector */
	uint32_t intercept1;          /* 00Ch: SVM_I1_* */
	uint32_t intercept2;          /* 010h: SVM_I2_* */
	uint32_t intercept3;          /* 014h */
	uint8_t rsvd0[0x03c - 0x018];
	uint16_t pause_thresh;        /* 03Ch */
	uint16_t pause_count;         /* 03Eh */
	uint64_t iopm_pa;             /* 040h */
	uint64_t msrpm_pa;            /* 048h */
	uint64_t tsc_offset;          /* 050h */
	uint32_t asid;                /* 058h */
	uint8_t tlb_control;          /* 05Ch: SVM_TLB_* */
	uint8_t rsvd1[3];
	uint64_t vintr;               /* 060h: V_TPR, V_IRQ, V_INTR_* */
	uint64_t int_state;           /* 068h: bit 0 interrupt shadow */
	uint64_t exitcode;            /* 070h */
	uint64_t exitinfo1;           /* 078h */
	uint64_t exitinfo2;           /* 080h */
	uint64_t exitintinfo;         /* 088h */
	uint64_t np_ctl;              /* 090h: bit 0 NP_ENABLE */
	uint64_t avic_apic_bar;       /* 098h */
	uint64_t ghcb_pa;             /* 0A0h */
	uint64_t eventinj;            /* 0A8h: SVM_EVT_* */
	uint64_t ncr3;                /* 0B0h */
	uint64_t virt_ext;            /* 0B8h: LBR / VMLOAD-VMSAVE virtualisation */
	uint32_t clean;               /* 0C0h: VMCB_CLEAN_* */
	uint32_t rsvd2;
	uint64_t nrip;                /* 0C8h: with NRIPS */
	uint8_t insn_len;             /* 0D0h: with decode assists */
	uint8_t insn_bytes[15];       /* 0D1h */
	uint8_t rsvd3[0x400 - 0x0e0];
};
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(offsetof(struct vmcb_control, pause_thresh) == 0x03c, "pause");
_Static_assert(offsetof(struct vmcb_control, iopm_pa) == 0x040, "IOPM_BASE_PA");
_Static_assert(offsetof(struct vmcb_control, asid) == 0x058, "ASID");
_Static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05c, "TLB_CONTROL");
_Static_assert(offsetof(struct vmcb_control, exitcode) == 0x070, "EXITCODE");
_Static_assert(offsetof(struct vmcb_control, eventinj) == 0x0a8, "EVENTINJ");
_Static_assert(offsetof(struct vmcb_control, ncr3) == 0x0b0, "N_CR3");
_Static_assert(offsetof(struct vmcb_control, clean) == 0x0c0, "VMCB clean bits");
_Static_assert(offsetof(struct vmcb_control, nrip) == 0x0c8, "nRIP");
_Static_assert(offsetof(struct vmcb_control, insn_bytes) == 0x0d1, "guest bytes");

/* State-save area, VMCB offsets 400h-(Table B-2, offsets from 400h). */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 000h */
	uint8_t rsvd0[0x0cb - 0x0a0];
	uint8_t cpl;                  /* 0CBh */
	uint32_t rsvd1;
	uint64_t efer;                /* 0D0h */
	uint8_t rsvd2[0x148 - 0x0d8];
	uint64_t cr4;                 /* 148h */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags;
	uint64_t rip;                 /* 178h */
	uint8_t rsvd3[0x1d8 - 0x180];
	uint64_t rsp;                 /* 1D8h */
	uint8_t rsvd4[0x1f8 - 0x1e0];
	uint64_t rax;                 /* 1F8h */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;  /* 200h */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;     /* 228h */
	uint64_t cr2;                 /* 240h */
	uint8_t rsvd5[0x268 - 0x248];
	uint64_t g_pat;               /* 268h */
	uint64_t dbgctl;
	uint64_t br_from, br_to, lastexcp_from, lastexcp_to;
	uint8_t rsvd6[0xc00 - 0x298];
};
_Static_assert(sizeof(struct vmcb_save) == 0xc00, "VMCB state-save area");
_Static_assert(offsetof(struct vmcb_save, gdtr) == 0x060, "GDTR");
_Static_assert(offsetof(struct vmcb_save, tr) == 0x090, "TR");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb, "CPL");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0d0, "EFER");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "CR4");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "RIP");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "RSP");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "RAX");
_Static_assert(offsetof(struct vmcb_save, star) == 0x200, "STAR");
_Static_assert(offsetof(struct vmcb_save, sysenter_cs) == 0x228, "SYSENTER_CS");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "CR2");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "G_PAT");

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
};
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one 4 KiB page");
_Static_assert(offsetof(struct vmcb, save) == 0x400, "state-save area at 400h");

/* Intercept vector 3 (00Ch, Table B-1). */
#define SVM_I1_INTR      (1u << 0)
#define SVM_I1_NMI       (1u << 1)
#define SVM_I1_SMI       (1u << 2)
#define SVM_I1_INIT      (1u << 3)
#define SVM_I1_VINTR     (1u << 4)
#define SVM_I1_CPUID     (1u << 18)
#define SVM_I1_IRET      (1u << 20)
#define SVM_I1_INVD      (1u << 22)
#define SVM_I1_PAUSE     (1u << 23)
#define SVM_I1_HLT       (1u << 24)
#define SVM_I1_IOIO      (1u << 27)
#define SVM_I1_MSR       (1u << 28)
#define SVM_I1_SHUTDOWN  (1u << 31)
/* Intercept vector 4 (010h). VMRUN must be intercepted (APM Vol. 2
 * §15.5.1: VMRUN checks, "the VMRUN intercept bit is clear" is illegal). */
#define SVM_I2_VMRUN     (1u << 0)
#define SVM_I2_VMMCALL   (1u << 1)
#define SVM_I2_VMLOAD    (1u << 2)
#define SVM_I2_VMSAVE    (1u << 3)
#define SVM_I2_STGI      (1u << 4)
#define SVM_I2_CLGI      (1u << 5)
#define SVM_I2_SKINIT    (1u << 6)
#define SVM_I2_XSETBV    (1u << 13)

/* TLB_CONTROL (05Ch, §15.16.1). */
#define SVM_TLB_NONE      0
#define SVM_TLB_FLUSH_ALL 1   /* every ASID's entries */
#define SVM_TLB_FLUSH_ASID 3  /* this guest's, needs FlushByAsid */

/* V_INTR (060h): V_INTR_MASKING, bit 24 (§15.21.1). */
#define SVM_VINTR_MASKING (1ull << 24)
#define SVM_VINTR_IRQ     (1ull << 8)
#define SVM_VINTR_IGN_TPR (1ull << 20)
#define SVM_VINTR_PRIO_MASK (0xfull << 16)          /* V_INTR_PRIO, bits 19:16 */
#define SVM_VINTR_VECTOR(v) ((uint64_t)((v) & 0xff) << 32)  /* V_INTR_VECTOR, 39:32 */
#define SVM_VINTR_VECTOR_MASK (0xffull << 32)

/* EVENTINJ and EXITINTINFO (§15.20, Figure 15-4). */
#define SVM_EVT_VECTOR(v) ((uint64_t)(v) & 0xff)
#define SVM_EVT_TYPE_INTR (0ull << 8)
#define SVM_EVT_TYPE_NMI  (2ull << 8)
#define SVM_EVT_TYPE_EXC  (3ull << 8)
#define SVM_EVT_TYPE_SOFT (4ull << 8)
#define SVM_EVT_TYPE_MASK (7ull << 8)
#define SVM_EVT_EV        (1ull << 11)   /* error code valid */
#define SVM_EVT_V         (1ull << 31)
#define SVM_EVT_ERR(e)    ((uint64_t)(uint32_t)(e) << 32)

/* VMCB clean bits (0C0h, §15.15.3, Table 15-9): a set bit tells the CPU
 * it may keep its cached copy of that group; hv clears the bit of every
 * group it writes. */
#define VMCB_CLEAN_I     (1u << 0)   /* intercepts, TSC offset, pause filter */
#define VMCB_CLEAN_IOPM  (1u << 1)   /* IOPM_BASE, MSRPM_BASE */
#define VMCB_CLEAN_ASID  (1u << 2)
#define VMCB_CLEAN_TPR   (1u << 3)   /* V_TPR, V_IRQ, V_INTR_* */
#define VMCB_CLEAN_NP    (1u << 4)   /* NP_ENABLE, N_CR3, G_PAT */
#define VMCB_CLEAN_CRX   (1u << 5)   /* CR0, CR3, CR4, EFER */
#define VMCB_CLEAN_DRX   (1u << 6)   /* DR6, DR7 */
#define VMCB_CLEAN_DT    (1u << 7)   /* GDTR, IDTR */
#define VMCB_CLEAN_SEG   (1u << 8)   /* CS, DS, SS, ES, CPL */
#define VMCB_CLEAN_CR2   (1u << 9)
#define VMCB_CLEAN_LBR   (1u << 10)
#define VMCB_CLEAN_AVIC  (1u << 11)
#define VMCB_CLEAN_ALL   0xfffu      /* the bits Table 15-9 defines */

/* EXITCODE values (Appendix C, Table C-1). */
enum svm_exit {
	SVM_EXIT_WRITE_DR5 = 0x35,  /* 0x30 + n: MOV to DRn */
	SVM_EXIT_WRITE_DR7 = 0x37,
	SVM_EXIT_EXC_BASE = 0x40,   /* + vector */
	SVM_EXIT_INTR = 0x60,
	SVM_EXIT_NMI = 0x61,
	SVM_EXIT_SMI = 0x62,
	SVM_EXIT_INIT = 0x63,
	SVM_EXIT_VINTR = 0x64,
	SVM_EXIT_CPUID = 0x72,
	SVM_EXIT_IRET = 0x74,
	SVM_EXIT_INVD = 0x76,
	SVM_EXIT_PAUSE = 0x77,
	SVM_EXIT_HLT = 0x78,
	SVM_EXIT_IOIO = 0x7b,
	SVM_EXIT_MSR = 0x7c,
	SVM_EXIT_SHUTDOWN = 0x7f,
	SVM_EXIT_VMRUN = 0x80,
	SVM_EXIT_VMMCALL = 0x81,
	SVM_EXIT_VMLOAD = 0x82,
	SVM_EXIT_VMSAVE = 0x83,
	SVM_EXIT_STGI = 0x84,
	SVM_EXIT_CLGI = 0x85,
	SVM_EXIT_SKINIT = 0x86,
	SVM_EXIT_XSETBV = 0x8d,
	SVM_EXIT_TABLE = 0x8e,      /* the table covers codes below this */
	SVM_EXIT_NPF = 0x400,
	SVM_EXIT_INVALID = -1,      /* VMRUN refused the guest state */
};

/* intercept_dr: bit n intercepts reads of DRn, bit 16 + n writes
 * (§15.8.1). */
#define SVM_DR_WRITE(n)  (1u << (16 + (n)))

/* IOIO EXITINFO1 (§15.10.2, Figure 15-2). */
#define SVM_IO_IN        (1ull << 0)
#define SVM_IO_STR       (1ull << 2)
#define SVM_IO_REP       (1ull << 3)
#define SVM_IO_SZ(q)     (((q) >> 4) & 7)    /* one-hot: 1, 2, 4 bytes */
#define SVM_IO_PORT(q)   ((uint16_t)((q) >> 16))

/* #NPF EXITINFO1: a page-fault error code (§15.25.6). */
#define SVM_NPF_P        (1ull << 0)
#define SVM_NPF_W        (1ull << 1)
#define SVM_NPF_ID       (1ull << 4)

/* MSRs and CPUID (§15.4, §15.30). */
#define MSR_VM_CR        0xc0010114
#define MSR_VM_HSAVE_PA  0xc0010117
#define VM_CR_SVMDIS     (1ull << 4)
#define EFER_SVME        (1ull << 12)
#define CPUID_SVM_FEATURES 0x8000000a
#define SVM_F_NP         (1u << 0)
#define SVM_F_NRIPS      (1u << 3)
#define SVM_F_VMCB_CLEAN (1u << 5)
#define SVM_F_FLUSH_ASID (1u << 6)
#define SVM_F_DECODE     (1u << 7)
#define SVM_F_PAUSE      (1u << 10)

/* Permission maps (§15.10.1, §15.11): the IOPM is 12 KiB, one bit per
 * port (plus the bits a multi-byte access past 0xFFFF reads); the MSRPM
 * 8 KiB, two bits (read, write) per MSR in three 2 KiB ranges. */
#define SVM_IOPM_PAGES   3
#define SVM_MSRPM_PAGES  2
#endif
