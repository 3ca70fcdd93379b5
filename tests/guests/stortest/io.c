/*
 * stortest's honest part, what a Linux guest's SCSI mid-layer does first
 * on a new disk (INQUIRY, REPORT LUNS, READ CAPACITY) and then a write
 * read back: WRITE(10) of a pattern at LBA 64, SYNCHRONIZE CACHE, READ(10)
 * and compare. The host checks the same pattern in the VHD afterwards
 * (tests/system/test_config.py).
 */
#include "guest.h"
#include "stortest.h"
#include "tests/guests/libc/string.h"

#define HONEST_LBA 64u
#define HONEST_BLOCKS 16u

static int bytes_are(const uint8_t *p, const char *s)
{
	for (uint32_t i = 0; s[i]; i++)
		if (p[i] != (uint8_t)s[i])
			return 0;
	return 1;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int good(const struct st_reply *r)
{
	return r->got && r->pkt.status == VSTOR_STATUS_SUCCESS &&
	       r->pkt.srb.srb_status == SRB_STATUS_SUCCESS && r->pkt.srb.scsi_status == 0;
}

static void inquiry(void)
{
	static const uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct st_reply r;

	memset(st_buf, 0, 64);
	st_srb(0, 0, cdb, 6, VSTOR_DATA_READ, st_buf, 36, &r);
	st_print_reply("INQUIRY", &r);
	st_check(good(&r) && r.pkt.srb.data_transfer_length == 36 && st_buf[0] == 0 &&
		 bytes_are(st_buf + 8, "Msft    Virtual Disk    "),
		 "INQUIRY: a direct-access disk, Msft Virtual Disk");
}

static void report_luns(void)
{
	static const uint8_t cdb[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
	struct st_reply r;

	memset(st_buf, 0xee, 256);
	st_srb(0, 0, cdb, 12, VSTOR_DATA_READ, st_buf, 256, &r);
	st_print_reply("REPORT LUNS", &r);
	guest_printf("stortest: REPORT LUNS list length %u, first LUN %x%x\n", be32_at(st_buf),
		     st_buf[8], st_buf[9]);
	st_check(good(&r) && be32_at(st_buf) == 8 && st_buf[8] == 0 && st_buf[9] == 0,
		 "REPORT LUNS: LUN 0 only");
}

static void read_capacity(void)
{
	static const uint8_t cdb[10] = { 0x25 };
	struct st_reply r;

	memset(st_buf, 0, 8);
	st_srb(0, 0, cdb, 10, VSTOR_DATA_READ, st_buf, 8, &r);
	st_print_reply("READ CAPACITY(10)", &r);
	guest_printf("stortest: capacity %u blocks of %u\n", be32_at(st_buf) + 1, be32_at(st_buf + 4));
	st_check(good(&r) && be32_at(st_buf + 4) == ST_LBSZ && be32_at(st_buf) > HONEST_LBA + 256,
		 "READ CAPACITY(10): 512-byte blocks, room for the test");
}

static void write_read(void)
{
	static const uint8_t sync[10] = { 0x35 };
	uint32_t len = HONEST_BLOCKS * ST_LBSZ;
	uint8_t cdb[16];
	struct st_reply r;

	for (uint32_t i = 0; i < len; i++)
		st_buf[i] = st_pattern(HONEST_LBA, i, 1);
	st_cdb_rw10(cdb, 1, HONEST_LBA, HONEST_BLOCKS);
	st_srb(0, 0, cdb, 10, VSTOR_DATA_WRITE, st_buf, len, &r);
	st_print_reply("WRITE(10)", &r);
	st_check(good(&r) && r.pkt.srb.data_transfer_length == len,
		 "WRITE(10) of 16 blocks at LBA 64");
	st_srb(0, 0, sync, 10, VSTOR_DATA_UNKNOWN, NULL, 0, &r);
	st_check(good(&r), "SYNCHRONIZE CACHE(10)");
	st_check(st_read_verify(HONEST_LBA, HONEST_BLOCKS, 1),
		 "READ(10) of LBA 64: the pattern written, every byte");
}

void st_honest(uint32_t max_transfer)
{
	(void)max_transfer;
	inquiry();
	report_luns();
	read_capacity();
	write_read();
}
