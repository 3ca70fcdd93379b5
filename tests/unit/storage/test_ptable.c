/* Unit tests for storage/ptable.c: MBR (primary and logical partitions)
 * and GPT (primary, backup, checksums) read from RAM disks. The images are
 * built here byte by byte as the UEFI spec lays them out; GPT checksums
 * come from zlib's crc32, an implementation independent of the one under
 * test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>
#include "storage/ptable.h"
#include "storage/ptable_format.h"

#define SEC 512u
#define MIB (1024u * 1024u)

static const uint8_t linux_fs_guid[16] = {  /* 0FC63DAF-8483-4772-8E79-3D69D8477DE4 */
	0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
	0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };
static const uint8_t odd_guid[16] = {       /* 12345678-9ABC-DEF0-... : not in the list */
	0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
	1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t unused_guid[16];       /* all zero: an unused entry */

static struct blockdev disk_new(uint64_t size)
{
	struct blockdev bd;

	assert_int_equal(blockdev_ram_create(size, SEC, &bd), 0);
	return bd;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void sector_write(struct blockdev *bd, uint64_t lba, const void *buf)
{
	assert_int_equal(blockdev_write(bd, lba * SEC, buf, SEC), 0);
}

/* Writes an MBR-style sector at lba: the signature and up to four entries
 * given as (type, first, count). */
static void mbr_write(struct blockdev *bd, uint64_t lba, const uint32_t (*e)[3], int n)
{
	uint8_t sec[SEC] = { 0 };

	for (int i = 0; i < n; i++) {
		uint8_t *p = sec + MBR_TABLE_OFFSET + 16 * i;

		p[4] = (uint8_t)e[i][0];
		put32(p + 8, e[i][1]);
		put32(p + 12, e[i][2]);
	}
	sec[510] = 0x55;
	sec[511] = 0xaa;
	sector_write(bd, lba, sec);
}

struct gpt_spec {
	uint32_t header_size;       /* 92 unless a test wants more */
	uint32_t entry_count;
	uint64_t entries_lba;
	int nents;
	struct { const uint8_t *guid; uint64_t first, last; } ent[20];
};

/* The entry array at s->entries_lba and a header at lba whose own LBA is
 * lba; header_size bytes of the sector are covered by the CRC. */
static void gpt_write(struct blockdev *bd, uint64_t lba, const struct gpt_spec *s)
{
	size_t alen = (size_t)s->entry_count * sizeof(struct gpt_entry);
	uint8_t *arr = calloc(1, alen + SEC), sec[SEC] = { 0 };
	struct gpt_header h = { .revision = 0x10000 };

	assert_non_null(arr);
	for (int i = 0; i < s->nents; i++) {
		struct gpt_entry *e = (struct gpt_entry *)(arr + i * sizeof(*e));

		memcpy(e->type_guid, s->ent[i].guid, 16);
		e->first_lba = s->ent[i].first;
		e->last_lba = s->ent[i].last;
	}
	if (s->entries_lba < bd->size / SEC)    /* else a test of an array past the end */
		assert_int_equal(blockdev_write(bd, s->entries_lba * SEC, arr,
						(alen + SEC - 1) / SEC * SEC), 0);
	memcpy(h.signature, GPT_SIGNATURE, 8);
	h.header_size = s->header_size ? s->header_size : 92;
	h.my_lba = lba;
	h.entries_lba = s->entries_lba;
	h.entry_count = s->entry_count;
	h.entry_size = sizeof(struct gpt_entry);
	h.entries_crc32 = (uint32_t)crc32(0, arr, (uInt)alen);
	memcpy(sec, &h, sizeof(h));
	for (uint32_t i = sizeof(h); i < SEC; i++)
		sec[i] = (uint8_t)(i * 7);     /* bytes the struct does not name */
	h.header_crc32 = (uint32_t)crc32(0, sec, h.header_size < SEC ? h.header_size : SEC);
	memcpy(sec, &h, sizeof(h));
	sector_write(bd, lba, sec);
	free(arr);
}

static void protective_mbr(struct blockdev *bd)
{
	const uint32_t e[1][3] = { { MBR_TYPE_GPT_PROTECTIVE, 1, (uint32_t)(bd->size / SEC - 1) } };

	mbr_write(bd, 0, e, 1);
}

static struct gpt_spec gpt_two(void)
{
	struct gpt_spec s = { .entry_count = 4, .entries_lba = 2, .nents = 3 };

	s.ent[0].guid = linux_fs_guid, s.ent[0].first = 2048, s.ent[0].last = 4095;
	s.ent[1].guid = unused_guid;   /* an unused slot keeps its number */
	s.ent[2].guid = odd_guid, s.ent[2].first = 4096, s.ent[2].last = 6143;
	return s;
}

static void test_raw(void **state)
{
	struct blockdev bd = disk_new(MIB);
	struct ptable pt;
	uint8_t sec[SEC];

	(void)state;
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_RAW);
	assert_int_equal(pt.nparts, 0);
	/* The signature with no usable entry: an ext2 boot sector by chance. */
	memset(sec, 0, sizeof(sec));
	sec[510] = 0x55, sec[511] = 0xaa;
	sector_write(&bd, 0, sec);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_RAW);
	assert_string_equal(ptable_style_name(pt.style), "RAW");
	blockdev_close(&bd);
	/* Smaller than an MBR and a GPT header: nothing is read. */
	bd = disk_new(SEC);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 0);
	blockdev_close(&bd);
}

static void test_mbr_primary(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);   /* 8192 sectors */
	const uint32_t e[4][3] = {
		{ MBR_TYPE_LINUX, 2048, 2048 },
		{ MBR_TYPE_EMPTY, 100, 100 },          /* empty: skipped, number 2 unused */
		{ 0x07, 4096, 4096 },                  /* ends exactly at the disk's end */
		{ MBR_TYPE_LINUX, 8000, 400 },         /* past the end: skipped */
	};
	struct ptable pt;
	const struct ptable_part *p;

	(void)state;
	mbr_write(&bd, 0, e, 4);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_MBR);
	assert_string_equal(ptable_style_name(pt.style), "MBR");
	assert_int_equal(pt.nparts, 2);
	p = ptable_find(&pt, 1);
	assert_non_null(p);
	assert_int_equal(p->offset, 2048ull * SEC);
	assert_int_equal(p->size, 2048ull * SEC);
	assert_int_equal(p->mbr_type, MBR_TYPE_LINUX);
	assert_string_equal(p->type, "Linux (0x83)");
	p = ptable_find(&pt, 3);
	assert_non_null(p);
	assert_int_equal(p->offset, 4096ull * SEC);
	assert_string_equal(p->type, "MBR (0x07)");
	assert_null(ptable_find(&pt, 2));
	assert_null(ptable_find(&pt, 4));
	assert_string_equal(pt.note, "");
	blockdev_close(&bd);
}

/* An extended partition at 1000 holding two logical partitions: EBRs at
 * 1000 and 3000, each logical partition starting 63 sectors after its EBR. */
static void test_mbr_logical(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	const uint32_t mbr[2][3] = { { MBR_TYPE_LINUX, 100, 800 },
				     { MBR_TYPE_EXTENDED_LBA, 1000, 6000 } };
	const uint32_t ebr1[2][3] = { { MBR_TYPE_LINUX, 63, 1000 },
				      { MBR_TYPE_EXTENDED_CHS, 2000, 3000 } };
	const uint32_t ebr2[1][3] = { { 0x82, 63, 500 } };
	struct ptable pt;
	const struct ptable_part *p;

	(void)state;
	mbr_write(&bd, 0, mbr, 2);
	mbr_write(&bd, 1000, ebr1, 2);
	mbr_write(&bd, 3000, ebr2, 1);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_MBR);
	assert_int_equal(pt.nparts, 4);
	assert_string_equal(ptable_find(&pt, 2)->type, "Extended (0x0f)");
	p = ptable_find(&pt, 5);
	assert_non_null(p);
	assert_int_equal(p->offset, 1063ull * SEC);
	assert_int_equal(p->size, 1000ull * SEC);
	p = ptable_find(&pt, 6);
	assert_non_null(p);
	assert_int_equal(p->offset, 3063ull * SEC);
	assert_int_equal(p->size, 500ull * SEC);
	assert_string_equal(p->type, "MBR (0x82)");
	blockdev_close(&bd);
}

/* Two extended partitions: logical partitions are numbered on from the
 * first chain into the second, so every number names one partition. */
static void test_mbr_two_extended(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	const uint32_t mbr[2][3] = { { MBR_TYPE_EXTENDED_LBA, 1000, 1000 },
				     { MBR_TYPE_EXTENDED_LINUX, 3000, 1000 } };
	const uint32_t ebr[1][3] = { { MBR_TYPE_LINUX, 63, 100 } };
	struct ptable pt;

	(void)state;
	mbr_write(&bd, 0, mbr, 2);
	mbr_write(&bd, 1000, ebr, 1);
	mbr_write(&bd, 3000, ebr, 1);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 4);
	assert_int_equal(ptable_find(&pt, 5)->offset, 1063ull * SEC);
	assert_int_equal(ptable_find(&pt, 6)->offset, 3063ull * SEC);
	assert_string_equal(ptable_find(&pt, 2)->type, "MBR (0x85)");
	blockdev_close(&bd);
}

/* A chain ends at a zero link, at a link that does not move forward (to
 * itself or back: a loop) and at one past the extended partition; a
 * logical partition reaching past the extended partition is skipped. */
static void test_mbr_logical_loops(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	const uint32_t mbr[1][3] = { { MBR_TYPE_EXTENDED_LBA, 1000, 6000 } };
	const uint32_t end[2][3] = { { MBR_TYPE_LINUX, 63, 100 }, { MBR_TYPE_EMPTY, 0, 0 } };
	const uint32_t to1500[2][3] = { { MBR_TYPE_LINUX, 63, 100 },
				        { MBR_TYPE_EXTENDED_CHS, 500, 10 } };
	const uint32_t self[2][3] = { { MBR_TYPE_LINUX, 63, 100 },
				      { MBR_TYPE_EXTENDED_CHS, 500, 10 } };
	const uint32_t back[2][3] = { { MBR_TYPE_LINUX, 63, 100 },
				      { MBR_TYPE_EXTENDED_CHS, 1, 10 } };
	const uint32_t far[2][3] = { { MBR_TYPE_LINUX, 63, 100 },
				     { MBR_TYPE_EXTENDED_CHS, 7000, 10 } };
	const uint32_t big[2][3] = { { MBR_TYPE_LINUX, 63, 6000 }, { MBR_TYPE_EMPTY, 0, 0 } };
	struct ptable pt;

	(void)state;
	mbr_write(&bd, 0, mbr, 1);
	mbr_write(&bd, 1000, end, 2);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 2);     /* the extended partition and 5 */
	mbr_write(&bd, 1000, to1500, 2);
	mbr_write(&bd, 1500, self, 2);      /* 1500 -> 1500 */
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 3);
	mbr_write(&bd, 1500, back, 2);      /* 1500 -> 1001 */
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 3);
	mbr_write(&bd, 1500, far, 2);       /* 1500 -> 8000 */
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 3);
	mbr_write(&bd, 1500, big, 2);       /* 1563 + 6000 > 7000 */
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 2);
	assert_non_null(ptable_find(&pt, 5));
	blockdev_close(&bd);
}

/* More entries than the table holds: the first PTABLE_PART_MAX are kept. */
static void test_mbr_many_logical(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	const uint32_t mbr[1][3] = { { MBR_TYPE_EXTENDED_LBA, 100, 8000 } };
	struct ptable pt;

	(void)state;
	mbr_write(&bd, 0, mbr, 1);
	for (uint32_t i = 0; i < 30; i++) {
		const uint32_t ebr[2][3] = { { MBR_TYPE_LINUX, 1, 10 },
					     { MBR_TYPE_EXTENDED_CHS, (i + 1) * 20, 20 } };

		mbr_write(&bd, 100 + i * 20, ebr, 2);
	}
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, PTABLE_PART_MAX);
	assert_int_equal(pt.parts[PTABLE_PART_MAX - 1].number, 5 + PTABLE_PART_MAX - 2);
	blockdev_close(&bd);
}

static void test_gpt_primary(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	struct gpt_spec s = gpt_two();
	struct ptable pt;
	const struct ptable_part *p;

	(void)state;
	protective_mbr(&bd);
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_GPT);
	assert_string_equal(ptable_style_name(pt.style), "GPT");
	assert_int_equal(pt.nparts, 2);
	assert_string_equal(pt.note, "");
	p = ptable_find(&pt, 1);
	assert_non_null(p);
	assert_int_equal(p->offset, 2048ull * SEC);
	assert_int_equal(p->size, 2048ull * SEC);
	assert_int_equal(p->mbr_type, 0);
	assert_string_equal(p->type, "Linux filesystem");
	assert_null(ptable_find(&pt, 2));
	p = ptable_find(&pt, 3);
	assert_non_null(p);
	assert_string_equal(p->type, "{12345678...}");
	blockdev_close(&bd);
}

/* UEFI spec 5.3.2: HeaderSize may be up to a block, and the CRC covers all
 * of it. A header of 512 bytes with bytes after the 92 named ones is valid
 * (the CRC must be taken over the sector, not over a 92-byte copy). */
static void test_gpt_large_header(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	struct gpt_spec s = gpt_two();
	struct ptable pt;

	(void)state;
	s.header_size = SEC;
	protective_mbr(&bd);
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_GPT);
	assert_int_equal(pt.nparts, 2);
	s.header_size = SEC + 8;            /* larger than a block: invalid */
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), -EINVAL);
	assert_string_equal(pt.note, "protective MBR but no valid GPT header");
	blockdev_close(&bd);
}

static void test_gpt_backup(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	struct gpt_spec s = gpt_two();
	uint64_t last = bd.size / SEC - 1;
	uint8_t sec[SEC];
	struct ptable pt;

	(void)state;
	protective_mbr(&bd);
	s.entries_lba = last - 1;           /* the backup's array before it */
	gpt_write(&bd, last, &s);
	/* A primary header with a bad CRC: the backup is used. */
	s.entries_lba = 2;
	gpt_write(&bd, 1, &s);
	assert_int_equal(blockdev_read(&bd, SEC, sec, SEC), 0);
	sec[40] ^= 1;
	sector_write(&bd, 1, sec);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.style, PTABLE_STYLE_GPT);
	assert_int_equal(pt.nparts, 2);
	assert_string_equal(pt.note, "primary GPT header damaged; using the backup");
	/* A backup that names the wrong LBA as its own is not valid either. */
	gpt_write(&bd, last, &s);
	assert_int_equal(blockdev_read(&bd, last * SEC, sec, SEC), 0);
	put32(sec + 24, 7);
	sector_write(&bd, last, sec);
	assert_int_equal(ptable_read(&bd, &pt), -EINVAL);
	assert_int_equal(pt.style, PTABLE_STYLE_RAW);
	assert_int_equal(pt.nparts, 0);
	assert_string_equal(pt.note, "protective MBR but no valid GPT header");
	blockdev_close(&bd);
}

static void test_gpt_bad_array(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	struct gpt_spec s = gpt_two();
	uint8_t sec[SEC];
	struct ptable pt;

	(void)state;
	protective_mbr(&bd);
	gpt_write(&bd, 1, &s);
	assert_int_equal(blockdev_read(&bd, 2 * SEC, sec, SEC), 0);
	sec[33] ^= 0x80;                    /* an entry changed after the CRC */
	sector_write(&bd, 2, sec);
	assert_int_equal(ptable_read(&bd, &pt), -EINVAL);
	assert_int_equal(pt.nparts, 0);
	assert_int_equal(pt.style, PTABLE_STYLE_RAW);
	assert_string_equal(pt.note, "GPT partition array checksum mismatch");
	blockdev_close(&bd);
}

/* Entries outside the disk or inverted are skipped; an entry array or a
 * count beyond the limits makes the header invalid. */
static void test_gpt_bounds(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	struct gpt_spec s = { .entry_count = 4, .entries_lba = 2, .nents = 4 };
	struct ptable pt;

	(void)state;
	s.ent[0].guid = linux_fs_guid, s.ent[0].first = 100, s.ent[0].last = 8191;  /* last LBA */
	s.ent[1].guid = linux_fs_guid, s.ent[1].first = 100, s.ent[1].last = 8192;  /* past it */
	s.ent[2].guid = linux_fs_guid, s.ent[2].first = 300, s.ent[2].last = 299;   /* inverted */
	s.ent[3].guid = linux_fs_guid, s.ent[3].first = 0, s.ent[3].last = UINT64_MAX;
	protective_mbr(&bd);
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, 1);
	assert_int_equal(pt.parts[0].number, 1);
	assert_int_equal(pt.parts[0].offset + pt.parts[0].size, bd.size);
	s.entry_count = PTABLE_GPT_ENTRIES_MAX + 1;
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), -EINVAL);
	s.entry_count = 4;
	s.entries_lba = 8192;               /* past the disk */
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), -EINVAL);
	blockdev_close(&bd);
}

/* Twenty used GPT entries: the first PTABLE_PART_MAX are kept. */
static void test_gpt_many(void **state)
{
	struct blockdev bd = disk_new(4 * MIB);
	struct gpt_spec s = { .entry_count = 20, .entries_lba = 2, .nents = 20 };
	struct ptable pt;

	(void)state;
	for (int i = 0; i < 20; i++) {
		s.ent[i].guid = linux_fs_guid;
		s.ent[i].first = 100 + 10 * i;
		s.ent[i].last = 109 + 10 * i;
	}
	protective_mbr(&bd);
	gpt_write(&bd, 1, &s);
	assert_int_equal(ptable_read(&bd, &pt), 0);
	assert_int_equal(pt.nparts, PTABLE_PART_MAX);
	assert_int_equal(pt.parts[PTABLE_PART_MAX - 1].number, PTABLE_PART_MAX);
	blockdev_close(&bd);
}

/* A device whose reads fail: the error comes back, nothing is listed. */
static int failing_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -EIO;
}

static void test_read_error(void **state)
{
	static const struct blockdev_ops ops = { .read = failing_read };
	struct blockdev bd = { .ops = &ops, .size = MIB, .sector_size = SEC };
	struct ptable pt;

	(void)state;
	assert_int_equal(ptable_read(&bd, &pt), -EIO);
	assert_int_equal(pt.nparts, 0);
	assert_int_equal(pt.style, PTABLE_STYLE_RAW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_mbr_primary),
		cmocka_unit_test(test_mbr_logical),
		cmocka_unit_test(test_mbr_two_extended),
		cmocka_unit_test(test_mbr_logical_loops),
		cmocka_unit_test(test_mbr_many_logical),
		cmocka_unit_test(test_gpt_primary),
		cmocka_unit_test(test_gpt_large_header),
		cmocka_unit_test(test_gpt_backup),
		cmocka_unit_test(test_gpt_bad_array),
		cmocka_unit_test(test_gpt_bounds),
		cmocka_unit_test(test_gpt_many),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
