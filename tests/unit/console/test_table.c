/* Unit tests for the console table helpers (partition/console/table.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "partition/console/table.h"
#include "tests/unit/console/capture.h"

static struct capture out;
static struct tbl_sink sink = { capture_write, &out, false };

static int setup(void **state)
{
	(void)state;
	capture_reset(&out);
	sink.crlf = false;
	return 0;
}

static void test_table_widths(void **state)
{
	static const char *const hdr[] = { "Name", "State", "CPUUsage(%)" };
	static const char *const rows[] = {
		"parent", "Running", "3",
		"a-much-longer-name", "Off", "0",
	};

	(void)state;
	assert_int_equal(tbl_print(&sink, hdr, 3, rows, 2, NULL), 0);
	assert_string_equal(out.buf,
	    "\n"
	    "Name               State   CPUUsage(%)\n"
	    "------------------ ------- -----------\n"
	    "parent             Running 3\n"
	    "a-much-longer-name Off     0\n"
	    "\n");
}

static void test_table_right_align_null_crlf(void **state)
{
	static const char *const hdr[] = { "Id", "Memory", "Note" };
	static const char *const rows[] = {
		"1", "64 MB", NULL,
		"12", "1.5 GB", "x",
	};

	(void)state;
	sink.crlf = true;
	assert_int_equal(tbl_print(&sink, hdr, 3, rows, 2, "rrl"), 0);
	assert_string_equal(out.buf,
	    "\r\n"
	    "Id Memory Note\r\n"
	    "-- ------ ----\r\n"
	    " 1  64 MB\r\n"
	    "12 1.5 GB x\r\n"
	    "\r\n");
}

static void test_table_empty_and_errors(void **state)
{
	static const char *const hdr[] = { "A", "LongHeader" };
	const char *many[TBL_COLS_MAX + 1] = { 0 };

	(void)state;
	assert_int_equal(tbl_print(&sink, hdr, 2, NULL, 0, NULL), 0);
	assert_string_equal(out.buf, "\nA LongHeader\n- ----------\n\n");
	assert_int_equal(tbl_print(&sink, hdr, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(tbl_print(&sink, many, TBL_COLS_MAX + 1, NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(tbl_print(&sink, NULL, 1, NULL, 0, NULL), -EINVAL);
	assert_int_equal(tbl_print(&sink, hdr, 2, NULL, 1, NULL), -EINVAL);
	assert_int_equal(tbl_print(&sink, hdr, 2, NULL, -1, NULL), -EINVAL);
}

static void test_table_wide_cells(void **state)
{
	static const char *const hdr[] = { "K", "V" };
	char wide[101];
	const char *rows[2] = { wide, "v" };

	(void)state;
	memset(wide, 'w', 100);
	wide[100] = '\0';
	assert_int_equal(tbl_print(&sink, hdr, 2, rows, 1, NULL), 0);
	assert_int_equal(capture_count(&out, "-"), 101);
	assert_non_null(strstr(out.buf, wide));
	assert_non_null(strstr(out.buf, "w v\n"));
}

static void test_list(void **state)
{
	static const char *const names[] = { "Name", "MemoryStartup", "State" };
	static const char *const vals[] = { "parent", "64 MB", NULL };

	(void)state;
	tbl_print_list(&sink, names, vals, 3);
	assert_string_equal(out.buf,
	    "Name          : parent\n"
	    "MemoryStartup : 64 MB\n"
	    "State         : \n");
}

static void check_bytes(uint64_t v, const char *want)
{
	char buf[32];

	assert_int_equal(tbl_format_bytes(buf, sizeof buf, v), strlen(want));
	assert_string_equal(buf, want);
}

static void test_format_bytes(void **state)
{
	char small[4];

	(void)state;
	check_bytes(0, "0 B");
	check_bytes(512, "512 B");
	check_bytes(1023, "1023 B");
	check_bytes(1024, "1 KB");
	check_bytes(1536, "1.5 KB");
	check_bytes(64ull << 20, "64 MB");
	check_bytes(3ull << 29, "1.5 GB");
	check_bytes((5ull << 30) / 4, "1.25 GB");
	check_bytes((1ull << 30) + (1ull << 20), "1 GB");        /* 1.0009... */
	check_bytes((1ull << 30) - 1, "1 GB");                   /* rounds up */
	check_bytes(1ull << 40, "1 TB");
	check_bytes(1ull << 50, "1 PB");
	check_bytes(UINT64_MAX, "16384 PB");
	assert_int_equal(tbl_format_bytes(small, sizeof small, 64ull << 20), 5);
	assert_string_equal(small, "64 ");
}

static void test_format_uptime(void **state)
{
	char buf[32];

	(void)state;
	tbl_format_uptime(buf, sizeof buf, 0);
	assert_string_equal(buf, "00:00:00");
	tbl_format_uptime(buf, sizeof buf, 3661);
	assert_string_equal(buf, "01:01:01");
	tbl_format_uptime(buf, sizeof buf, 86399);
	assert_string_equal(buf, "23:59:59");
	tbl_format_uptime(buf, sizeof buf, 86400 * 3 + 62);
	assert_string_equal(buf, "3.00:01:02");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table_widths, setup),
		cmocka_unit_test_setup(test_table_right_align_null_crlf, setup),
		cmocka_unit_test_setup(test_table_empty_and_errors, setup),
		cmocka_unit_test_setup(test_table_wide_cells, setup),
		cmocka_unit_test_setup(test_list, setup),
		cmocka_unit_test_setup(test_format_bytes, setup),
		cmocka_unit_test_setup(test_format_uptime, setup),
	};

	return cmocka_run_group_tests_name("console_table", tests, NULL, NULL);
}
