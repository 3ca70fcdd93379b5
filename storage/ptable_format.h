/*
 * On-disk partition-table structures: the legacy MBR (with the extended
 * boot records of logical partitions) and GPT. Multi-byte MBR fields are
 * little-endian and unaligned in the sector, so they are byte arrays read
 * through ptable_le32(); GPT fields are little-endian and naturally
 * aligned, read on little-endian hosts only (x86-64, as every build here).
 */
#ifndef STORAGE_PTABLE_FORMAT_H
#define STORAGE_PTABLE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Master Boot Record: four 16-byte partition entries at offset 446 and the
 * signature 0x55 0xAA at 510 (UEFI spec 2.x, 5.2.1 "Legacy MBR"). An
 * extended boot record has the same layout, with two entries used. */
#define MBR_SIG_OFFSET   510
#define MBR_TABLE_OFFSET 446
#define MBR_TYPE_EMPTY   0x00
#define MBR_TYPE_GPT_PROTECTIVE 0xee   /* UEFI spec 5.2.3 "Protective MBR" */
#define MBR_TYPE_EXTENDED_CHS 0x05
#define MBR_TYPE_EXTENDED_LBA 0x0f
#define MBR_TYPE_EXTENDED_LINUX 0x85
#define MBR_TYPE_LINUX   0x83

struct mbr_entry {
	uint8_t boot;          /* 0x80 = bootable */
	uint8_t chs_first[3];
	uint8_t type;
	uint8_t chs_last[3];
	uint8_t lba_first[4];  /* little-endian, unaligned in the sector */
	uint8_t sectors[4];
};
_Static_assert(sizeof(struct mbr_entry) == 16, "MBR partition entry");

/* GPT header at LBA 1, its backup in the last LBA (UEFI spec 2.x, 5.3.2
 * "GPT Header"). */
#define GPT_SIGNATURE "EFI PART"
struct gpt_header {
	char signature[8];
	uint32_t revision;
	uint32_t header_size;      /* 92 .. sector size */
	uint32_t header_crc32;     /* CRC32 of header_size bytes, this field 0 */
	uint32_t reserved;
	uint64_t my_lba, alternate_lba, first_usable_lba, last_usable_lba;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t entry_count;
	uint32_t entry_size;       /* 128 * 2^n */
	uint32_t entries_crc32;
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_header) == 92, "GPT header");
_Static_assert(offsetof(struct gpt_header, header_crc32) == 16, "GPT header CRC field");

/* GPT partition entry (UEFI spec 2.x, 5.3.3 "GPT Partition Entry Array"). */
struct gpt_entry {
	uint8_t type_guid[16];     /* all zero: unused entry */
	uint8_t unique_guid[16];
	uint64_t first_lba, last_lba; /* inclusive */
	uint64_t attributes;
	uint16_t name[36];         /* UTF-16LE */
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_entry) == 128, "GPT partition entry");

static inline uint32_t ptable_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
