/*
 * ide: one emulated IDE (parallel ATA) channel with a master and a slave,
 * each empty or an ATA disk over a struct blockdev, and the channel's
 * half of the PIIX4 bus-master DMA engine (SFF-8038i). The register
 * level follows ATA8-ACS (T13/1699-D) and ATA/ATAPI-7 volume 2 (the
 * parallel transport: shared register file, device selection, SRST,
 * nIEN, HOB); the commands are those Linux's libata (ata_piix) and a
 * firmware-less guest issue. Commands complete at once: the status never
 * shows BSY except while SRST is held. Files: ide.c (registers, reset,
 * interrupts, PIO data), ide_ata.c (the command table), ide_bmdma.c (bus
 * master DMA). Portable (docs/ARCHITECTURE.md rule 5): guest memory and
 * the interrupt line are reached through struct ide_host_ops.
 */
#ifndef PARTITION_DEVICES_IDE_H
#define PARTITION_DEVICES_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/blockdev.h"

#define IDE_SECTOR      512u
#define IDE_MAX_MULT    16u     /* READ/WRITE MULTIPLE: sectors a DRQ block */
#define IDE_BUF_SIZE    (IDE_MAX_MULT * IDE_SECTOR)

/* Legacy (compatibility mode) resources (PIIX4 datasheet, "IDE
 * controller"; a PC's fixed map). */
#define IDE_PRI_CMD     0x1f0u
#define IDE_PRI_CTL     0x3f6u
#define IDE_PRI_IRQ     14u
#define IDE_SEC_CMD     0x170u
#define IDE_SEC_CTL     0x376u
#define IDE_SEC_IRQ     15u

/* Command block register offsets (ATA/ATAPI-7 vol 2, table 6). */
enum {
	IDE_REG_DATA = 0, IDE_REG_ERROR = 1, IDE_REG_FEATURE = 1,
	IDE_REG_COUNT = 2, IDE_REG_LBAL = 3, IDE_REG_LBAM = 4,
	IDE_REG_LBAH = 5, IDE_REG_DEVICE = 6, IDE_REG_STATUS = 7,
	IDE_REG_COMMAND = 7,
};

/* Status (ATA8-ACS clause 6, the Status and Error fields). DSC is
 * ATA-4's seek complete, still set by drives; libata ignores it. */
#define ATA_BSY   0x80
#define ATA_DRDY  0x40
#define ATA_DF    0x20
#define ATA_DSC   0x10
#define ATA_DRQ   0x08
#define ATA_ERR   0x01
/* Error. */
#define ATA_E_UNC  0x40
#define ATA_E_IDNF 0x10
#define ATA_E_ABRT 0x04
/* Device register. */
#define ATA_DEV_LBA 0x40
#define ATA_DEV_DEV 0x10
/* Device Control register (write only, the control block). */
#define ATA_CTL_HOB  0x80
#define ATA_CTL_SRST 0x04
#define ATA_CTL_NIEN 0x02

/* Bus-master register block, 8 ports a channel (SFF-8038i §3). */
#define BM_REG_CMD     0
#define BM_REG_STATUS  2
#define BM_REG_PRD     4
#define BM_CMD_START   0x01
#define BM_CMD_TOMEM   0x08     /* "read/write control": 1 = device to memory */
#define BM_ST_ACTIVE   0x01
#define BM_ST_ERROR    0x02
#define BM_ST_INTR     0x04
#define BM_ST_DMA0     0x20     /* drive 0 DMA capable (software's bit) */
#define BM_ST_DMA1     0x40

/* One physical region descriptor (SFF-8038i, "Physical Region Descriptor"): base bits 31:1, byte
 * count bits 15:1 (0 = 64 KiB), bit 31 of the second dword end of table. */
struct ide_prd {
	uint32_t addr;
	uint32_t count_eot;
};
_Static_assert(sizeof(struct ide_prd) == 8, "PRD is 8 bytes");
#define PRD_EOT 0x80000000u

struct ide_host_ops {
	/* Moves len bytes between buf and guest physical address gpa
	 * (to_guest: buf -> guest). 0 or a negative errno (nothing there:
	 * the bus-master engine takes it as a master abort). */
	int (*mem)(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest);
	/* The channel's interrupt line (14 or 15) goes to level. */
	void (*irq)(void *ctx, unsigned line, int level);
};

enum ide_xfer {
	IDE_X_NONE, IDE_X_PIO_IN, IDE_X_PIO_OUT, IDE_X_DMA_IN, IDE_X_DMA_OUT,
	IDE_X_PACKET,                 /* ATAPI: taking the 12-byte command packet */
	IDE_X_ATAPI_IN,               /* ATAPI: PIO data-in, byte-count DRQ blocks */
};

#define ATAPI_CDB_LEN   12u
#define ATAPI_SECTOR    2048u

/* An ATAPI CD-ROM's state (ide_atapi.c): the medium, the sense data of
 * the last command (SPC-3, sense data) and what the data transfer still owes. */
struct ide_atapi {
	struct blockdev *medium;      /* NULL: no medium (the tray is empty) */
	uint64_t blocks;              /* capacity, 2048-byte blocks */
	uint8_t cdb[ATAPI_CDB_LEN];
	uint8_t key, asc, ascq;       /* sense of the last CHECK CONDITION */
	bool unit_attention;          /* a medium arrived: 06/28/00 pending */
	uint8_t media_event;          /* GET EVENT STATUS NOTIFICATION's, 0: none */
	bool locked;                  /* PREVENT MEDIUM REMOVAL */
	bool packet_cmd;              /* the command is PACKET: ends with I/O, C/D */
	bool dma;                     /* PACKET's Features bit 0 */
	uint16_t bcl;                 /* PACKET's byte count limit */
	uint64_t total;               /* bytes the host still gets */
	uint32_t blk_left;            /* bytes left of this PIO DRQ block */
};

struct ide_drive {
	struct blockdev *bd;          /* an ATA disk; NULL: none (see atapi) */
	bool is_atapi;                /* an ATAPI CD-ROM, with or without medium */
	struct ide_atapi cd;
	uint64_t sectors;             /* capacity, 512-byte sectors */
	char serial[21];
	uint8_t status, error;
	bool intrq;                   /* interrupt pending */
	uint8_t mult;                 /* SET MULTIPLE MODE (0: disabled) */
	uint8_t xfer_mode;            /* SET FEATURES 03h's value */
	bool wcache, lookahead, standby;
	uint16_t heads, spt;          /* INITIALIZE DEVICE PARAMETERS */
	/* the data transfer of the command in progress */
	enum ide_xfer xfer;
	bool on_disk;                 /* PIO blocks come from the disk, not buf */
	uint64_t lba;                 /* next sector to move */
	uint32_t left;                /* sectors still to move */
	uint32_t block;               /* sectors a DRQ block (PIO) */
	uint32_t pos, len;            /* PIO: bytes of buf done / in the block */
	uint8_t buf[IDE_BUF_SIZE];
};

struct ide_bm {
	uint8_t cmd, status;
	uint32_t prd_table;           /* PRD table pointer, bits 31:2 */
	bool enabled;                 /* the PCI function's bus-master enable */
	/* where the engine is in the table */
	uint32_t prd_index, cur_addr, cur_left;
	bool cur_eot;
};

/* The shared register file: both devices latch every command block
 * write (ATA/ATAPI-7 vol 2, register addressing); index 1 is the "previous content" a
 * read with HOB set returns (48-bit address feature set). */
struct ide_taskfile {
	uint8_t feature[2], count[2], lbal[2], lbam[2], lbah[2];
	uint8_t device;
};

struct ide_channel {
	const struct ide_host_ops *ops;
	void *ctx;
	unsigned irq_line;
	struct ide_drive drive[2];
	struct ide_taskfile tf;
	uint8_t devctl;
	int irq_level;
	int dma_unit;                 /* the drive with a DMA command, or -1 */
	struct ide_bm bm;
	bool sig_valid;               /* the registers hold the reset signature */
};

/* Channel at power-on, both positions empty. */
void ide_init(struct ide_channel *ch, const struct ide_host_ops *ops, void *ctx,
	      unsigned irq_line);
/* Puts a disk (bd, or NULL: empty) at unit 0 (master) or 1 (slave);
 * serial: up to 20 ASCII characters of IDENTIFY's serial number.
 * -EINVAL for a bad unit or a disk smaller than a sector. The disk is
 * not closed by the channel. Call ide_reset afterwards. */
int ide_attach(struct ide_channel *ch, unsigned unit, struct blockdev *bd,
	       const char *serial);
/* Puts an ATAPI CD-ROM at unit 0 or 1, with medium (read-only, a
 * whole number of 2048-byte blocks) or without (NULL). -EINVAL for a
 * bad unit or medium. Call ide_reset afterwards. */
int ide_attach_atapi(struct ide_channel *ch, unsigned unit, struct blockdev *medium,
		     const char *serial);
/* The CD-ROM at unit gets another medium (NULL: ejected) while the guest
 * runs; a transfer from the old one ends, and the guest is told through
 * UNIT ATTENTION 06/28/00 and a media event (MMC-5, GET EVENT STATUS NOTIFICATION). The old
 * medium may be closed afterwards. -EINVAL: no CD-ROM there, a bad medium. */
int ide_atapi_set_medium(struct ide_channel *ch, unsigned unit, struct blockdev *medium);
/* Hardware reset (power-on or RESET-): both devices, the bus master. */
void ide_reset(struct ide_channel *ch);

/* The command block (reg 0-7, size 1, 2 or 4: wider accesses to reg 1-7
 * touch consecutive registers, a byte each; the data register moves
 * words or dwords) and the control block (alternate status / device
 * control). */
uint32_t ide_cmd_read(struct ide_channel *ch, unsigned reg, unsigned size);
void ide_cmd_write(struct ide_channel *ch, unsigned reg, unsigned size, uint32_t v);
uint8_t ide_ctl_read(struct ide_channel *ch);
void ide_ctl_write(struct ide_channel *ch, uint8_t v);
/* The channel's 8 bus-master ports (reg 0-7), any size, byte-wise. */
uint32_t ide_bm_read(struct ide_channel *ch, unsigned reg, unsigned size);
void ide_bm_write(struct ide_channel *ch, unsigned reg, unsigned size, uint32_t v);

/* Internal to ide*.c. */
static inline bool ide_present(const struct ide_drive *d)
{
	return d->bd || d->is_atapi;
}
void ide_end_transfer(struct ide_channel *ch, struct ide_drive *d);
void ide_dma_claim(struct ide_channel *ch, struct ide_drive *d);
void ide_drive_ready(struct ide_channel *ch, struct ide_drive *d);
void ide_id_string(uint16_t *w, unsigned words, const char *s);
void ide_id_checksum(uint16_t *id);
/* ide_atapi.c: the PACKET command and its phases. */
void ide_atapi_identify(struct ide_channel *ch, struct ide_drive *d);
void ide_atapi_packet(struct ide_channel *ch, struct ide_drive *d);
void ide_atapi_signature_abort(struct ide_channel *ch, struct ide_drive *d);
uint16_t ide_atapi_data_in(struct ide_channel *ch, struct ide_drive *d);
void ide_atapi_data_out(struct ide_channel *ch, struct ide_drive *d, uint16_t w);
/* DMA: the next bytes of the reply in d->buf[d->pos..d->len), at most
 * d->cd.total of them counted; -EIO after reporting a medium error. */
int ide_atapi_fill(struct ide_channel *ch, struct ide_drive *d);
void ide_atapi_complete(struct ide_channel *ch, struct ide_drive *d);
struct ide_drive *ide_sel(struct ide_channel *ch);
void ide_update_irq(struct ide_channel *ch);
void ide_raise(struct ide_channel *ch, struct ide_drive *d);
void ide_done(struct ide_channel *ch, struct ide_drive *d);
void ide_fail(struct ide_channel *ch, struct ide_drive *d, uint8_t err);
void ide_set_signature(struct ide_channel *ch);
void ide_execute(struct ide_channel *ch, uint8_t cmd);
void ide_pio_start(struct ide_channel *ch, struct ide_drive *d);
/* Send a 256-word IDENTIFY page (little-endian words) as one PIO-in
 * block: IDENTIFY DEVICE and IDENTIFY PACKET DEVICE alike. */
void ide_pio_send_identify(struct ide_channel *ch, struct ide_drive *d, const uint16_t *id);
void ide_bm_kick(struct ide_channel *ch);
void ide_bm_reset(struct ide_bm *bm);

#endif
