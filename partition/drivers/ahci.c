/*
 * AHCI 1.3.1 HBA driver, polled, one command slot (slot 0) per port. Spec
 * sections are cited as "AHCI x.y"; ATA commands as "ACS x.y" (ATA8-ACS).
 * Every hardware access goes through the hooks in struct ahci_hooks; this
 * file has no other dependency than <errno.h>, <stdint.h> and <string.h>,
 * except the parent glue at the end (compiled for the parent only).
 */
#include <errno.h>
#include <string.h>
#include "partition/drivers/ahci.h"
#include "partition/drivers/ata_string.h"

/* GHC (AHCI 3.1.2). */
#define GHC_HR (1u << 0)           /* HBA reset */
#define GHC_IE (1u << 1)           /* interrupt enable */
#define GHC_AE (1u << 31)          /* AHCI enable */
/* CAP (AHCI 3.1.1). */
#define CAP_NCS_SHIFT 8            /* number of command slots - 1, bits 12:8 */
#define CAP_SCLO (1u << 24)        /* supports command list override */
#define CAP_SSS  (1u << 27)        /* supports staggered spin-up */
#define CAP_S64A (1u << 31)        /* 64-bit addressing */
/* CAP2 and BOHC (AHCI 3.1.10, 3.1.11). */
#define CAP2_BOH (1u << 0)
#define BOHC_BOS (1u << 0)         /* BIOS owned semaphore */
#define BOHC_OOS (1u << 1)         /* OS owned semaphore */
#define BOHC_BB  (1u << 4)         /* BIOS busy */
/* PxCMD (AHCI 3.3.7). */
#define PXCMD_ST  (1u << 0)
#define PXCMD_SUD (1u << 1)
#define PXCMD_POD (1u << 2)
#define PXCMD_CLO (1u << 3)
#define PXCMD_FRE (1u << 4)
#define PXCMD_FR  (1u << 14)
#define PXCMD_CR  (1u << 15)
/* PxTFD (AHCI 3.3.8): the ATA status in bits 7:0, error in 15:8. */
#define TFD_ERR 0x01u
#define TFD_DRQ 0x08u
#define TFD_DF  0x20u
#define TFD_BSY 0x80u
/* PxSSTS / PxSCTL DET (AHCI 3.3.10, 3.3.11). */
#define SSTS_DET_MASK 0xfu
#define SSTS_DET_PHY  3u           /* device present, Phy communication */
#define SCTL_DET_MASK 0xfu
#define SCTL_DET_INIT 1u           /* COMRESET */
/* PxIS error bits (AHCI 3.3.5): task file error, host bus fatal, host bus
 * data, interface fatal, interface non-fatal, overflow. */
#define PXIS_TFES (1u << 30)
#define PXIS_HBFS (1u << 29)
#define PXIS_HBDS (1u << 28)
#define PXIS_IFS  (1u << 27)
#define PXIS_INFS (1u << 26)
#define PXIS_OFS  (1u << 24)
#define PXIS_ERRORS (PXIS_TFES | PXIS_HBFS | PXIS_HBDS | PXIS_IFS | PXIS_INFS | PXIS_OFS)

/* ATA commands (ATA8-ACS clause 7, opcodes) and IDENTIFY words (ACS 7.16.7). */
#define ATA_CMD_READ_DMA        0xc8
#define ATA_CMD_READ_DMA_EXT    0x25
#define ATA_CMD_WRITE_DMA       0xca
#define ATA_CMD_WRITE_DMA_EXT   0x35
#define ATA_CMD_FLUSH_CACHE     0xe7
#define ATA_CMD_FLUSH_CACHE_EXT 0xea
#define ATA_CMD_IDENTIFY        0xec
#define ATA_DEV_LBA             0x40u
#define ID_SERIAL 10
#define ID_MODEL  27
#define ID_CAPS   49               /* bit 9: LBA supported */
#define ID_LBA28  60               /* words 60-61 */
#define ID_CMDSET2 83              /* bit 10: 48-bit address feature set */
#define ID_CMDSET5 86              /* bit 10: 48-bit address enabled */
#define ID_LBA48  100              /* words 100-103 */
#define ID_SECTOR_SIZE 106         /* bit 14 valid, 15 zero; bit 12: words 117-118 */
#define ID_LOGICAL_WORDS 117

#define MS 1000ull                 /* now_us() ticks per millisecond */
#define T_STOP_MS   500            /* AHCI 10.1.2: CR and FR clear within 500 ms */
#define T_RESET_MS  1000           /* AHCI 10.4.3: GHC.HR clears within 1 s */
#define T_BUSY_MS   10000          /* device BSY after power-on / COMRESET */
#define T_CMD_MS    5000
#define T_FLUSH_MS  30000

#define PAGE 4096u

static uint32_t rd(const struct ahci_hba *h, volatile uint32_t *reg)
{
	return h->hk->mmio_read32(reg);
}

static void wr(const struct ahci_hba *h, volatile uint32_t *reg, uint32_t v)
{
	h->hk->mmio_write32(reg, v);
}

/* Poll until (reg & mask) == want; -ETIMEDOUT after ms milliseconds. */
static int wait_reg(const struct ahci_hba *h, volatile uint32_t *reg, uint32_t mask,
		    uint32_t want, unsigned ms)
{
	uint64_t end = h->hk->now_us() + ms * MS;

	for (;;) {
		if ((rd(h, reg) & mask) == want)
			return 0;
		if (h->hk->now_us() > end)
			return (rd(h, reg) & mask) == want ? 0 : -ETIMEDOUT;
	}
}

static void delay_ms(const struct ahci_hba *h, unsigned ms)
{
	uint64_t end = h->hk->now_us() + ms * MS;

	while (h->hk->now_us() < end)
		;
}

/* ---- HBA ------------------------------------------------------------------- */

/* BIOS/OS handoff (AHCI 10.6.3): set OOS, wait for BOS to clear; if BIOS
 * busy is set then, give the BIOS up to 2 s more. */
static int ahci_handoff(struct ahci_hba *h)
{
	volatile uint32_t *bohc = &h->regs->bohc;

	if (!(h->cap2 & CAP2_BOH))
		return 0;
	wr(h, bohc, rd(h, bohc) | BOHC_OOS);
	if (wait_reg(h, bohc, BOHC_BOS, 0, 25) == 0)
		delay_ms(h, 25);   /* 10.6.3 step 4: BB may be set within 25 ms */
	if (rd(h, bohc) & BOHC_BB)
		wait_reg(h, bohc, BOHC_BB, 0, 2000);
	return (rd(h, bohc) & BOHC_BOS) ? -EBUSY : 0;
}

/* HBA reset (AHCI 10.4.3): GHC.HR, cleared by the HBA within 1 s; AE must
 * be set again afterwards. PI is HwInit and may be BIOS-written, so a
 * value lost in the reset is restored from before. */
static int ahci_hba_reset(struct ahci_hba *h)
{
	uint32_t pi = rd(h, &h->regs->pi);
	int rc;

	wr(h, &h->regs->ghc, GHC_AE);
	wr(h, &h->regs->ghc, GHC_AE | GHC_HR);
	rc = wait_reg(h, &h->regs->ghc, GHC_HR, 0, T_RESET_MS);
	if (rc)
		return rc;
	wr(h, &h->regs->ghc, GHC_AE);
	if (!rd(h, &h->regs->pi))
		wr(h, &h->regs->pi, pi);
	return 0;
}

int ahci_hba_init(struct ahci_hba *h, const struct ahci_hooks *hk, uint64_t abar_phys,
		  int reset)
{
	int rc;

	memset(h, 0, sizeof(*h));
	h->hk = hk;
	h->regs = hk->phys_to_virt(abar_phys);
	if (!h->regs)
		return -EFAULT;
	h->cap = rd(h, &h->regs->cap);
	h->cap2 = rd(h, &h->regs->cap2);
	h->vs = rd(h, &h->regs->vs);
	if (h->cap == 0xffffffffu)
		return -ENODEV;
	rc = ahci_handoff(h);
	if (rc)
		return rc;
	/* AHCI 10.1.2 step 1: GHC.AE set before any other AHCI register. */
	wr(h, &h->regs->ghc, rd(h, &h->regs->ghc) | GHC_AE);
	if (reset && (rc = ahci_hba_reset(h)) != 0)
		return rc;
	/* Polled driver: interrupts off (GHC.IE, 3.1.2). */
	wr(h, &h->regs->ghc, (rd(h, &h->regs->ghc) | GHC_AE) & ~GHC_IE);
	h->cap = rd(h, &h->regs->cap);
	h->pi = rd(h, &h->regs->pi);
	h->nslots = (int)((h->cap >> CAP_NCS_SHIFT) & 31u) + 1;
	return 0;
}

/* ---- Port state -------------------------------------------------------------- */

/* Put the port in the idle state (AHCI 10.1.2 step 3): clear ST and wait
 * for CR, then clear FRE and wait for FR, 500 ms each. */
static int port_stop(struct ahci_dev *d)
{
	struct ahci_hba *h = d->hba;
	volatile uint32_t *cmd = &d->pr->cmd;
	int rc;

	if (rd(h, cmd) & PXCMD_ST)
		wr(h, cmd, rd(h, cmd) & ~PXCMD_ST);
	rc = wait_reg(h, cmd, PXCMD_CR, 0, T_STOP_MS);
	if (rc)
		return rc;
	if (rd(h, cmd) & PXCMD_FRE)
		wr(h, cmd, rd(h, cmd) & ~PXCMD_FRE);
	return wait_reg(h, cmd, PXCMD_FR, 0, T_STOP_MS);
}

/* COMRESET (AHCI 10.4.2): DET=1 for at least 1 ms, then DET=0 and wait for
 * the link (DET=3). Only while PxCMD.ST is clear. */
static int port_comreset(struct ahci_dev *d, unsigned link_ms)
{
	struct ahci_hba *h = d->hba;
	uint32_t sctl = rd(h, &d->pr->sctl) & ~SCTL_DET_MASK;

	wr(h, &d->pr->sctl, sctl | SCTL_DET_INIT);
	delay_ms(h, 2);
	wr(h, &d->pr->sctl, sctl);
	if (wait_reg(h, &d->pr->ssts, SSTS_DET_MASK, SSTS_DET_PHY, link_ms))
		return -ENODEV;
	wr(h, &d->pr->serr, 0xffffffffu);   /* 10.4.2: X bit set by the reset */
	return 0;
}

/* Start the port (AHCI 10.3.1): CR clear, FRE set, the device not BSY or
 * DRQ (or ST would wedge), then ST. */
static int port_start(struct ahci_dev *d)
{
	struct ahci_hba *h = d->hba;
	volatile uint32_t *cmd = &d->pr->cmd;
	int rc = wait_reg(h, cmd, PXCMD_CR, 0, T_STOP_MS);

	if (rc)
		return rc;
	wr(h, cmd, rd(h, cmd) | PXCMD_FRE);
	rc = wait_reg(h, &d->pr->tfd, TFD_BSY | TFD_DRQ, 0, T_BUSY_MS);
	if (rc)
		return rc;
	wr(h, cmd, rd(h, cmd) | PXCMD_ST);
	return 0;
}

/* Non-queued error recovery (AHCI 6.2.2.1): save PxIS/PxTFD/PxSERR, stop
 * the port, clear PxSERR and PxIS; if the device is still BSY or DRQ,
 * command list override (CAP.SCLO, 3.3.7) or else COMRESET; restart. */
static int port_recover(struct ahci_dev *d)
{
	struct ahci_hba *h = d->hba;
	volatile uint32_t *cmd = &d->pr->cmd;
	int rc;

	d->err_is = rd(h, &d->pr->is);
	d->err_tfd = rd(h, &d->pr->tfd);
	d->err_serr = rd(h, &d->pr->serr);
	wr(h, cmd, rd(h, cmd) & ~PXCMD_ST);
	rc = wait_reg(h, cmd, PXCMD_CR, 0, T_STOP_MS);
	wr(h, &d->pr->serr, 0xffffffffu);
	wr(h, &d->pr->is, 0xffffffffu);
	if (!rc && (rd(h, &d->pr->tfd) & (TFD_BSY | TFD_DRQ)) && (h->cap & CAP_SCLO)) {
		wr(h, cmd, rd(h, cmd) | PXCMD_CLO);
		rc = wait_reg(h, cmd, PXCMD_CLO, 0, T_STOP_MS);
	}
	if (rc || (rd(h, &d->pr->tfd) & (TFD_BSY | TFD_DRQ))) {
		rc = port_stop(d);
		if (!rc)
			rc = port_comreset(d, T_STOP_MS);
	}
	return rc ? rc : port_start(d);
}

/* ---- Commands ------------------------------------------------------------------ */

/* Fill the PRDT from a virtual buffer, one entry per physical page unless
 * pages are physically contiguous (at most 4 MiB per entry, 4.2.3.3).
 * Returns the entry count or -EINVAL. */
static int build_prdt(struct ahci_dev *d, const void *buf, size_t len)
{
	const struct ahci_hooks *hk = d->hba->hk;
	const uint8_t *p = buf;
	struct ahci_prd *prd = d->ct->prdt;
	int n = 0;

	/* 4.2.3.3: DBA bit 0 and the byte count must be even. */
	if (((uintptr_t)p & 1) || (len & 1) || len > AHCI_XFER_MAX)
		return -EINVAL;
	while (len) {
		size_t chunk = PAGE - ((uintptr_t)p & (PAGE - 1));
		uint64_t pa = hk->virt_to_phys(p), end;

		chunk = chunk < len ? chunk : len;
		if (pa == UINT64_MAX || (!(d->hba->cap & CAP_S64A) && pa + chunk > 1ull << 32))
			return -EINVAL;
		end = n ? ((uint64_t)prd[n - 1].dbau << 32 | prd[n - 1].dba) +
			  (prd[n - 1].dbc & AHCI_PRD_DBC_MASK) + 1 : 0;
		if (n && end == pa && (prd[n - 1].dbc & AHCI_PRD_DBC_MASK) + 1 + chunk <= AHCI_PRD_MAX_BYTES) {
			prd[n - 1].dbc += (uint32_t)chunk;
		} else {
			if (n == (int)AHCI_PRDT_ENTRIES)
				return -EINVAL;
			prd[n] = (struct ahci_prd){ (uint32_t)pa, (uint32_t)(pa >> 32), 0,
						    (uint32_t)(chunk - 1) };
			n++;
		}
		p += chunk, len -= chunk;
	}
	return n;
}

struct ata_tf {
	uint8_t command, device;
	uint64_t lba;
	uint32_t count;        /* 65536 is encoded as 0 (ACS 4.x "Count") */
};

/* The H2D register FIS in the command table (AHCI 4.2.3; SATA 10.5.5). */
static void build_fis(struct ahci_cmd_table *ct, const struct ata_tf *tf)
{
	struct ahci_fis_h2d f;

	memset(&f, 0, sizeof(f));
	f.type = AHCI_FIS_TYPE_H2D;
	f.flags = AHCI_FIS_CMD;
	f.command = tf->command;
	f.device = tf->device;
	f.lba0 = (uint8_t)tf->lba, f.lba1 = (uint8_t)(tf->lba >> 8);
	f.lba2 = (uint8_t)(tf->lba >> 16), f.lba3 = (uint8_t)(tf->lba >> 24);
	f.lba4 = (uint8_t)(tf->lba >> 32), f.lba5 = (uint8_t)(tf->lba >> 40);
	f.count_lo = (uint8_t)tf->count, f.count_hi = (uint8_t)(tf->count >> 8);
	memset(ct->cfis, 0, sizeof(ct->cfis));
	memcpy(ct->cfis, &f, sizeof(f));
}

/* Issue slot 0 and poll (AHCI 5.5.1 "Software rules for issuing commands"
 * and 5.6.x: completion clears the PxCI bit; errors set PxIS.TFES and
 * friends and stop the command list). */
static int issue_slot0(struct ahci_dev *d, int nprd, int write, unsigned ms)
{
	struct ahci_hba *h = d->hba;
	uint64_t end = h->hk->now_us() + ms * MS;
	uint32_t is;

	d->clb[0].dw0 = (sizeof(struct ahci_fis_h2d) / 4) | (write ? AHCI_CH_WRITE : 0) |
			(uint32_t)nprd << AHCI_CH_PRDTL_SHIFT;
	d->clb[0].prdbc = 0;
	if (!(rd(h, &d->pr->cmd) & PXCMD_ST) || (rd(h, &d->pr->ci) & 1u))
		return -EIO;   /* 5.5.1: ST set and the slot free */
	wr(h, &d->pr->is, 0xffffffffu);
	__asm__ volatile("" ::: "memory");
	wr(h, &d->pr->ci, 1u);
	for (;;) {
		is = rd(h, &d->pr->is);
		if (is & PXIS_ERRORS)
			return -EIO;
		if (!(rd(h, &d->pr->ci) & 1u))
			break;
		if (h->hk->now_us() > end)
			return -ETIMEDOUT;
	}
	__asm__ volatile("" ::: "memory");
	return (rd(h, &d->pr->tfd) & (TFD_ERR | TFD_DF)) ? -EIO : 0;
}

static int ahci_command(struct ahci_dev *d, const struct ata_tf *tf, void *buf,
			size_t len, int write, unsigned ms)
{
	int nprd = len ? build_prdt(d, buf, len) : 0, rc;

	if (nprd < 0)
		return nprd;
	build_fis(d->ct, tf);
	rc = issue_slot0(d, nprd, write, ms);
	if (rc) {
		int rr = port_recover(d);

		if (rr)
			return rr == -ETIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	return rc;
}

int ahci_dma_cmd(struct ahci_dev *d, uint8_t cmd, uint64_t lba, uint32_t count,
		 void *buf, size_t len, int write)
{
	struct ata_tf tf = { cmd, ATA_DEV_LBA, lba, count };

	return ahci_command(d, &tf, buf, len, write, T_CMD_MS);
}

/* ---- IDENTIFY (ACS 7.16) ----------------------------------------------------- */

static int id_decode(struct ahci_dev *d, const uint16_t *id)
{
	uint16_t ss = id[ID_SECTOR_SIZE];

	ata_string_decode(&id[ID_MODEL], 20, d->model);
	ata_string_decode(&id[ID_SERIAL], 10, d->serial);
	if (!(id[ID_CAPS] & 0x0200u))
		return -EOPNOTSUPP;          /* no LBA */
	d->lba48 = (id[ID_CMDSET2] & 0x0400u) && (id[ID_CMDSET5] & 0x0400u);
	if (d->lba48)
		d->sectors = (uint64_t)id[ID_LBA48] | (uint64_t)id[ID_LBA48 + 1] << 16 |
			     (uint64_t)id[ID_LBA48 + 2] << 32 | (uint64_t)id[ID_LBA48 + 3] << 48;
	else
		d->sectors = (uint64_t)id[ID_LBA28] | (uint64_t)id[ID_LBA28 + 1] << 16;
	d->sector_size = 512;
	/* ACS 7.16.7.x word 106: valid when bit 14 is one and 15 zero; bit 12:
	 * logical sector longer than 256 words, size in words 117-118. */
	if ((ss & 0xc000u) == 0x4000u && (ss & 0x1000u))
		d->sector_size = 2u * ((uint32_t)id[ID_LOGICAL_WORDS] |
				       (uint32_t)id[ID_LOGICAL_WORDS + 1] << 16);
	if (d->sector_size < 512 || d->sector_size > AHCI_XFER_MAX ||
	    (d->sector_size & (d->sector_size - 1)))
		return -EOPNOTSUPP;
	return d->sectors ? 0 : -ENODEV;
}

int ahci_identify(struct ahci_dev *d, uint16_t *id)
{
	struct ata_tf tf = { ATA_CMD_IDENTIFY, 0, 0, 0 };
	int rc = ahci_command(d, &tf, id, 512, 0, T_CMD_MS);

	return rc ? rc : id_decode(d, id);
}

/* ---- Port bring-up ---------------------------------------------------------- */

static int port_alloc(struct ahci_dev *d)
{
	const struct ahci_hooks *hk = d->hba->hk;
	uint64_t clb, fb, ct;

	/* 4.2.2: command list 1 KiB aligned; 4.2.1: FIS area 256-byte aligned;
	 * 4.2.3: command table 128-byte aligned. */
	if (!d->clb)
		d->clb = hk->dma_alloc(32 * sizeof(struct ahci_cmd_header), 1024);
	if (!d->rfis)
		d->rfis = hk->dma_alloc(sizeof(struct ahci_rfis), 256);
	if (!d->ct)
		d->ct = hk->dma_alloc(sizeof(struct ahci_cmd_table), 128);
	if (!d->clb || !d->rfis || !d->ct)
		return -ENOMEM;
	clb = hk->virt_to_phys(d->clb), fb = hk->virt_to_phys(d->rfis), ct = hk->virt_to_phys(d->ct);
	if (!(d->hba->cap & CAP_S64A) && ((clb | fb | ct) >> 32))
		return -ENOMEM;
	d->clb[0].ctba = (uint32_t)ct, d->clb[0].ctbau = (uint32_t)(ct >> 32);
	wr(d->hba, &d->pr->clb, (uint32_t)clb);
	wr(d->hba, &d->pr->clbu, (uint32_t)(clb >> 32));
	wr(d->hba, &d->pr->fb, (uint32_t)fb);
	wr(d->hba, &d->pr->fbu, (uint32_t)(fb >> 32));
	return 0;
}

/* AHCI 10.1.2 steps 3-7 for one port, then staggered spin-up (10.10.1)
 * and the device check through PxSSTS.DET and PxSIG (3.3.9). */
static int port_bringup(struct ahci_dev *d)
{
	struct ahci_hba *h = d->hba;
	volatile uint32_t *cmd = &d->pr->cmd;
	int rc = port_stop(d);

	if (rc && (rc = port_comreset(d, T_STOP_MS)) == 0)
		rc = port_stop(d);
	if (rc)
		return rc == -ENODEV ? -ENODEV : -EIO;
	rc = port_alloc(d);
	if (rc)
		return rc;
	wr(h, cmd, rd(h, cmd) | PXCMD_FRE);
	if (h->cap & CAP_SSS)
		wr(h, cmd, rd(h, cmd) | PXCMD_SUD | PXCMD_POD);
	/* 10.1.2 step 5 ... a device needs up to 10 ms to show up (DET). */
	if (wait_reg(h, &d->pr->ssts, SSTS_DET_MASK, SSTS_DET_PHY, 20))
		return -ENODEV;
	wr(h, &d->pr->serr, 0xffffffffu);
	wr(h, &d->pr->ie, 0);
	wr(h, &d->pr->is, 0xffffffffu);
	if (wait_reg(h, &d->pr->tfd, TFD_BSY | TFD_DRQ, 0, T_BUSY_MS))
		return -EIO;
	if (rd(h, &d->pr->sig) != AHCI_SIG_ATA)
		return -ENODEV;
	return port_start(d);
}

int ahci_port_init(struct ahci_hba *h, int port, struct ahci_dev *d)
{
	uint16_t id[256] __attribute__((aligned(4)));
	int rc;

	if (port < 0 || port > 31 || !(h->pi & (1u << port)))
		return -ENODEV;
	memset(d, 0, sizeof(*d));
	d->hba = h;
	d->port = port;
	d->pr = &h->regs->port[port];
	rc = port_bringup(d);
	if (!rc)
		rc = ahci_identify(d, id);
	if (rc)
		port_stop(d);
	return rc;
}

/* ---- Sector I/O ------------------------------------------------------------ */

static int ahci_rw(struct ahci_dev *d, uint64_t lba, uint32_t count, uint8_t *buf, int write)
{
	uint32_t max = AHCI_XFER_MAX / d->sector_size;
	uint8_t op;

	if (lba > d->sectors || count > d->sectors - lba ||
	    (!d->lba48 && lba + count > 1ull << 28))
		return -EINVAL;
	if (!d->lba48 && max > 256)
		max = 256;
	op = d->lba48 ? (write ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_READ_DMA_EXT)
		      : (write ? ATA_CMD_WRITE_DMA : ATA_CMD_READ_DMA);
	while (count) {
		uint32_t n = count < max ? count : max;
		struct ata_tf tf = { op, ATA_DEV_LBA, lba, n };
		int rc;

		if (!d->lba48)
			tf.device = (uint8_t)(ATA_DEV_LBA | ((lba >> 24) & 0xfu));
		rc = ahci_command(d, &tf, buf, (size_t)n * d->sector_size, write, T_CMD_MS);
		if (rc)
			return rc;
		buf += (size_t)n * d->sector_size, lba += n, count -= n;
	}
	return 0;
}

int ahci_read(struct ahci_dev *d, uint64_t lba, uint32_t count, void *buf)
{
	return ahci_rw(d, lba, count, buf, 0);
}

int ahci_write(struct ahci_dev *d, uint64_t lba, uint32_t count, const void *buf)
{
	return ahci_rw(d, lba, count, (uint8_t *)(uintptr_t)buf, 1);
}

/* FLUSH CACHE EXT or FLUSH CACHE (ATA8-ACS clause 7): a non-data command. */
int ahci_flush(struct ahci_dev *d)
{
	struct ata_tf tf = { d->lba48 ? ATA_CMD_FLUSH_CACHE_EXT : ATA_CMD_FLUSH_CACHE, 0, 0, 0 };

	return ahci_command(d, &tf, NULL, 0, 0, T_FLUSH_MS);
}

/* ---- Parent glue: hooks, block device, disk registry ------------------------- */
#ifdef __HVPART_TARGET__
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include "partition/arch/cpu.h"
#include "partition/drivers/disk.h"
#include "partition/drivers/pci.h"
#include "partition/parent.h"
#include "partition/vm.h"

#define PTE_P    0x1ull
#define PTE_PS   0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

static uint32_t p_mmio_read32(volatile void *a) { return *(volatile uint32_t *)a; }
static void p_mmio_write32(volatile void *a, uint32_t v) { *(volatile uint32_t *)a = v; }
/* The parent identity-maps physical memory from 0, so page tables (and
 * MMIO) are reachable at their physical addresses. */
static void *p_phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

/* Walk the 4-level page tables (Intel SDM vol. 3A 4.5): heap addresses are
 * identity-mapped, but the image (.data, .bss) lives in the top 2 GiB. */
static uint64_t p_virt_to_phys(const void *va)
{
	uint64_t v = (uintptr_t)va, cr3, e;
	const uint64_t *t;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	t = (const uint64_t *)(uintptr_t)(cr3 & PTE_ADDR);
	for (int level = 3; level >= 0; level--) {
		e = t[(v >> (12 + 9 * level)) & 511u];
		if (!(e & PTE_P))
			return UINT64_MAX;
		if (level == 0 || (level < 3 && (e & PTE_PS))) {
			uint64_t span = 1ull << (12 + 9 * level);

			return (e & PTE_ADDR & ~(span - 1)) | (v & (span - 1));
		}
		t = (const uint64_t *)(uintptr_t)(e & PTE_ADDR);
	}
	return UINT64_MAX;
}

static void *p_dma_alloc(size_t size, size_t align)
{
	void *p = memalign(align, size);

	if (p)
		memset(p, 0, size);
	return p;
}

static uint64_t p_now_us(void)
{
	uint64_t hz = parent_tsc_hz ? parent_tsc_hz : 1000000000ull;

	return cpu_rdtsc() / (hz / 1000000u ? hz / 1000000u : 1u);
}

static const struct ahci_hooks parent_hooks = {
	p_mmio_read32, p_mmio_write32, p_virt_to_phys, p_phys_to_virt, p_dma_alloc, p_now_us,
};
static const struct pci_hooks parent_pci_hooks = { pio_inl, pio_outl };

struct ahci_pdisk {
	struct ahci_dev dev;
	uint8_t *bounce;       /* one sector: partial sectors and odd buffers */
	char location[24];
};

/* One sector through the bounce buffer: read, patch, write back. */
static int pd_sector(struct ahci_pdisk *p, uint64_t lba, size_t in, uint8_t *buf,
		     size_t n, int write)
{
	int rc = 0;

	if (!write || n != p->dev.sector_size)
		rc = ahci_read(&p->dev, lba, 1, p->bounce);
	if (rc)
		return rc;
	if (!write) {
		memcpy(buf, p->bounce + in, n);
		return 0;
	}
	memcpy(p->bounce + in, buf, n);
	return ahci_write(&p->dev, lba, 1, p->bounce);
}

static int pd_io(struct ahci_pdisk *p, uint64_t off, uint8_t *buf, size_t len, int write)
{
	uint32_t ss = p->dev.sector_size;

	while (len) {
		uint64_t lba = off / ss;
		size_t in = off % ss, n;
		int rc;

		if (in || len < ss || ((uintptr_t)buf & 1)) {
			n = ss - in < len ? ss - in : len;
			rc = pd_sector(p, lba, in, buf, n, write);
		} else {
			uint64_t cnt = len / ss < 65536 ? len / ss : 65536;

			n = cnt * ss;
			rc = write ? ahci_write(&p->dev, lba, (uint32_t)cnt, buf)
				   : ahci_read(&p->dev, lba, (uint32_t)cnt, buf);
		}
		if (rc)
			return rc;
		buf += n, off += n, len -= n;
	}
	return 0;
}

static int pd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return pd_io(ctx, off, buf, len, 0);
}

static int pd_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return pd_io(ctx, off, (uint8_t *)(uintptr_t)buf, len, 1);
}

static int pd_flush(void *ctx)
{
	return ahci_flush(&((struct ahci_pdisk *)ctx)->dev);
}

static const struct blockdev_ops ahci_bd_ops = {
	.read = pd_read, .write = pd_write, .flush = pd_flush, .close = NULL,
};

static int ahci_probe_port(struct ahci_hba *h, int ctrl, int port)
{
	struct ahci_pdisk *p = calloc(1, sizeof(*p));
	struct blockdev bd;
	int rc = p ? ahci_port_init(h, port, &p->dev) : -ENOMEM;

	if (!rc && !(p->bounce = memalign(4096, p->dev.sector_size)))
		rc = -ENOMEM;
	if (rc) {
		if (rc != -ENODEV)
			printf("ahci: ahci%d-port%d: error %d\n", ctrl, port, rc);
		free(p);   /* the port's DMA areas stay allocated: the HBA knows them */
		return 0;
	}
	snprintf(p->location, sizeof(p->location), "ahci%d-port%d", ctrl, port);
	memset(&bd, 0, sizeof(bd));
	bd.ops = &ahci_bd_ops;
	bd.ctx = p;
	bd.size = p->dev.sectors * p->dev.sector_size;
	bd.sector_size = p->dev.sector_size;
	printf("ahci: %s: %s, %llu MiB, %u-byte sectors\n", p->location, p->dev.model,
	       (unsigned long long)(bd.size >> 20), (unsigned)p->dev.sector_size);
	return disk_register(&bd, "AHCI", p->location, p->dev.model, p->dev.serial) ? 1 : 0;
}

static int on_pci_ahci(struct pci_addr a, uint32_t id, uint32_t class_rev, void *arg)
{
	static int nctrl;
	struct ahci_hba *h;
	struct pci_bar bar;
	int *count = arg, rc;

	(void)id;
	/* Class 01h (mass storage), subclass 06h (SATA), interface 01h (AHCI 1.0). */
	if (class_rev >> 8 != 0x010601u || pci_bar_decode(a, 5, &bar) || bar.is_io ||
	    !bar.base || bar.size < 0x180)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return 0;
	pci_enable_mmio_master(a);
	rc = ahci_hba_init(h, &parent_hooks, bar.base, 1);
	if (rc) {
		printf("ahci: %02x:%02x.%x: cannot take the HBA over (%d)\n", a.bus, a.dev, a.fn, rc);
		free(h);
		return 0;
	}
	for (int port = 0; port < 32; port++)
		if (h->pi & (1u << port))
			*count += ahci_probe_port(h, nctrl, port);
	nctrl++;
	return 0;
}

int ahci_probe_all(void)
{
	int n = 0;

	/* "ahci=off" on hv's command line leaves AHCI controllers alone. */
	if (strstr(parent_boot->cmdline, "ahci=off"))
		return 0;
	pci_set_hooks(&parent_pci_hooks);
	pci_scan(on_pci_ahci, &n);
	return n;
}
#endif
