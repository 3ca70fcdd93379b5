/*
 * ahci: Serial ATA AHCI 1.3.1 host bus adapter driver, polled, one command
 * slot per port. Commands follow ATA8-ACS clause 7 (cited by command name):
 * IDENTIFY DEVICE (7.16), READ DMA EXT, WRITE DMA EXT, FLUSH CACHE EXT (the
 * 48-bit commands of T13 ATA-6), READ/WRITE DMA and FLUSH CACHE for LBA28.
 *
 * All hardware access goes through struct ahci_hooks (MMIO, address
 * translation, DMA memory, time), so the same source runs in the parent
 * (phys == virt) and in the freestanding test kernel tests/guests/ahcitest.
 * Errors are negative errno values; every wait has a timeout.
 */
#ifndef PARENT_DRIVERS_AHCI_H
#define PARENT_DRIVERS_AHCI_H

#include <stddef.h>
#include <stdint.h>

/* ---- Memory structures the HBA reads and writes (AHCI 1.3.1 4.2) --------- */

/* Command header: one of 32 in the command list (4.2.2). DW0 holds the
 * flags below and the PRDT length in bits 31:16. */
struct ahci_cmd_header {
	uint32_t dw0;
	volatile uint32_t prdbc;   /* PRD byte count transferred, HBA-written */
	uint32_t ctba;             /* command table base, 128-byte aligned */
	uint32_t ctbau;
	uint32_t reserved[4];
};
_Static_assert(sizeof(struct ahci_cmd_header) == 32, "AHCI 4.2.2 command header");
#define AHCI_CH_CFL_MASK   0x1fu          /* command FIS length in DWORDs */
#define AHCI_CH_ATAPI      (1u << 5)
#define AHCI_CH_WRITE      (1u << 6)      /* W: host to device */
#define AHCI_CH_PREFETCH   (1u << 7)
#define AHCI_CH_CLEAR_BUSY (1u << 10)     /* C: clear busy upon R_OK */
#define AHCI_CH_PRDTL_SHIFT 16

/* Physical region descriptor (4.2.3.3): data base (bit 0 zero: word
 * aligned), byte count minus one in DW3 bits 21:0 with bit 0 always one
 * (an even count), at most 4 MiB, and bit 31 to interrupt on completion. */
struct ahci_prd {
	uint32_t dba;
	uint32_t dbau;
	uint32_t reserved;
	uint32_t dbc;
};
_Static_assert(sizeof(struct ahci_prd) == 16, "AHCI 4.2.3.3 PRD entry");
#define AHCI_PRD_DBC_MASK 0x3fffffu
#define AHCI_PRD_MAX_BYTES (4u << 20)
#define AHCI_PRD_IRQ      (1u << 31)

/* Command table (4.2.3): command FIS, ATAPI command, reserved, then the
 * PRDT at 0x80. The table is 128-byte aligned; we size the PRDT for our
 * largest transfer (AHCI_XFER_MAX bytes from any start in a page). */
#define AHCI_XFER_MAX (128u * 1024u)
#define AHCI_PRDT_ENTRIES (AHCI_XFER_MAX / 4096u + 1u)
struct ahci_cmd_table {
	uint8_t cfis[64];
	uint8_t acmd[16];
	uint8_t reserved[48];
	struct ahci_prd prdt[AHCI_PRDT_ENTRIES];
};
_Static_assert(sizeof(struct ahci_cmd_table) == 0x80 + 16 * AHCI_PRDT_ENTRIES,
	       "AHCI 4.2.3 command table");

/* Received FIS area (4.2.1): 256 bytes, 256-byte aligned. */
struct ahci_rfis {
	uint8_t dsfis[28];     /* 0x00 DMA setup FIS */
	uint8_t pad0[4];
	uint8_t psfis[20];     /* 0x20 PIO setup FIS */
	uint8_t pad1[12];
	uint8_t rfis[20];      /* 0x40 D2H register FIS */
	uint8_t pad2[4];
	uint8_t sdbfis[8];     /* 0x58 set device bits FIS */
	uint8_t ufis[64];      /* 0x60 unknown FIS */
	uint8_t reserved[96];
};
_Static_assert(sizeof(struct ahci_rfis) == 256, "AHCI 4.2.1 received FIS");

/* Register FIS, host to device (SATA 3.x 10.5.5; AHCI 4.2.3 CFIS). */
struct ahci_fis_h2d {
	uint8_t type;          /* 0x27 */
	uint8_t flags;         /* bit 7: C, a command; bits 3:0 port multiplier port */
	uint8_t command;
	uint8_t feature_lo;
	uint8_t lba0, lba1, lba2;
	uint8_t device;        /* bit 6: LBA */
	uint8_t lba3, lba4, lba5;
	uint8_t feature_hi;
	uint8_t count_lo, count_hi;
	uint8_t icc;
	uint8_t control;
	uint8_t reserved[4];
};
_Static_assert(sizeof(struct ahci_fis_h2d) == 20, "H2D register FIS");
#define AHCI_FIS_TYPE_H2D 0x27u
#define AHCI_FIS_CMD      0x80u

/* Port registers (3.3), 0x80 bytes each from ABAR + 0x100. */
struct ahci_port_regs {
	uint32_t clb, clbu, fb, fbu, is, ie, cmd, reserved0;
	uint32_t tfd, sig, ssts, sctl, serr, sact, ci, sntf;
	uint32_t fbs, devslp, reserved1[10], vendor[4];
};
_Static_assert(sizeof(struct ahci_port_regs) == 0x80, "AHCI 3.3 port registers");

/* Generic host control (3.1) followed by the port blocks. */
struct ahci_hba_regs {
	uint32_t cap, ghc, is, pi, vs, ccc_ctl, ccc_ports, em_loc;
	uint32_t em_ctl, cap2, bohc, reserved[29], vendor[24];
	struct ahci_port_regs port[32];
};
_Static_assert(sizeof(struct ahci_hba_regs) == 0x100 + 32 * 0x80, "AHCI 3 HBA registers");

/* ---- Driver ---------------------------------------------------------------- */

struct ahci_hooks {
	uint32_t (*mmio_read32)(volatile void *addr);
	void (*mmio_write32)(volatile void *addr, uint32_t val);
	uint64_t (*virt_to_phys)(const void *va);
	void *(*phys_to_virt)(uint64_t pa);
	/* Zeroed, physically contiguous memory, below 4 GiB; NULL if none. */
	void *(*dma_alloc)(size_t size, size_t align);
	uint64_t (*now_us)(void);      /* monotonic microseconds */
};

struct ahci_hba {
	const struct ahci_hooks *hk;
	struct ahci_hba_regs *regs;    /* virtual address of ABAR (BAR5) */
	uint32_t cap, cap2, pi, vs;
	int nslots;
};

#define AHCI_MODEL_MAX 41
#define AHCI_SERIAL_MAX 21

struct ahci_dev {
	struct ahci_hba *hba;
	struct ahci_port_regs *pr;
	int port;
	struct ahci_cmd_header *clb;   /* 32 headers; we use slot 0 */
	struct ahci_rfis *rfis;
	struct ahci_cmd_table *ct;
	uint64_t sectors;              /* LBA48 (or LBA28) user capacity */
	uint32_t sector_size;          /* logical sector size, bytes */
	int lba48;
	char model[AHCI_MODEL_MAX];
	char serial[AHCI_SERIAL_MAX];
	/* Registers saved by the last failed command (6.2.2). */
	uint32_t err_is, err_tfd, err_serr;
};

/* Device signatures in PxSIG (3.3.9). */
#define AHCI_SIG_ATA   0x00000101u
#define AHCI_SIG_ATAPI 0xeb140101u

/* Take the HBA over: BIOS/OS handoff (10.6.3) if CAP2.BOH, GHC.AE (10.1.2),
 * optional HBA reset (10.4.3), interrupts off. abar_phys is BAR5. */
int ahci_hba_init(struct ahci_hba *h, const struct ahci_hooks *hk, uint64_t abar_phys,
		  int reset);
/* Bring up one implemented port (10.1.2, 10.3.1) and IDENTIFY its disk.
 * -ENODEV: no device or not an ATA disk; other errors are failures. */
int ahci_port_init(struct ahci_hba *h, int port, struct ahci_dev *d);
/* IDENTIFY DEVICE into id (512 bytes, word aligned) and decode it. */
int ahci_identify(struct ahci_dev *d, uint16_t *id);
/* Transfers of count logical sectors; buf must be 2-byte aligned and may
 * span pages. -EINVAL for a bad buffer or range, -EIO for a device error
 * (after the port is recovered), -ETIMEDOUT when the HBA does not finish. */
int ahci_read(struct ahci_dev *d, uint64_t lba, uint32_t count, void *buf);
int ahci_write(struct ahci_dev *d, uint64_t lba, uint32_t count, const void *buf);
int ahci_flush(struct ahci_dev *d);
/* One 48-bit DMA command with no range check (tests use it to provoke a
 * device error): len bytes, at most AHCI_XFER_MAX. */
int ahci_dma_cmd(struct ahci_dev *d, uint8_t cmd, uint64_t lba, uint32_t count,
		 void *buf, size_t len, int write);

#ifdef __HVPART_TARGET__
/* Parent: find every AHCI controller, register each disk with the disk
 * registry (bus "AHCI", location "ahciN-portM"); returns disks found. */
int ahci_probe_all(void);
#endif

#endif
