/* Unit tests for storage/blockdev.c's view backend (a pass-through disk's
 * handle on the parent's disk): data goes to the device viewed and back,
 * bounds and read-only are enforced on the view, closing the view leaves
 * the device open, discard only where the device has it. The RAM backend
 * is the device; its bytes are the oracle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "storage/blockdev.h"

#define SEC 512u
#define SIZE (64u * SEC)

static void test_view_moves_data(void **state)
{
	struct blockdev ram, v;
	uint8_t buf[2 * SEC], back[2 * SEC];

	(void)state;
	assert_int_equal(blockdev_ram_create(SIZE, SEC, &ram), 0);
	assert_int_equal(blockdev_view_open(&ram, 1, &v), 0);
	assert_int_equal(blockdev_get_size(&v), SIZE);
	assert_int_equal(blockdev_get_sector_size(&v), SEC);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(blockdev_write(&v, 5 * SEC, buf, sizeof(buf)), 0);
	/* The bytes are in the device viewed, at the same offset. */
	assert_memory_equal((uint8_t *)ram.ctx + 5 * SEC, buf, sizeof(buf));
	memset((uint8_t *)ram.ctx + 6 * SEC, 0xee, SEC);
	assert_int_equal(blockdev_read(&v, 5 * SEC, back, sizeof(back)), 0);
	assert_memory_equal(back, buf, SEC);
	for (unsigned i = SEC; i < 2 * SEC; i++)
		assert_int_equal(back[i], 0xee);
	assert_int_equal(blockdev_flush(&v), 0);
	/* Past the end: refused on the view, nothing written. */
	assert_int_equal(blockdev_write(&v, SIZE - SEC, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(blockdev_read(&v, SIZE + 1, back, 1), -EINVAL);
	assert_int_equal(((uint8_t *)ram.ctx)[SIZE - 1], 0);
	/* Closing the view leaves the device usable (ASan sees a use after
	 * free otherwise). */
	blockdev_close(&v);
	assert_int_equal(blockdev_read(&ram, 5 * SEC, back, SEC), 0);
	assert_memory_equal(back, buf, SEC);
	blockdev_close(&ram);
}

static void test_view_read_only_and_discard(void **state)
{
	struct blockdev ram, v;
	uint8_t buf[SEC];

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(blockdev_ram_create(SIZE, SEC, &ram), 0);
	assert_int_equal(blockdev_write(&ram, 0, buf, SEC), 0);
	assert_int_equal(blockdev_view_open(&ram, 0, &v), 0);
	assert_int_equal(blockdev_write(&v, 0, buf, SEC), -EROFS);
	assert_int_equal(blockdev_can_discard(&v), 0);
	blockdev_close(&v);
	/* RAM discards: so does a writable view of it, zeroing the device. */
	assert_int_equal(blockdev_view_open(&ram, 1, &v), 0);
	assert_int_equal(blockdev_can_discard(&v), 1);
	assert_int_equal(blockdev_discard(&v, 0, SEC), 0);
	assert_int_equal(((uint8_t *)ram.ctx)[0], 0);
	assert_int_equal(blockdev_discard(&v, SIZE, SEC), -EINVAL);
	blockdev_close(&v);
	/* A read-only device gives a read-only view even when asked writable. */
	ram.read_only = 1;
	assert_int_equal(blockdev_view_open(&ram, 1, &v), 0);
	assert_int_equal(blockdev_write(&v, 0, buf, SEC), -EROFS);
	ram.read_only = 0;
	blockdev_close(&ram);
	assert_int_equal(blockdev_view_open(&ram, 1, &v), -EINVAL);   /* closed: no ops */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_moves_data),
		cmocka_unit_test(test_view_read_only_and_discard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
