/*
 * The disk registry and partition tables (MBR and GPT). A disk is a
 * blockdev plus what Get-Disk shows; partitions are read when a disk is
 * registered. GPT follows UEFI spec 2.x section 5.3; the legacy MBR and
 * the protective MBR follow section 5.2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "partition/drivers/ahci.h"
#include "partition/drivers/ata.h"
#include "partition/drivers/disk.h"

#define SECTOR 512u
#define GPT_ENTRIES_MAX 1024u       /* more than any real table (128 usual) */

static struct disk *disks[DISK_MAX];
static int next_number;

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

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

static int gpt_header_ok(struct disk *d, struct gpt_header *h, uint64_t lba)
{
	uint32_t want = h->header_crc32;

	if (memcmp(h->signature, GPT_SIGNATURE, 8))
		return 0;
	/* UEFI spec 5.3.2: HeaderSize is at least 92 and at most a block. */
	if (h->header_size < sizeof(*h) || h->header_size > SECTOR || h->my_lba != lba)
		return 0;
	if (h->entry_size < sizeof(struct gpt_entry) || h->entry_size % 8 ||
	    h->entry_size > 4096 || h->entry_count > GPT_ENTRIES_MAX)
		return 0;
	if (h->entries_lba < 2 || h->entries_lba >= d->bd.size / SECTOR)
		return 0;
	h->header_crc32 = 0;
	if (crc32_compute(h, h->header_size) != want)
		return 0;
	h->header_crc32 = want;
	return 1;
}

static void gpt_add_entry(struct disk *d, const struct gpt_entry *e, int number)
{
	static const uint8_t zero[16];
	struct disk_part *p;
	uint64_t max = d->bd.size / SECTOR;

	if (!memcmp(e->type_guid, zero, 16) || d->nparts >= DISK_PART_MAX)
		return;  /* UEFI spec 5.3.3: an all-zero type GUID marks an unused entry */
	if (e->first_lba > e->last_lba || e->last_lba >= max)
		return;
	p = &d->parts[d->nparts++];
	memset(p, 0, sizeof(*p));
	p->number = number;
	p->offset = e->first_lba * SECTOR;
	p->size = (e->last_lba - e->first_lba + 1) * SECTOR;
	gpt_type_name(e->type_guid, p->type, sizeof(p->type));
}

static int disk_read_gpt(struct disk *d)
{
	uint8_t sec[SECTOR];
	struct gpt_header h;
	uint8_t *ents;
	size_t len;
	uint64_t last = d->bd.size / SECTOR - 1;
	int rc = blockdev_read(&d->bd, SECTOR, sec, SECTOR);

	if (rc)
		return rc;
	memcpy(&h, sec, sizeof(h));
	/* UEFI spec 5.3.2: if the primary header is invalid, the backup in
	 * the last LBA is checked and used. */
	if (!gpt_header_ok(d, &h, 1)) {
		rc = blockdev_read(&d->bd, last * SECTOR, sec, SECTOR);
		memcpy(&h, sec, sizeof(h));
		if (rc || !gpt_header_ok(d, &h, last)) {
			snprintf(d->note, sizeof(d->note), "protective MBR but no valid GPT header");
			return rc ? rc : -EINVAL;
		}
		snprintf(d->note, sizeof(d->note), "primary GPT header damaged; using the backup");
	}
	len = (size_t)h.entry_count * h.entry_size;
	len = (len + SECTOR - 1) / SECTOR * SECTOR;
	ents = calloc(1, len ? len : SECTOR);
	if (!ents)
		return -ENOMEM;
	rc = blockdev_read(&d->bd, h.entries_lba * SECTOR, ents, len);
	if (!rc && crc32_compute(ents, (size_t)h.entry_count * h.entry_size) != h.entries_crc32) {
		snprintf(d->note, sizeof(d->note), "GPT partition array checksum mismatch");
		rc = -EINVAL;
	}
	for (uint32_t i = 0; !rc && i < h.entry_count; i++) {
		struct gpt_entry e;

		memcpy(&e, ents + (size_t)i * h.entry_size, sizeof(e));
		gpt_add_entry(d, &e, (int)i + 1);
	}
	free(ents);
	if (!rc)
		d->style = DISK_STYLE_GPT;
	return rc;
}

static void mbr_add_entry(struct disk *d, const struct mbr_entry *e, int number)
{
	uint64_t first = get_le32(e->lba_first), count = get_le32(e->sectors);
	struct disk_part *p;

	if (e->type == MBR_TYPE_EMPTY || !count || d->nparts >= DISK_PART_MAX)
		return;
	if (first + count > d->bd.size / SECTOR)
		return;
	p = &d->parts[d->nparts++];
	memset(p, 0, sizeof(*p));
	p->number = number;
	p->offset = first * SECTOR;
	p->size = count * SECTOR;
	p->mbr_type = e->type;
	snprintf(p->type, sizeof(p->type), "%s (0x%02x)",
		 e->type == MBR_TYPE_LINUX ? "Linux" :
		 (e->type == MBR_TYPE_EXTENDED_CHS || e->type == MBR_TYPE_EXTENDED_LBA) ?
		 "Extended" : "MBR", e->type);
}

static int is_extended(uint8_t type)
{
	return type == MBR_TYPE_EXTENDED_CHS || type == MBR_TYPE_EXTENDED_LBA || type == 0x85;
}

/* Logical partitions: a chain of extended boot records inside the extended
 * partition, each with the logical partition (start relative to that EBR)
 * and a link to the next EBR (start relative to the extended partition);
 * numbered from 5. Loops and links outside the extended partition end it. */
static void mbr_read_logical(struct disk *d, const struct mbr_entry *ext)
{
	uint64_t base = get_le32(ext->lba_first), end = base + get_le32(ext->sectors), ebr = base;
	uint8_t sec[SECTOR];
	int number = 5;

	for (int guard = 0; guard < DISK_PART_MAX && ebr >= base && ebr < end; guard++) {
		struct mbr_entry e[2];
		uint32_t first, next;

		if (blockdev_read(&d->bd, ebr * SECTOR, sec, SECTOR) ||
		    sec[MBR_SIG_OFFSET] != 0x55 || sec[MBR_SIG_OFFSET + 1] != 0xaa)
			break;
		memcpy(e, sec + MBR_TABLE_OFFSET, sizeof(e));
		first = get_le32(e[0].lba_first);
		if (e[0].type != MBR_TYPE_EMPTY && !is_extended(e[0].type) &&
		    ebr + first + get_le32(e[0].sectors) <= end && ebr + first <= 0xffffffffu) {
			put_le32(e[0].lba_first, (uint32_t)(ebr + first));
			mbr_add_entry(d, &e[0], number++);
		}
		next = get_le32(e[1].lba_first);
		if (!is_extended(e[1].type) || !next || base + next <= ebr)
			break;   /* a chain only moves forward: no loops */
		ebr = base + next;
	}
}

int disk_read_partitions(struct disk *d)
{
	uint8_t sec[SECTOR];
	struct mbr_entry e[4];
	int rc;

	d->nparts = 0;
	d->style = DISK_STYLE_RAW;
	d->note[0] = '\0';
	if (d->bd.size < 2 * SECTOR)
		return 0;
	rc = blockdev_read(&d->bd, 0, sec, SECTOR);
	if (rc)
		return rc;
	/* UEFI spec 5.2.1: a valid MBR ends in 0x55 0xAA. */
	if (sec[MBR_SIG_OFFSET] != 0x55 || sec[MBR_SIG_OFFSET + 1] != 0xaa)
		return 0;
	memcpy(e, sec + MBR_TABLE_OFFSET, sizeof(e));
	/* UEFI spec 5.2.3: a protective MBR entry (type 0xEE) means GPT. */
	for (int i = 0; i < 4; i++)
		if (e[i].type == MBR_TYPE_GPT_PROTECTIVE)
			return disk_read_gpt(d);
	for (int i = 0; i < 4; i++)
		mbr_add_entry(d, &e[i], i + 1);
	for (int i = 0; i < 4; i++)
		if (is_extended(e[i].type) && get_le32(e[i].sectors))
			mbr_read_logical(d, &e[i]);
	/* An ext2 volume's first sector can carry 0x55AA by chance; with no
	 * usable entry, treat the disk as unpartitioned. */
	if (d->nparts)
		d->style = DISK_STYLE_MBR;
	return 0;
}

struct disk *disk_register(const struct blockdev *bd, const char *bus,
			   const char *location, const char *model,
			   const char *serial)
{
	struct disk *d;
	int slot = -1;

	for (int i = 0; i < DISK_MAX && slot < 0; i++)
		if (!disks[i])
			slot = i;
	if (slot < 0 || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->number = next_number++;
	d->bd = *bd;
	snprintf(d->bus, sizeof(d->bus), "%s", bus);
	snprintf(d->location, sizeof(d->location), "%s", location);
	snprintf(d->model, sizeof(d->model), "%s", model && *model ? model : "(unnamed)");
	snprintf(d->serial, sizeof(d->serial), "%s", serial ? serial : "");
	if (disk_read_partitions(d) < 0 && !d->note[0])
		snprintf(d->note, sizeof(d->note), "partition table unreadable");
	disks[slot] = d;
	return d;
}

int disk_unregister(struct disk *d)
{
	for (int i = 0; i < DISK_MAX; i++) {
		if (disks[i] != d)
			continue;
		if (d->use == DISK_USE_HOST_VOLUME || d->use == DISK_USE_VM)
			return -EBUSY;
		blockdev_close(&d->bd);
		disks[i] = NULL;
		free(d);
		return 0;
	}
	return -ENOENT;
}

int disk_count(void)
{
	int n = 0;

	for (int i = 0; i < DISK_MAX; i++)
		n += disks[i] != NULL;
	return n;
}

/* Disks in number order (the slots are filled in order and reused). */
struct disk *disk_at(int i)
{
	struct disk *best = NULL;
	int lower = -1;

	for (int k = 0; k <= i; k++) {
		best = NULL;
		for (int j = 0; j < DISK_MAX; j++)
			if (disks[j] && disks[j]->number > lower &&
			    (!best || disks[j]->number < best->number))
				best = disks[j];
		if (!best)
			return NULL;
		lower = best->number;
	}
	return best;
}

struct disk *disk_find(int number)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (disks[i] && disks[i]->number == number)
			return disks[i];
	return NULL;
}

const char *disk_use_name(enum disk_use u)
{
	switch (u) {
	case DISK_USE_HOST_VOLUME: return "Host volume";
	case DISK_USE_VM: return "Pass-through";
	case DISK_USE_MOUNTED_VHD: return "Mounted VHD";
	default: return "Offline";
	}
}

const char *disk_style_name(enum disk_style s)
{
	return s == DISK_STYLE_MBR ? "MBR" : s == DISK_STYLE_GPT ? "GPT" : "RAW";
}

void disk_scan(void)
{
	ata_probe_all();
	ahci_probe_all();
}
