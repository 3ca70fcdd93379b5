/* Unit tests for the console-log byte ring (partition/devices/ring.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/devices/ring.h"

static void test_basic(void **state)
{
	uint8_t st[16], out[32];
	struct cring r;
	uint64_t off = 0, lost = 0;

	(void)state;
	cring_init(&r, st, sizeof(st));
	assert_int_equal(cring_read_from(&r, &off, out, sizeof(out), &lost), 0);
	cring_write(&r, "hello", 5);
	assert_int_equal(cring_end(&r), 5);
	assert_int_equal(cring_oldest(&r), 0);
	assert_int_equal(cring_read_from(&r, &off, out, 3, &lost), 3);
	assert_memory_equal(out, "hel", 3);
	assert_int_equal(cring_read_from(&r, &off, out, sizeof(out), &lost), 2);
	assert_memory_equal(out, "lo", 2);
	assert_int_equal(off, 5);
	assert_int_equal(lost, 0);
	off = 99;                                   /* past the end: clamps */
	assert_int_equal(cring_read_from(&r, &off, out, 4, NULL), 0);
	assert_int_equal(off, 5);
}

static void test_wrap_and_overwrite(void **state)
{
	uint8_t st[16], out[64];
	struct cring r;
	uint64_t off = 0, lost = 0;

	(void)state;
	cring_init(&r, st, sizeof(st));
	cring_write(&r, "0123456789", 10);
	cring_write(&r, "abcdefghij", 10);         /* wraps; "0123" overwritten */
	assert_int_equal(cring_oldest(&r), 4);
	assert_int_equal(cring_read_from(&r, &off, out, sizeof(out), &lost), 16);
	assert_memory_equal(out, "456789abcdefghij", 16);
	assert_int_equal(lost, 4);
	assert_int_equal(off, 20);
	/* a reader in the middle keeps its place across a wrap */
	off = 15;
	cring_write(&r, "XY", 2);
	assert_int_equal(cring_read_from(&r, &off, out, sizeof(out), &lost), 7);
	assert_memory_equal(out, "fghijXY", 7);
	/* a write larger than the ring keeps only its tail */
	cring_write(&r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 26);
	assert_int_equal(cring_end(&r), 48);
	off = 0;
	lost = 0;
	assert_int_equal(cring_read_from(&r, &off, out, sizeof(out), &lost), 16);
	assert_memory_equal(out, "KLMNOPQRSTUVWXYZ", 16);
	assert_int_equal(lost, 32);
}

/* 64 KiB console log against a flat reference model, random write sizes. */
static void test_console_size_model(void **state)
{
	const size_t cap = CRING_CONSOLE_CAP;
	uint8_t *st = malloc(cap), *ref = malloc(1 << 20), *out = malloc(cap);
	struct cring r;
	uint64_t total = 0, off;
	unsigned seed = 7;
	size_t n, i, got;

	(void)state;
	assert_true(st && ref && out);
	cring_init(&r, st, cap);
	while (total < (1 << 20) - 5000) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % 5000;
		for (i = 0; i < n; i++)
			ref[total + i] = (uint8_t)((total + i) * 31 + (total + i) / 251);
		cring_write(&r, ref + total, n);
		total += n;
		off = total > cap ? total - cap : 0;
		if (off)
			off -= 10;                        /* 10 bytes already gone */
		got = cring_read_from(&r, &off, out, cap, NULL);
		assert_int_equal(got, total < cap ? total : cap);
		assert_memory_equal(out, ref + (total - got), got);
	}
	free(st);
	free(ref);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_wrap_and_overwrite),
		cmocka_unit_test(test_console_size_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
