/*
 * storvsp's SCSI commands with their data (INQUIRY and VPD pages, REPORT
 * LUNS, READ CAPACITY, MODE SENSE, REQUEST SENSE, READ/WRITE 10/16 with
 * FUA, SYNCHRONIZE CACHE, UNMAP) on a RAM disk and on a dynamic VHD. The
 * field offsets are SPC-3/SBC-3's; sg3-utils (sg_inq, sg_vpd,
 * sg_decode_sense) decodes the responses as the reference, and qemu-img
 * reads the VHD back. Fixture: storvsp_fix.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "memfs.h"
#include "storage/vhd/vhd.h"
#include "storvsp_fix.h"

/* ---- SCSI commands ---- */

static void test_inquiry(void **state)
{
	static const uint8_t std[6] = { 0x12, 0, 0, 0, 96, 0 };
	static const uint8_t shortq[6] = { 0x12, 0, 0, 0, 5, 0 };
	static const uint8_t cmddt[6] = { 0x12, 2, 0, 0, 96, 0 };
	static const char *const std_says[] = { "PQual=0  PDT=0",
		"version=0x05  [SPC-3]", "HiSUP=1  Resp_data_format=2", "CmdQue=1",
		"Peripheral device type: disk", "Vendor identification: Msft",
		"Product identification: Virtual Disk", "Product revision level: 1.0",
		NULL };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	cdb_srb(f, std, 6, 1, 96);
	/* sg_inq: PQ/PDT byte 0, version byte 2 (5 = SPC-3), response data
	 * format byte 3 bits 3:0 (2), additional length byte 4 (n - 4),
	 * CmdQue byte 7 bit 1, T10 vendor 8..15, product 16..31, rev 32..35 */
	expect_good(f, 36);
	assert_int_equal(d[0], 0);
	assert_int_equal(d[2], 5);
	assert_int_equal(d[3] & 0xF, 2);
	assert_int_equal(d[4] + 5, 36);
	assert_int_equal(d[7] & 2, 2);
	assert_memory_equal(d + 8, "Msft    Virtual Disk    1.0 ", 28);
	sg3_says("sg_inq -r -I %s", d, 36, std_says);
	cdb_srb(f, shortq, 6, 1, 96);
	expect_good(f, 5);     /* allocation length truncates */
	cdb_srb(f, cmddt, 6, 1, 96);
	expect_sense(f, 5, 0x24);
	fix_free(f);
}

static void vpd(struct fix *f, uint8_t page, uint32_t expect_len)
{
	uint8_t cdb[6] = { 0x12, 1, page, 0, 255, 0 };

	memset(data_va(f, 0), 0xEE, 256);
	cdb_srb(f, cdb, 6, 1, 255);
	expect_good(f, expect_len);
	assert_int_equal(data_va(f, 0)[1], page);
	assert_int_equal((data_va(f, 0)[2] << 8 | data_va(f, 0)[3]) + 4, expect_len);
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_vpd(void **state)
{
	static const uint8_t pages[] = { 0, 0x80, 0x83, 0xB0, 0xB1, 0xB2 };
	static const uint8_t bad[6] = { 0x12, 1, 0x89, 0, 255, 0 };
	static const char *const sv[] = { "Supported VPD pages [sv]",
		"Unit serial number [sn]", "Device identification [di]",
		"Block limits (SBC) [bl]", "Block device characteristics (SBC) [bdc]",
		"Logical block provisioning (SBC) [lbpv]", NULL };
	static const char *const sn[] = { "Unit serial number: HVPART0001", NULL };
	static const char *const di[] = { "designator type: NAA,  code set: Binary",
		"0x600224800102030405060708090a0b0c",
		"designator type: T10 vendor identification,  code set: ASCII",
		"vendor specific: HVPART0001", NULL };
	static const char *const bl[] = { "Maximum transfer length: 4096 blocks",
		"Maximum unmap LBA count: -1 [unbounded]",
		"Maximum unmap block descriptor count: 64", NULL };
	static const char *const bdc[] = { "Non-rotating medium", NULL };
	static const char *const lbpv[] = { "Unmap command supported (LBPU): 1",
		"Logical block provisioning read zeros (LBPRZ): 1",
		"Provisioning type: 2 (thin provisioned)", NULL };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	vpd(f, 0x00, 10);
	assert_memory_equal(d + 4, pages, 6);
	sg3_says("sg_vpd -r -I %s", d, 10, sv);
	vpd(f, 0x80, 14);
	assert_memory_equal(d + 4, "HVPART0001", 10);
	sg3_says("sg_vpd -r -I %s", d, 14, sn);
	/* sg_vpd -p di: designator headers: code set, association|type, len */
	vpd(f, 0x83, 4 + 20 + 4 + 8 + 10);
	assert_int_equal(d[4], 1);
	assert_int_equal(d[5], 3);          /* NAA */
	assert_int_equal(d[7], 16);
	assert_int_equal(d[8] >> 4, 6);     /* NAA IEEE Registered Extended */
	assert_int_equal(d[25], 1);         /* T10 vendor ID */
	assert_memory_equal(d + 28, "Msft    HVPART0001", 18);
	sg3_says("sg_vpd -r -I %s", d, 4 + 20 + 4 + 8 + 10, di);
	/* sg_vpd -p bl: max transfer length at 8, blocks */
	vpd(f, 0xB0, 0x40);
	assert_int_equal(be32_at(d + 8), (2u << 20) / 512);
	assert_int_equal(be32_at(d + 24), SCSI_UNMAP_MAX_DESC);
	sg3_says("sg_vpd -r -I %s", d, 0x40, bl);
	vpd(f, 0xB1, 0x40);
	assert_int_equal(d[4] << 8 | d[5], 1);   /* non-rotating */
	sg3_says("sg_vpd -r -I %s", d, 0x40, bdc);
	vpd(f, 0xB2, 8);
	assert_int_equal(d[5] & 0x80, 0x80);     /* LBPU: the RAM disk discards */
	sg3_says("sg_vpd -r -I %s", d, 8, lbpv);
	cdb_srb(f, bad, 6, 1, 255);
	expect_sense(f, 5, 0x24);
	fix_free(f);
}

static void test_report_luns(void **state)
{
	static const uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t tur[6] = { 0 };
	static const uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const char *const no_lu[] = { "PQual=3", "PDT=31", NULL };
	struct fix *f = fix_new();
	struct blockdev b2;
	struct srb_args a = { .cdb = rl, .cdb_len = 12, .data_in = 1, .dtl = 256 };
	uint8_t *d = data_va(f, 0);

	(void)state;
	assert_int_equal(blockdev_ram_create(1 << 20, 4096, &b2), 0);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 3, &b2, &disk_params), 0);
	assert_int_equal(storvsp_add_lun(f->sp, 0, 0, 3, &b2, &disk_params), -EEXIST);
	init_linux(f);
	srb(f, &a);
	expect_good(f, 24);
	assert_int_equal(be32_at(d), 16);
	assert_int_equal(d[9], 0);
	assert_int_equal(d[17], 3);
	a.target = 1;          /* a target with no disks: an empty list */
	srb(f, &a);
	expect_good(f, 8);
	assert_int_equal(be32_at(d), 0);
	a.cdb = inq;           /* INQUIRY there: qualifier 3, type 1Fh */
	a.cdb_len = 6;
	srb(f, &a);
	expect_good(f, 36);
	assert_int_equal(d[0], 0x7F);
	sg3_says("sg_inq -r -I %s", d, 36, no_lu);
	a.cdb = tur;           /* anything else: SRB_STATUS_INVALID_LUN */
	a.lun = 7;
	a.target = 0;
	a.dtl = 0;
	srb(f, &a);
	expect_srb(f, SRB_STATUS_INVALID_LUN);
	assert_int_equal(storvsp_remove_lun(f->sp, 0, 0, 3), 0);
	blockdev_close(&b2);
	fix_free(f);
}

static void test_capacity(void **state)
{
	static const uint8_t rc10[10] = { 0x25 };
	static const uint8_t rc16[16] = { 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	/* sg_readcap: returned LBA (last block) and block length */
	cdb_srb(f, rc10, 10, 1, 8);
	expect_good(f, 8);
	assert_int_equal(be32_at(d), DISK_BYTES / 512 - 1);
	assert_int_equal(be32_at(d + 4), 512);
	cdb_srb(f, rc16, 16, 1, 32);
	expect_good(f, 32);
	assert_int_equal(be32_at(d), 0);
	assert_int_equal(be32_at(d + 4), DISK_BYTES / 512 - 1);
	assert_int_equal(be32_at(d + 8), 512);
	assert_int_equal(d[14] & 0xC0, 0xC0);   /* LBPME, LBPRZ */
	fix_free(f);
}

static void test_mode_sense(void **state)
{
	static const uint8_t ms6[6] = { 0x1A, 0, 0x08, 0, 255, 0 };
	static const uint8_t ms10[10] = { 0x5A, 0x08, 0x3F, 0, 0, 0, 0, 0, 255, 0 };
	static const uint8_t saved[6] = { 0x1A, 0, 0xC8, 0, 255, 0 };
	static const uint8_t bad[6] = { 0x1A, 0, 0x1C, 0, 255, 0 };
	struct fix *f = fix_new();
	uint8_t *d = data_va(f, 0);

	(void)state;
	init_linux(f);
	/* sd_read_cache_type: header, block descriptor, page 8 at 12 */
	cdb_srb(f, ms6, 6, 1, 255);
	expect_good(f, 4 + 8 + 20);
	assert_int_equal(d[0], 4 + 8 + 20 - 1);
	assert_int_equal(d[2] & 0x10, 0x10);    /* DPOFUA */
	assert_int_equal(d[3], 8);
	assert_int_equal(be32_at(d + 4), DISK_BYTES / 512);
	assert_int_equal(d[12], 0x08);
	assert_int_equal(d[14] & 0x04, 0x04);   /* WCE */
	cdb_srb(f, ms10, 10, 1, 255);           /* DBD, all pages */
	expect_good(f, 8 + 20 + 12);
	assert_int_equal(d[0] << 8 | d[1], 8 + 20 + 12 - 2);
	assert_int_equal(d[6] << 8 | d[7], 0);
	assert_int_equal(d[8], 0x08);
	assert_int_equal(d[28], 0x0A);
	cdb_srb(f, saved, 6, 1, 255);
	expect_sense(f, 5, 0x39);
	cdb_srb(f, bad, 6, 1, 255);
	expect_sense(f, 5, 0x24);
	fix_free(f);
}

static void rw_roundtrip(struct fix *f, uint32_t lba, uint32_t blocks)
{
	uint8_t cdb[16], *src = malloc(blocks * 512u), *back = malloc(blocks * 512u);
	uint32_t bytes = blocks * 512u;
	struct srb_args a = { .cdb = cdb, .cdb_len = 10, .data_in = 0,
			      .dtl = bytes, .offset = 512 };

	fill(src, bytes, lba);
	memcpy(data_va(f, 512), src, bytes);
	rw10(cdb, 0x2A, lba, (uint16_t)blocks, 0);
	srb(f, &a);
	expect_good(f, bytes);
	assert_int_equal(blockdev_read(&f->bd, (uint64_t)lba * 512, back, bytes), 0);
	assert_memory_equal(back, src, bytes);
	memset(data_va(f, 0), 0, bytes + 4096);
	rw16(cdb, 0x88, lba, blocks);
	a.cdb_len = 16;
	a.data_in = 1;
	a.offset = 100 * 0;
	srb(f, &a);
	expect_good(f, bytes);
	assert_memory_equal(data_va(f, 0), src, bytes);
	free(src);
	free(back);
}

/* Both data paths: straight between the backend and the guest's pages,
 * and through the staging copy when no page view is given. */
/* WRITE (16) and READ (10), the other two opcodes, across a 64 KiB
 * staging-buffer boundary. */
static void test_rw_other_opcodes(void **state)
{
	uint8_t cdb[16], *src = malloc(96 * 1024);
	struct fix *f = fix_new();

	(void)state;
	f->no_ptr = 1;
	init_linux(f);
	fill(src, 96 * 1024, 99);
	memcpy(data_va(f, 0), src, 96 * 1024);
	rw16(cdb, 0x8A, 5000, 192);
	cdb_srb(f, cdb, 16, 0, 96 * 1024);
	expect_good(f, 96 * 1024);
	memset(data_va(f, 0), 0, 96 * 1024);
	rw10(cdb, 0x28, 5000, 192, 0);
	cdb_srb(f, cdb, 10, 1, 96 * 1024);
	expect_good(f, 96 * 1024);
	assert_memory_equal(data_va(f, 0), src, 96 * 1024);
	free(src);
	fix_free(f);
}

/* REQUEST SENSE: errors travel by autosense, so there is none pending. */
static void test_request_sense(void **state)
{
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 252, 0 };
	static const char *const none[] = { "Fixed format, current",
		"Sense key: No Sense", NULL };
	struct fix *f = fix_new();

	(void)state;
	init_linux(f);
	cdb_srb(f, rs, 6, 1, 252);
	expect_good(f, 18);
	assert_int_equal(data_va(f, 0)[0], 0x70);
	sg3_says("sg_decode_sense -b %s", data_va(f, 0), 18, none);
	fix_free(f);
}

static void test_rw_ram(void **state)
{
	(void)state;
	for (int copy = 0; copy < 2; copy++) {
		struct fix *f = fix_new();

		f->no_ptr = copy;
		init_linux(f);
		rw_roundtrip(f, 0, 1);
		rw_roundtrip(f, 100, 9);
		rw_roundtrip(f, DISK_BYTES / 512 - 4096, 4096);  /* 2 MiB */
		fix_free(f);
	}
}

static void test_flush_fua(void **state)
{
	static const uint8_t sync10[10] = { 0x35 };
	static const uint8_t sync16[16] = { 0x91 };
	uint8_t cdb[16];
	struct fix *f = fix_new();

	(void)state;
	init_linux(f);
	cdb_srb(f, sync10, 10, 2, 0);
	expect_good(f, 0);
	cdb_srb(f, sync16, 16, 2, 0);
	expect_good(f, 0);
	assert_int_equal(f->flushes, 2);
	rw10(cdb, 0x2A, 8, 1, 0);
	cdb_srb(f, cdb, 10, 0, 512);
	assert_int_equal(f->flushes, 2);   /* a plain write is cached */
	rw10(cdb, 0x2A, 8, 1, 1);
	cdb_srb(f, cdb, 10, 0, 512);
	expect_good(f, 512);
	assert_int_equal(f->flushes, 3);   /* FUA: written then flushed */
	fix_free(f);
}

static void test_unmap(void **state)
{
	uint8_t cdb[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
	struct fix *f = fix_new();
	uint8_t *p = data_va(f, 0), buf[4096], zero[4096] = { 0 };

	(void)state;
	init_linux(f);
	memset(buf, 0xAB, sizeof(buf));
	assert_int_equal(blockdev_write(&f->bd, 0, buf, sizeof(buf)), 0);
	memset(p, 0, 64);
	p[1] = 38;             /* data length */
	p[3] = 32;             /* two descriptors */
	put_unmap(p, 0, 2, 0);
	put_unmap(p, DISK_BYTES / 512, 1, 1);  /* out of range */
	cdb_srb(f, cdb, 10, 0, 40);
	expect_sense(f, 5, 0x21);
	assert_int_equal(blockdev_read(&f->bd, 0, buf, 1024), 0);
	assert_int_equal(buf[0], 0xAB);        /* nothing applied */
	put_unmap(p, 4, 4, 1);
	cdb_srb(f, cdb, 10, 0, 40);
	expect_good(f, 40);
	assert_int_equal(blockdev_read(&f->bd, 0, buf, 4096), 0);
	assert_memory_equal(buf, zero, 1024);            /* 0..1 */
	assert_int_equal(buf[1024], 0xAB);               /* 2..3 kept */
	assert_memory_equal(buf + 2048, zero, 2048);     /* 4..7 */
	p[3] = 33;             /* not a whole descriptor */
	cdb_srb(f, cdb, 10, 0, 40);
	expect_sense(f, 5, 0x1A);
	fix_free(f);
}

/* ---- the VHD backend ---- */

static struct memfs vfs;

static void open_vhd(struct blockdev *bd, struct vhd **v)
{
	struct vhd_err e;

	assert_int_equal(vhd_open(&vfs.ops, "d.vhd", VHD_OPEN_RDWR, v, &e), 0);
	assert_int_equal(vhd_blockdev_wrap(*v, 1, bd), 0);
}

static void count_problem(void *ctx, const char *p)
{
	(void)p;
	(*(int *)ctx)++;
}

/* Runs cmd (a shell line); its exit status. */
static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* qemu-img as the oracle: the image as qemu reads it equals the model. */
static void qemu_agrees(const uint8_t *model, uint64_t size)
{
	char dir[] = "/tmp/storvsp_XXXXXX", cmd[512], path[300];
	struct memfs_file *mf = memfs_lookup(&vfs, "d.vhd");
	uint8_t *raw = malloc(size);
	size_t got;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.vhd", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(mf->data, 1, mf->size, fp), mf->size);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "qemu-img convert -f vpc -O raw %s %s/d.raw", path, dir);
	assert_int_equal(sh(cmd), 0);
	snprintf(path, sizeof(path), "%s/d.raw", dir);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	/* qemu sizes a VHD by its CHS geometry unless the creator is one it
	 * trusts (block/vpc.c), so it may see a little less than the model. */
	got = fread(raw, 1, size, fp);
	fclose(fp);
	assert_true(got > size - (1u << 20));
	assert_memory_equal(raw, model, got);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(sh(cmd), 0);
	free(raw);
}

/* A guest's session on a dynamic VHD: writes (FUA and cached), SYNCHRONIZE
 * CACHE, UNMAP of a whole block (freed) and of a few sectors (zeroed),
 * reads back; then the file as a second opener, `vhd check` and qemu-img
 * see it, against a model of the disk. */
static void test_vhd_dynamic(void **state)
{
	struct vhd_create_params cp = { .type = VHD_TYPE_DYNAMIC, .size = 32u << 20 };
	static const uint8_t sync10[10] = { 0x35 };
	static const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 };
	struct vhd_err e;
	struct blockdev bd;
	struct vhd *v, *v2;
	uint8_t cdb[16], src[8192], *model = calloc(1, 32u << 20), *p;
	int problems = 0, alloc;
	struct fix *f;

	(void)state;
	memfs_init(&vfs);
	assert_int_equal(vhd_create(&vfs.ops, "d.vhd", &cp, &e), 0);
	open_vhd(&bd, &v);
	f = fix_new_kind(STORVSP_KIND_SCSI, &bd);
	p = data_va(f, 0);
	init_linux(f);
	vpd(f, 0xB0, 0x40);                           /* unmap in VHD blocks */
	assert_int_equal(p[28] << 24 | p[29] << 16 | p[30] << 8 | p[31], 4096);
	assert_int_equal(p[32] & 0x80, 0x80);
	vpd(f, 0xB2, 8);
	assert_int_equal(p[5] & 0x84, 0x84);         /* LBPU, LBPRZ */
	fill(src, sizeof(src), 7);
	memcpy(p, src, sizeof(src));
	rw10(cdb, 0x2A, 4096 + 3, 16, 1);             /* FUA, second VHD block */
	cdb_srb(f, cdb, 10, 0, 8192);
	expect_good(f, 8192);
	memcpy(model + (4096 + 3) * 512, src, 8192);
	rw10(cdb, 0x2A, 7, 16, 0);                    /* first block, cached */
	cdb_srb(f, cdb, 10, 0, 8192);
	expect_good(f, 8192);
	memcpy(model + 7 * 512, src, 8192);
	cdb_srb(f, sync10, 10, 2, 0);
	expect_good(f, 0);
	/* UNMAP: all of block 1 (LBA 4096..8191) and LBA 8..9 of block 0. */
	memset(p, 0, 64);
	p[1] = 38;
	p[3] = 32;
	put_unmap(p, 4096, 4096, 0);
	put_unmap(p, 8, 2, 1);
	cdb_srb(f, unmap, 10, 0, 40);
	expect_good(f, 40);
	memset(model + 4096 * 512, 0, 2u << 20);
	memset(model + 8 * 512, 0, 1024);
	assert_int_equal(vhd_query_allocated(v, 4096 * 512ull, 2u << 20, &alloc), 0);
	assert_int_equal(alloc, 0);                   /* the block is freed */
	rw10(cdb, 0x28, 0, 16, 0);
	memset(p, 0xEE, 8192);
	cdb_srb(f, cdb, 10, 1, 8192);
	expect_good(f, 8192);
	assert_memory_equal(p, model, 8192);
	rw10(cdb, 0x28, 4096 + 3, 16, 0);
	cdb_srb(f, cdb, 10, 1, 8192);
	assert_memory_equal(p, model + (4096 + 3) * 512, 8192);
	/* A second opener of the file (after the guest's flush and UNMAP). */
	assert_int_equal(vhd_open(&vfs.ops, "d.vhd", 0, &v2, &e), 0);
	assert_int_equal(vhd_read(v2, src, 8192, 0), 0);
	assert_memory_equal(src, model, 8192);
	assert_int_equal(vhd_query_allocated(v2, 4096 * 512ull, 2u << 20, &alloc), 0);
	assert_int_equal(alloc, 0);
	vhd_close(v2);
	assert_int_equal(vhd_check(&vfs.ops, "d.vhd", count_problem, &problems), 0);
	assert_int_equal(problems, 0);
	qemu_agrees(model, 32u << 20);
	fix_free(f);   /* closes the blockdev, so the VHD */
	memfs_free(&vfs);
	free(model);
}

/* Differencing images offer no discard: a freed block would show the
 * parent's data. */
static void test_vhd_diff_no_unmap(void **state)
{
	struct vhd_create_params cp = { .type = VHD_TYPE_DYNAMIC, .size = 8u << 20 };
	struct vhd_create_params dp = { .type = VHD_TYPE_DIFF, .parent = "p.vhd" };
	static const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	struct vhd_err e;
	struct blockdev bd;
	struct vhd *v;
	struct fix *f;

	(void)state;
	memfs_init(&vfs);
	assert_int_equal(vhd_create(&vfs.ops, "p.vhd", &cp, &e), 0);
	assert_int_equal(vhd_create(&vfs.ops, "d.vhd", &dp, &e), 0);
	open_vhd(&bd, &v);
	f = fix_new_kind(STORVSP_KIND_SCSI, &bd);
	init_linux(f);
	vpd(f, 0xB2, 8);
	assert_int_equal(data_va(f, 0)[5] & 0x80, 0);
	cdb_srb(f, unmap, 10, 0, 24);
	expect_sense(f, 5, 0x20);
	assert_int_equal(vhd_discard(v, 0, 2u << 20), -EOPNOTSUPP);
	fix_free(f);
	memfs_free(&vfs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_vpd),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_mode_sense),
		cmocka_unit_test(test_rw_ram),
		cmocka_unit_test(test_rw_other_opcodes),
		cmocka_unit_test(test_request_sense),
		cmocka_unit_test(test_flush_fua),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_vhd_dynamic),
		cmocka_unit_test(test_vhd_diff_no_unmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
