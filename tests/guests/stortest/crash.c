/*
 * stortest mode=crash and mode=verify: the guest half of the crash
 * injection test (tests/system/test_crash.py, issue 15 "Durability").
 *
 * mode=crash writes generations 1..gens of a schedule both halves compute
 * (st_crash_extent; test_crash.py repeats it in Python): each generation
 * writes CRASH_EXTENTS extents of 4 KiB at pseudo-random LBAs, the first
 * one in a region (a 512 KiB VHD block, the test's -BlockSizeBytes) no
 * earlier generation touched, so the VHD allocates a block and updates
 * its BAT in every generation. That first extent is a WRITE(10) with FUA
 * (SBC-3 5.41: GOOD only once the data is on the medium), after which the
 * guest prints "stortest: fua gen G"; the others are WRITE(10) and
 * WRITE(16), some with FUA; then SYNCHRONIZE CACHE (10) or (16), and
 * "stortest: synced gen G". The host kills the emulator after such a line;
 * whatever the guest printed had completed, so it must be on the disk.
 *
 * Every sector says what it is: "CRSH", its LBA and generation (little-
 * endian), then bytes that depend on both, so a sector is either zero or
 * names the one write that put it there.
 *
 * mode=verify synced=S fua=F gens=N reads back, after a reboot, what a
 * killed mode=crash run acknowledged: each sector written by generations
 * 1..S must hold a generation no older than the last of those that wrote
 * it (a later one may have reached the disk before the kill), and the FUA
 * extent of generation F too.
 */
#include "guest.h"
#include "stortest.h"
#include "tests/guests/libc/string.h"

#define CRASH_REGION 1024u      /* sectors: the VHD's 512 KiB block */
#define CRASH_EXTENTS 8u
#define CRASH_SECTORS 8u        /* per extent: 4 KiB */

static uint32_t xorshift(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* The first LBA of extent k of generation gen (1-based). */
static uint32_t st_crash_extent(uint32_t gen, uint32_t k)
{
	uint32_t x = 0x2545f491u ^ (gen * 0x9e3779b1u), region = gen - 1, off = 0;

	for (uint32_t i = 0; i <= k; i++) {
		x = xorshift(x ? x : 1);
		region = i == 0 ? gen - 1 : x % gen;
		x = xorshift(x);
		off = x % (CRASH_REGION / CRASH_SECTORS) * CRASH_SECTORS;
	}
	return region * CRASH_REGION + off;
}

static uint8_t fill(uint32_t lba, uint32_t gen, uint32_t i)
{
	return (uint8_t)(lba * 7u + gen * 13u + i);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void make_sector(uint8_t *s, uint32_t lba, uint32_t gen)
{
	memcpy(s, "CRSH", 4);
	put_le32(s + 4, lba);
	put_le32(s + 8, gen);
	for (uint32_t i = 12; i < ST_LBSZ; i++)
		s[i] = fill(lba, gen, i);
}

/* The generation a sector read at lba names; 0 when it is zero, ~0u when
 * it is neither zero nor a whole sector of this test. */
static uint32_t sector_gen(const uint8_t *s, uint32_t lba)
{
	uint32_t gen = le32(s + 8);
	uint32_t i;

	for (i = 0; i < ST_LBSZ && !s[i]; i++)
		;
	if (i == ST_LBSZ)
		return 0;
	if (s[0] != 'C' || s[1] != 'R' || s[2] != 'S' || s[3] != 'H' || le32(s + 4) != lba ||
	    !gen)
		return ~0u;
	for (i = 12; i < ST_LBSZ; i++)
		if (s[i] != fill(lba, gen, i))
			return ~0u;
	return gen;
}

static int good(const struct st_reply *r)
{
	return r->got && r->pkt.status == VSTOR_STATUS_SUCCESS &&
	       r->pkt.srb.srb_status == SRB_STATUS_SUCCESS && r->pkt.srb.scsi_status == 0;
}

/* Extent k's command: WRITE(10) or (16), FUA on the new region's extent
 * and on every third after it. */
static int write_extent(uint32_t gen, uint32_t k)
{
	uint32_t lba = st_crash_extent(gen, k), len = CRASH_SECTORS * ST_LBSZ;
	uint8_t cdb[16];
	struct st_reply r;
	int w16 = k % 2;

	for (uint32_t s = 0; s < CRASH_SECTORS; s++)
		make_sector(st_buf + s * ST_LBSZ, lba + s, gen);
	if (w16)
		st_cdb_rw16(cdb, 1, lba, CRASH_SECTORS);
	else
		st_cdb_rw10(cdb, 1, lba, CRASH_SECTORS);
	if (k % 3 == 0)
		cdb[1] |= 0x08;   /* FUA: SBC-3 5.41 (WRITE(10)), 5.44 (WRITE(16)) */
	st_srb(0, 0, cdb, w16 ? 16 : 10, VSTOR_DATA_WRITE, st_buf, len, &r);
	if (good(&r) && r.pkt.srb.data_transfer_length == len)
		return 0;
	st_print_reply("crash WRITE", &r);
	return -1;
}

static int sync_cache(uint32_t gen)
{
	uint8_t cdb[16];
	struct st_reply r;

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = gen % 2 ? 0x35 : 0x91;   /* SYNCHRONIZE CACHE (10), (16): SBC-3 5.22, 5.23 */
	st_srb(0, 0, cdb, gen % 2 ? 10 : 16, VSTOR_DATA_UNKNOWN, NULL, 0, &r);
	if (good(&r))
		return 0;
	st_print_reply("crash SYNCHRONIZE CACHE", &r);
	return -1;
}

/* READ CAPACITY (10): the disk's blocks, 0 if it fails. */
static uint32_t capacity(void)
{
	static const uint8_t cdb[10] = { 0x25 };
	struct st_reply r;

	memset(st_buf, 0, 8);
	st_srb(0, 0, cdb, 10, VSTOR_DATA_READ, st_buf, 8, &r);
	if (!good(&r) || le32(st_buf + 4) != 0x00020000u)  /* 512, big-endian */
		return 0;
	return ((uint32_t)st_buf[0] << 24 | (uint32_t)st_buf[1] << 16 | (uint32_t)st_buf[2] << 8 |
	       (uint32_t)st_buf[3]) + 1;
}

static uint32_t max_gens(uint32_t blocks)
{
	uint32_t gens = guest_get_arg_u32("gens", 60);

	return gens > blocks / CRASH_REGION ? blocks / CRASH_REGION : gens;
}

void st_crash(void)
{
	uint32_t gens = max_gens(capacity());

	guest_printf("stortest: crash run of %u generations\n", gens);
	if (!gens)
		guest_fail("stortest", "no room for a generation (READ CAPACITY)");
	for (uint32_t gen = 1; gen <= gens; gen++) {
		if (write_extent(gen, 0))
			guest_fail("stortest", "a crash-run WRITE failed");
		guest_printf("stortest: fua gen %u\n", gen);
		for (uint32_t k = 1; k < CRASH_EXTENTS; k++)
			if (write_extent(gen, k))
				guest_fail("stortest", "a crash-run WRITE failed");
		if (sync_cache(gen))
			guest_fail("stortest", "a crash-run SYNCHRONIZE CACHE failed");
		guest_printf("stortest: synced gen %u\n", gen);
	}
	st_check(1, "crash run: every generation written and synced");
}

/* Whether generation gen wrote lba. */
static int wrote(uint32_t gen, uint32_t lba)
{
	for (uint32_t k = 0; k < CRASH_EXTENTS; k++) {
		uint32_t e = st_crash_extent(gen, k);

		if (lba >= e && lba < e + CRASH_SECTORS)
			return 1;
	}
	return 0;
}

/* The oldest generation lba may hold: the last acknowledged write of it. */
static uint32_t owed(uint32_t lba, uint32_t synced, uint32_t fua)
{
	uint32_t want = 0;

	for (uint32_t g = 1; g <= synced; g++)
		if (wrote(g, lba))
			want = g;
	if (fua > synced) {
		uint32_t e = st_crash_extent(fua, 0);

		if (lba >= e && lba < e + CRASH_SECTORS)
			want = fua;
	}
	return want;
}

/* One extent read back: 0 when each sector holds what it owes. */
static uint32_t verify_extent(uint32_t lba, uint32_t synced, uint32_t fua, uint32_t gens)
{
	uint8_t cdb[16];
	struct st_reply r;
	uint32_t bad = 0, len = CRASH_SECTORS * ST_LBSZ;

	memset(st_buf, 0xee, len);
	st_cdb_rw10(cdb, 0, lba, CRASH_SECTORS);
	st_srb(0, 0, cdb, 10, VSTOR_DATA_READ, st_buf, len, &r);
	if (!good(&r) || r.pkt.srb.data_transfer_length != len) {
		st_print_reply("verify READ", &r);
		return CRASH_SECTORS;
	}
	for (uint32_t s = 0; s < CRASH_SECTORS; s++) {
		uint32_t got = sector_gen(st_buf + s * ST_LBSZ, lba + s), want = owed(lba + s, synced, fua);

		if (got == ~0u || got < want || got > gens || (got && !wrote(got, lba + s))) {
			guest_printf("stortest: LBA %u holds generation %d, owes %u\n", lba + s,
				     (int)got, want);
			bad++;
		}
	}
	return bad;
}

void st_crash_verify(void)
{
	uint32_t gens = max_gens(capacity()), synced = guest_get_arg_u32("synced", 0);
	uint32_t fua = guest_get_arg_u32("fua", 0), bad = 0, n = 0;

	uint32_t last = fua > synced ? fua : synced;

	for (uint32_t g = 1; g <= last && g <= gens; g++)
		for (uint32_t k = 0; k < (g <= synced ? CRASH_EXTENTS : g == fua); k++, n++)
			bad += verify_extent(st_crash_extent(g, k), synced, fua, gens);
	guest_printf("stortest: verify synced %u fua %u: %u extents read, %u sectors bad\n", synced,
		     fua, n, bad);
	st_check(bad == 0,
		 "after the crash: every acknowledged sector holds its generation or a later one");
}
