/* test_vsp_state.c: the framing of a saved state's VMBus section
 * (partition/vsp/vsp_state.c): what a good section yields, and every
 * framing rule refusing a section that breaks it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "partition/vsp/vsp_state.h"

#define OFFERED 0x0fu    /* rows 0-3 offered */
#define SAVES   0x0au    /* rows 1 and 3 save their state */

static uint8_t sec[256];

/* Header, 12 bytes of server state, then records for rows 1 (4 bytes)
 * and 3 (0 bytes). Returns the length. */
static size_t build(void)
{
	struct vsp_st_hdr h = { VSP_ST_MAGIC, VSP_ST_VERSION, 0, 2, OFFERED, 12, { 0, 0 } };
	struct vsp_st_rec r1 = { 1, 1, 4 }, r3 = { 3, 1, 0 };
	size_t off = sizeof(h);

	memset(sec, 0, sizeof(sec));
	memset(sec + off, 0xaa, 12);
	off += 12;
	memcpy(sec + off, &r1, sizeof(r1));
	memcpy(sec + off + sizeof(r1), "abcd", 4);
	off += sizeof(r1) + 4;
	memcpy(sec + off, &r3, sizeof(r3));
	off += sizeof(r3);
	h.total = (uint32_t)off;
	memcpy(sec, &h, sizeof(h));
	return off;
}

static struct vsp_st_hdr *hdr(void)
{
	return (struct vsp_st_hdr *)(void *)sec;
}

static void test_good(void **state)
{
	struct vsp_st_view v;
	size_t len = build();

	(void)state;
	assert_int_equal(vsp_state_parse(sec, len, OFFERED, SAVES, &v), 0);
	assert_ptr_equal(v.server, sec + sizeof(struct vsp_st_hdr));
	assert_int_equal(v.server_len, 12);
	assert_non_null(v.rec[1]);
	assert_int_equal(v.rec_len[1], 4);
	assert_memory_equal(v.rec[1], "abcd", 4);
	assert_non_null(v.rec[3]);
	assert_int_equal(v.rec_len[3], 0);
	assert_null(v.rec[0]);
	assert_null(v.rec[2]);
}

static void refused(size_t len, uint32_t offered, uint32_t saves)
{
	struct vsp_st_view v;

	assert_int_equal(vsp_state_parse(sec, len, offered, saves, &v), -EINVAL);
	assert_null(v.server);
	assert_null(v.rec[1]);
}

/* Header fields: magic, version, total, reserved words, the server's
 * length past the end; too short for a header at all. */
static void test_header(void **state)
{
	size_t len = build();

	(void)state;
	refused(sizeof(struct vsp_st_hdr) - 1, OFFERED, SAVES);
	hdr()->magic ^= 1;
	refused(len, OFFERED, SAVES);
	build();
	hdr()->version = 2;
	refused(len, OFFERED, SAVES);
	build();
	hdr()->total++;
	refused(len, OFFERED, SAVES);
	refused(len + 1, OFFERED, SAVES);
	build();
	hdr()->rsvd[1] = 1;
	refused(len, OFFERED, SAVES);
	build();
	hdr()->server_bytes = (uint32_t)len;
	refused(len, OFFERED, SAVES);
}

/* The devices must be the ones saved: another offered set, a saving
 * device without its record, a record for one that does not save. */
static void test_device_set(void **state)
{
	size_t len = build();

	(void)state;
	refused(len, OFFERED | 0x10, SAVES);
	refused(len, OFFERED, SAVES | 0x04);
	refused(len, OFFERED, 0x02);
	refused(len, 0x0b, 0x0a);
	refused(len, OFFERED, 0x10 | SAVES);    /* saves outside offered */
}

/* Records: out of order, twice, wrong version, longer than the section,
 * one missing (count too low), bytes after the last. */
static void test_records(void **state)
{
	size_t len = build(), r1 = sizeof(struct vsp_st_hdr) + 12, r3 = r1 + 8 + 4;
	struct vsp_st_rec *a = (void *)(sec + r1), *b = (void *)(sec + r3);

	(void)state;
	b->row = 1;
	refused(len, OFFERED, SAVES);
	build();
	a->row = 3;
	b->row = 1;
	refused(len, OFFERED, SAVES);
	build();
	a->version = 2;
	refused(len, OFFERED, SAVES);
	build();
	a->len = 200;
	refused(len, OFFERED, SAVES);
	build();
	b->row = 40;
	refused(len, OFFERED, SAVES);
	build();
	hdr()->nrecs = 1;
	refused(len, OFFERED, SAVES);
	build();
	hdr()->nrecs = 3;
	refused(len, OFFERED, SAVES);
	build();
	hdr()->total += 4;
	refused(len + 4, OFFERED, SAVES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_device_set),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
