/* Unit tests for the disk registry's rules (partition/drivers/disk.c) on
 * RAM disks: Set-Disk -IsOffline (refused while a volume of the disk is
 * mounted), a VM's claim on a pass-through disk (only an offline hard
 * disk, one VM at a time, not brought online or unregistered while
 * claimed), and disk numbers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "partition/drivers/disk.h"

static struct disk *ram_disk(const char *bus, const char *location)
{
	struct blockdev bd;
	struct disk *d;

	assert_int_equal(blockdev_ram_create(1u << 20, 512, &bd), 0);
	d = disk_register(&bd, bus, location, "RAM", "S1");
	assert_non_null(d);
	return d;
}

static void test_offline_rules(void **state)
{
	struct disk *host = ram_disk("ATA", "ata0-master");
	struct disk *d = ram_disk("ATA", "ata0-slave");

	(void)state;
	assert_ptr_equal(disk_find(d->number), d);
	assert_false(d->offline);
	/* The host volume's disk, and a disk with a drive letter on a
	 * partition, stay online. */
	host->use = DISK_USE_HOST_VOLUME;
	host->volume = 'C';
	assert_int_equal(disk_set_offline(host, true), -EBUSY);
	assert_false(host->offline);
	d->table.nparts = 2;
	d->part_volume[1] = 'V';
	assert_int_equal(disk_mounted_letter(d), 'V');
	assert_int_equal(disk_set_offline(d, true), -EBUSY);
	d->part_volume[1] = 0;
	assert_int_equal(disk_mounted_letter(d), 0);
	assert_int_equal(disk_set_offline(d, true), 0);
	assert_true(d->offline);
	assert_int_equal(disk_set_offline(d, false), 0);
	assert_false(d->offline);
	host->use = DISK_USE_NONE;
	host->volume = 0;
	assert_int_equal(disk_unregister(host), 0);
	assert_int_equal(disk_unregister(d), 0);
	assert_int_equal(disk_count(), 0);
}

static void test_claim_rules(void **state)
{
	struct disk *d = ram_disk("ATA", "ata1-master");
	struct disk *cd = ram_disk("ATAPI", "ata1-slave");

	(void)state;
	/* Online: no VM may have it. */
	assert_int_equal(disk_claim_vm(d), -EBUSY);
	assert_int_equal(disk_set_offline(d, true), 0);
	assert_int_equal(disk_claim_vm(d), 0);
	assert_int_equal(d->use, DISK_USE_VM);
	assert_string_equal(disk_use_name(d->use), "Pass-through");
	/* A second VM, onlining it, removing it: all refused while claimed. */
	assert_int_equal(disk_claim_vm(d), -EBUSY);
	assert_int_equal(disk_set_offline(d, false), -EBUSY);
	assert_true(d->offline);
	assert_int_equal(disk_unregister(d), -EBUSY);
	disk_release_vm(d);
	assert_int_equal(d->use, DISK_USE_NONE);
	assert_string_equal(disk_use_name(d->use), "None");
	assert_int_equal(disk_claim_vm(d), 0);   /* the next Start-VM */
	disk_release_vm(d);
	assert_int_equal(disk_set_offline(d, false), 0);
	/* A CD/DVD drive is no pass-through hard disk, offline or not. */
	assert_int_equal(disk_set_offline(cd, true), 0);
	assert_int_equal(disk_claim_vm(cd), -ENODEV);
	assert_int_equal(disk_unregister(d), 0);
	assert_int_equal(disk_unregister(cd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offline_rules),
		cmocka_unit_test(test_claim_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
