/* Host tests for CRC-32 (lib/crc32.c) against published check values and
 * against an independent table-driven computation (Sarwate's byte-wise
 * method) over many lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/crc32.h"

/* The standard check value: CRC-32 of "123456789" is CBF43926. */
static void test_check_value(void **st)
{
	(void)st;
	assert_int_equal(crc32_compute("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32_compute("The quick brown fox jumps over the lazy dog", 43),
			 0x414fa339u);
}

static void test_empty(void **st)
{
	(void)st;
	assert_int_equal(crc32_compute("", 0), 0);
}

static uint32_t table_crc(const uint8_t *p, size_t n)
{
	static uint32_t t[256];
	uint32_t crc = 0xffffffffu;

	if (!t[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			t[i] = c;
		}
	while (n--)
		crc = t[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Every length 0-600 of pseudo-random bytes at an odd offset, and one
 * 4 KiB sector. */
static void test_matches_table(void **st)
{
	static uint8_t buf[4096];
	uint32_t x = 12345;

	(void)st;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t n = 0; n <= 600; n++)
		assert_int_equal(crc32_compute(buf + 7, n), table_crc(buf + 7, n));
	assert_int_equal(crc32_compute(buf, sizeof(buf)), table_crc(buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_matches_table),
	};

	return cmocka_run_group_tests_name("crc32", tests, NULL, NULL);
}
