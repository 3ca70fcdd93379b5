/*
 * devstate: the saved state of the devices the parent emulates for a
 * child (COM1, the 8259 pair, CMOS, the gen1 PCI functions and the
 * PIIX4 IDE channels), as Save-VM writes it into a VM's saved-state file
 * (docs/vm-config.md, "Saved state"). Every wire struct of the format is
 * here, with its size asserted; fields are little-endian (both ends of
 * the format are x86) and every padding byte is explicit and must be 0.
 *
 * The device section is a header and a sequence of records, each a
 * struct ds_rec and its payload. A reader refuses (-EINVAL) anything it
 * does not expect: a wrong magic, version or length, a record type twice
 * or missing, a field no guest could have produced (the restore
 * functions check each against the device's rules), and it applies
 * nothing until every record has passed: a saved-state file is a file a
 * user can corrupt. The port map (ports.c) holds no state of its own.
 * Portable (docs/ARCHITECTURE.md rule 5).
 */
#ifndef PARTITION_DEVICES_DEVSTATE_H
#define PARTITION_DEVICES_DEVSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "partition/devices/cmos.h"
#include "partition/devices/ide.h"
#include "partition/devices/pci_gen1.h"
#include "partition/devices/pic8259.h"
#include "partition/devices/piix_ide.h"
#include "partition/devices/uart16550.h"

#define DS_MAGIC      0x54534544u   /* "DEST" */
#define DS_VERSION    1u

struct ds_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t nrecs;
	uint32_t total;               /* bytes, this header included */
};
_Static_assert(sizeof(struct ds_hdr) == 16, "ds_hdr is 16 bytes");

enum ds_type {
	DS_T_UART = 1, DS_T_PIC = 2, DS_T_CMOS = 3, DS_T_PCI = 4, DS_T_IDE0 = 5,
	DS_T_IDE1 = 6, DS_T_MAX = 7,
};

struct ds_rec {
	uint16_t type;                /* enum ds_type */
	uint16_t version;             /* 1 for every type today */
	uint32_t len;                 /* payload bytes after this header */
};
_Static_assert(sizeof(struct ds_rec) == 8, "ds_rec is 8 bytes");

/* COM1 (uart16550.h): the registers, the latched THRE interrupt, the
 * interrupt line and the receive queue from its oldest byte. */
struct ds_uart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr, dll;
	uint8_t dlm, rbr, thr_ipending, irq_level;
	uint32_t rx_count;
	uint8_t rxq[UART_RXQ_CAP];
};
_Static_assert(sizeof(struct ds_uart) == 16 + UART_RXQ_CAP, "ds_uart size");

struct ds_pic_chip {
	uint8_t imr, vector_base, icw_step, need_icw4;
	uint8_t single, read_isr, elcr, irr;
	uint8_t level, ready, pad[6];
};
_Static_assert(sizeof(struct ds_pic_chip) == 16, "ds_pic_chip is 16 bytes");

struct ds_pic {
	struct ds_pic_chip master, slave;
};
_Static_assert(sizeof(struct ds_pic) == 32, "ds_pic is 32 bytes");

struct ds_cmos {
	uint8_t index, reg_b, pad[6];
	uint8_t nvram[128];
};
_Static_assert(sizeof(struct ds_cmos) == 136, "ds_cmos is 136 bytes");

/* The gen1 bus: CONFIG_ADDRESS and the four functions' configuration
 * spaces (host bridge, ISA, IDE, ACPI: pci_gen1.h's order). */
#define DS_PCI_FUNCS 4u
struct ds_pci {
	uint32_t config_address, pad;
	uint8_t cfg[DS_PCI_FUNCS][PCI_CFG_SIZE];
};
_Static_assert(sizeof(struct ds_pci) == 8 + 4 * 256, "ds_pci size");

/* What sits at a drive position; restore needs the same as the VM has
 * attached now (its configuration), with the same capacity. */
enum { DS_DRIVE_NONE = 0, DS_DRIVE_DISK = 1, DS_DRIVE_CD_EMPTY = 2, DS_DRIVE_CD = 3 };

struct ds_ide_drive {
	uint8_t kind;                 /* DS_DRIVE_* */
	uint8_t status, error, intrq;
	uint8_t mult, xfer_mode, wcache, lookahead;
	uint8_t standby, xfer, on_disk, pad0;
	uint16_t heads, spt;
	uint64_t sectors;             /* a disk's 512-byte sectors, a CD's 2048-byte blocks */
	uint64_t lba;
	uint32_t left, block, pos, len;
	/* ATAPI (ide.h struct ide_atapi) */
	uint8_t cdb[ATAPI_CDB_LEN];
	uint8_t key, asc, ascq, unit_attention;
	uint8_t media_event, locked, packet_cmd, dma;
	uint32_t blk_left;
	uint16_t bcl, pad1[3];
	uint64_t total;
	uint8_t buf[IDE_BUF_SIZE];
};
_Static_assert(sizeof(struct ds_ide_drive) == 88 + IDE_BUF_SIZE, "ds_ide_drive size");

struct ds_ide_channel {
	uint8_t tf_feature[2], tf_count[2], tf_lbal[2], tf_lbam[2];
	uint8_t tf_lbah[2], tf_device, devctl;
	uint8_t irq_level, sig_valid, bm_cmd, bm_status;
	int8_t dma_unit;
	uint8_t bm_enabled, bm_cur_eot, pad[5];
	uint32_t bm_prd_table, bm_prd_index, bm_cur_addr, bm_cur_left;
	struct ds_ide_drive drive[2];
};
_Static_assert(sizeof(struct ds_ide_channel) == 40 + 2 * sizeof(struct ds_ide_drive),
	       "ds_ide_channel size");

/* One device each: save fills the wire struct (every byte written);
 * check says whether the wire struct is a state the device can be in
 * (for the IDE channel: with the drives attached to ch now); restore
 * checks, then applies all or nothing. The interrupt lines are restored
 * as levels, without calling the device's irq callback: the 8259 pair's
 * own record holds what its inputs were. */
void uart_save(const struct uart *u, struct ds_uart *w);
int uart_check(const struct ds_uart *w);
int uart_restore(struct uart *u, const struct ds_uart *w);
void pic_save(const struct pic8259 *p, struct ds_pic *w);
int pic_check(const struct ds_pic *w);
int pic_restore(struct pic8259 *p, const struct ds_pic *w);
void cmos_save(const struct cmos *c, struct ds_cmos *w);
int cmos_check(const struct ds_cmos *w);
int cmos_restore(struct cmos *c, const struct ds_cmos *w);
void pci_gen1_save(const struct pci_gen1 *g, struct ds_pci *w);
int pci_gen1_check(const struct pci_gen1 *g, const struct ds_pci *w);
int pci_gen1_restore(struct pci_gen1 *g, const struct ds_pci *w);
void ide_save(const struct ide_channel *ch, struct ds_ide_channel *w);
int ide_check(const struct ide_channel *ch, const struct ds_ide_channel *w);
int ide_restore(struct ide_channel *ch, const struct ds_ide_channel *w);

/* A child's device set; pci and ide NULL for a VM without the gen1 PCI
 * bus (no IDE drives), and then the section has no such records. */
struct devstate_set {
	struct uart *uart;
	struct pic8259 *pic;
	struct cmos *cmos;
	struct pci_gen1 *pci;
	struct piix_ide *ide;
};

/* Bytes devstate_save writes for s. */
size_t devstate_size(const struct devstate_set *s);
/* The section into buf (cap bytes) and its length into *len; -ENOSPC
 * when it does not fit. Not reentrant (the wire structs are large and
 * kept in static scratch, as restore's are). */
int devstate_save(const struct devstate_set *s, uint8_t *buf, size_t cap, size_t *len);
/* Parse buf (len bytes, exactly one section), check every record against
 * s's devices and apply them all; -EINVAL and s untouched otherwise. */
int devstate_restore(const struct devstate_set *s, const uint8_t *buf, size_t len);

#endif
