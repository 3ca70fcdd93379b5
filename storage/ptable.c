/*
 * Partition tables (MBR and GPT) read from a block device. GPT follows
 * UEFI spec 2.x section 5.3; the legacy MBR and the protective MBR follow
 * section 5.2; logical partitions follow the extended-boot-record chain
 * as Linux reads it (block/partitions/msdos.c, parse_extended).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "storage/ptable.h"
#include "storage/ptable_format.h"

#define SECTOR PTABLE_SECTOR

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t dev_sectors(const struct blockdev *bd)
{
	return bd->size / SECTOR;
}

static void note(struct ptable *pt, const char *why)
{
	snprintf(pt->note, sizeof(pt->note), "%s", why);
}

static struct ptable_part *part_add(struct ptable *pt, int number, uint64_t first, uint64_t count)
{
	struct ptable_part *p;

	if (pt->nparts >= PTABLE_PART_MAX)
		return NULL;
	p = &pt->parts[pt->nparts++];
	memset(p, 0, sizeof(*p));
	p->number = number;
	p->offset = first * SECTOR;
	p->size = count * SECTOR;
	return p;
}

/* ---- GPT ------------------------------------------------------------------ */

/* GUIDs are stored with the first three fields little-endian (UEFI spec
 * Appendix A); print them the usual way. */
static void guid_format(const uint8_t *g, char *out, size_t n)
{
	snprintf(out, n, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const struct { const char *guid, *name; } gpt_types[] = {
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System" },
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Basic data" },
	{ "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
};

static void gpt_type_name(const uint8_t *g, char *out, size_t n)
{
	char s[40];

	guid_format(g, s, sizeof(s));
	for (size_t i = 0; i < sizeof(gpt_types) / sizeof(gpt_types[0]); i++)
		if (!strcmp(s, gpt_types[i].guid)) {
			snprintf(out, n, "%s", gpt_types[i].name);
			return;
		}
	snprintf(out, n, "{%.8s...}", s);
}

/* The header in sec (read from lba) is valid. Its CRC covers header_size
 * bytes of the sector with the CRC field taken as zero (UEFI spec 5.3.2),
 * which may be more than struct gpt_header holds. */
static int gpt_header_ok(const struct blockdev *bd, uint8_t *sec, struct gpt_header *h,
			 uint64_t lba)
{
	uint32_t want;

	memcpy(h, sec, sizeof(*h));
	want = h->header_crc32;
	if (memcmp(h->signature, GPT_SIGNATURE, 8))
		return 0;
	/* UEFI spec 5.3.2: HeaderSize is at least 92 and at most a block. */
	if (h->header_size < sizeof(*h) || h->header_size > SECTOR || h->my_lba != lba)
		return 0;
	if (h->entry_size < sizeof(struct gpt_entry) || h->entry_size % 8 ||
	    h->entry_size > 4096 || h->entry_count > PTABLE_GPT_ENTRIES_MAX)
		return 0;
	if (h->entries_lba < 2 || h->entries_lba >= dev_sectors(bd))
		return 0;
	memset(sec + offsetof(struct gpt_header, header_crc32), 0, sizeof(h->header_crc32));
	return crc32_compute(sec, h->header_size) == want;
}

static void gpt_add_entry(struct ptable *pt, uint64_t nsect, const struct gpt_entry *e, int number)
{
	static const uint8_t zero[16];
	struct ptable_part *p;

	if (!memcmp(e->type_guid, zero, 16))
		return;  /* UEFI spec 5.3.3: an all-zero type GUID marks an unused entry */
	if (e->first_lba > e->last_lba || e->last_lba >= nsect)
		return;
	p = part_add(pt, number, e->first_lba, e->last_lba - e->first_lba + 1);
	if (p)
		gpt_type_name(e->type_guid, p->type, sizeof(p->type));
}

/* The primary header at LBA 1, or else the backup in the last LBA (UEFI
 * spec 5.3.2: if the primary header is invalid, the backup is checked and
 * used). */
static int gpt_find_header(struct blockdev *bd, struct ptable *pt, struct gpt_header *h)
{
	uint8_t sec[SECTOR];
	uint64_t last = dev_sectors(bd) - 1;
	int rc = blockdev_read(bd, SECTOR, sec, SECTOR);

	if (rc)
		return rc;
	if (gpt_header_ok(bd, sec, h, 1))
		return 0;
	rc = blockdev_read(bd, last * SECTOR, sec, SECTOR);
	if (rc || !gpt_header_ok(bd, sec, h, last)) {
		note(pt, "protective MBR but no valid GPT header");
		return rc ? rc : -EINVAL;
	}
	note(pt, "primary GPT header damaged; using the backup");
	return 0;
}

static int gpt_read(struct blockdev *bd, struct ptable *pt)
{
	struct gpt_header h;
	uint8_t *ents;
	size_t len;
	int rc = gpt_find_header(bd, pt, &h);

	if (rc)
		return rc;
	len = (size_t)h.entry_count * h.entry_size;
	len = (len + SECTOR - 1) / SECTOR * SECTOR;
	ents = calloc(1, len ? len : SECTOR);
	if (!ents)
		return -ENOMEM;
	rc = blockdev_read(bd, h.entries_lba * SECTOR, ents, len);
	if (!rc && crc32_compute(ents, (size_t)h.entry_count * h.entry_size) != h.entries_crc32) {
		note(pt, "GPT partition array checksum mismatch");
		rc = -EINVAL;
	}
	for (uint32_t i = 0; !rc && i < h.entry_count; i++) {
		struct gpt_entry e;

		memcpy(&e, ents + (size_t)i * h.entry_size, sizeof(e));
		gpt_add_entry(pt, dev_sectors(bd), &e, (int)i + 1);
	}
	free(ents);
	if (!rc)
		pt->style = PTABLE_STYLE_GPT;
	return rc;
}

/* ---- MBR ------------------------------------------------------------------ */

static int is_extended(uint8_t type)
{
	return type == MBR_TYPE_EXTENDED_CHS || type == MBR_TYPE_EXTENDED_LBA ||
	       type == MBR_TYPE_EXTENDED_LINUX;
}

static void mbr_add_entry(struct ptable *pt, uint64_t nsect, const struct mbr_entry *e, int number)
{
	uint64_t first = ptable_le32(e->lba_first), count = ptable_le32(e->sectors);
	struct ptable_part *p;

	if (e->type == MBR_TYPE_EMPTY || !count || first + count > nsect)
		return;
	p = part_add(pt, number, first, count);
	if (!p)
		return;
	p->mbr_type = e->type;
	snprintf(p->type, sizeof(p->type), "%s (0x%02x)",
		 e->type == MBR_TYPE_LINUX ? "Linux" :
		 (e->type == MBR_TYPE_EXTENDED_CHS || e->type == MBR_TYPE_EXTENDED_LBA) ?
		 "Extended" : "MBR", e->type);
}

/* One sector with the 0x55 0xAA signature (UEFI spec 5.2.1); its entries
 * are copied to e. */
static int mbr_sector_read(struct blockdev *bd, uint64_t lba, struct mbr_entry *e, int n)
{
	uint8_t sec[SECTOR];
	int rc = blockdev_read(bd, lba * SECTOR, sec, SECTOR);

	if (rc)
		return rc;
	if (sec[MBR_SIG_OFFSET] != 0x55 || sec[MBR_SIG_OFFSET + 1] != 0xaa)
		return -ENOENT;
	memcpy(e, sec + MBR_TABLE_OFFSET, (size_t)n * sizeof(*e));
	return 0;
}

/* Logical partitions: a chain of extended boot records inside the extended
 * partition, each with the logical partition (start relative to that EBR)
 * and a link to the next EBR (start relative to the extended partition).
 * They are numbered from 5 on, across all extended partitions of the MBR
 * (as Linux does), so numbers stay unique. Loops and links outside the
 * extended partition end the chain. */
static void mbr_read_logical(struct blockdev *bd, struct ptable *pt, const struct mbr_entry *ext,
			     int *number)
{
	uint64_t base = ptable_le32(ext->lba_first), ebr = base;
	uint64_t end = base + ptable_le32(ext->sectors);

	for (int guard = 0; guard < PTABLE_PART_MAX && ebr >= base && ebr < end; guard++) {
		struct mbr_entry e[2];
		uint32_t first, next;

		if (mbr_sector_read(bd, ebr, e, 2))
			break;
		first = ptable_le32(e[0].lba_first);
		if (e[0].type != MBR_TYPE_EMPTY && !is_extended(e[0].type) &&
		    ebr + first + ptable_le32(e[0].sectors) <= end && ebr + first <= 0xffffffffu) {
			put_le32(e[0].lba_first, (uint32_t)(ebr + first));
			mbr_add_entry(pt, dev_sectors(bd), &e[0], (*number)++);
		}
		next = ptable_le32(e[1].lba_first);
		if (!is_extended(e[1].type) || !next || base + next <= ebr)
			break;   /* a chain only moves forward: no loops */
		ebr = base + next;
	}
}

int ptable_read(struct blockdev *bd, struct ptable *pt)
{
	struct mbr_entry e[4];
	int rc, logical = 5;

	memset(pt, 0, sizeof(*pt));
	pt->style = PTABLE_STYLE_RAW;
	if (bd->size < 2 * SECTOR)
		return 0;
	rc = mbr_sector_read(bd, 0, e, 4);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	/* UEFI spec 5.2.3: a protective MBR entry (type 0xEE) means GPT. */
	for (int i = 0; i < 4; i++)
		if (e[i].type == MBR_TYPE_GPT_PROTECTIVE)
			return gpt_read(bd, pt);
	for (int i = 0; i < 4; i++)
		mbr_add_entry(pt, dev_sectors(bd), &e[i], i + 1);
	for (int i = 0; i < 4; i++)
		if (is_extended(e[i].type) && ptable_le32(e[i].sectors))
			mbr_read_logical(bd, pt, &e[i], &logical);
	/* An ext2 volume's first sector can carry 0x55AA by chance; with no
	 * usable entry, treat the disk as unpartitioned. */
	if (pt->nparts)
		pt->style = PTABLE_STYLE_MBR;
	return 0;
}

const struct ptable_part *ptable_find(const struct ptable *pt, int number)
{
	for (int i = 0; i < pt->nparts; i++)
		if (pt->parts[i].number == number)
			return &pt->parts[i];
	return NULL;
}

const char *ptable_style_name(enum ptable_style s)
{
	return s == PTABLE_STYLE_MBR ? "MBR" : s == PTABLE_STYLE_GPT ? "GPT" : "RAW";
}
