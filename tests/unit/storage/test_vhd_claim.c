/* The chain-open rules (storage/vhd/vhd_claim.h) over real differencing
 * chains in memfs: two differencing disks share one parent, read-only;
 * a file any chain uses cannot be opened for writing, a file a chain
 * writes cannot be anyone's parent; dropping a chain frees its files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "storage/vhd/vhd.h"
#include "storage/vhd/vhd_claim.h"
#include "tests/unit/storage/memfs.h"

static struct memfs fs;
static const char vol[] = "C:";     /* any pointer names a volume */

static void mk(const char *path, int type, const char *parent)
{
	struct vhd_create_params p = { .type = type, .size = 4u << 20, .parent = parent };
	struct vhd_err err = { "" };

	assert_int_equal(vhd_create(&fs.ops, path, &p, &err), 0);
}

static struct vhd *op(const char *path, unsigned flags)
{
	struct vhd *v = NULL;
	struct vhd_err err = { "" };

	assert_int_equal(vhd_open(&fs.ops, path, flags, &v, &err), 0);
	return v;
}

static void test_shared_parent(void **state)
{
	static struct vhd_claims t;
	const struct vhd_claim *who;
	struct vhd *a, *b, *p, *ro;

	(void)state;
	memfs_init(&fs);
	memset(&t, 0, sizeof(t));
	mk("/base.vhd", VHD_TYPE_DYNAMIC, NULL);
	mk("/a.vhd", VHD_TYPE_DIFF, "/base.vhd");
	mk("/b.vhd", VHD_TYPE_DIFF, "/base.vhd");
	mk("/c.vhd", VHD_TYPE_DIFF, "/a.vhd");
	a = op("/a.vhd", VHD_OPEN_RDWR);
	b = op("/b.vhd", VHD_OPEN_RDWR);
	/* VM 1 writes a.vhd, VM 2 b.vhd: both read base.vhd */
	assert_int_equal(vhd_claims_take(&t, vol, a, 1, 1, &who), 0);
	assert_int_equal(vhd_claims_take(&t, vol, b, 1, 2, &who), 0);
	assert_int_equal(t.n, 4);
	assert_null(vhd_claims_find(&t, vol, "/base.vhd", 0));   /* readers share it */
	assert_null(vhd_claims_find(&t, NULL, "/base.vhd", 1));  /* another volume */
	/* base.vhd for writing (Add-VMHardDiskDrive, Mount-VHD, Merge-VHD's
	 * target): refused, naming the first user */
	who = vhd_claims_find(&t, vol, "/base.vhd", 1);
	assert_non_null(who);
	assert_int_equal(who->owner, 1);
	assert_false(who->write);
	p = op("/base.vhd", VHD_OPEN_RDWR);
	assert_int_equal(vhd_claims_take(&t, vol, p, 1, 3, &who), -EBUSY);
	assert_int_equal(t.n, 4);                       /* nothing claimed */
	/* ... but a read-only open of it (Mount-VHD -ReadOnly) is fine */
	assert_int_equal(vhd_claims_take(&t, vol, p, 0, 3, &who), 0);
	vhd_claims_drop(&t, vol, p, 3);
	vhd_close(p);
	/* a.vhd is VM 1's writable top: nobody may read it as a parent */
	ro = op("/c.vhd", VHD_OPEN_RDWR);
	assert_non_null(vhd_claims_conflict(&t, vol, ro, 1));
	assert_int_equal(vhd_claims_take(&t, vol, ro, 1, 3, &who), -EBUSY);
	assert_int_equal(who->owner, 1);
	assert_true(who->write);
	assert_string_equal(who->path, "/a.vhd");
	/* base.vhd is read by two VMs: no live merge may write it */
	assert_int_equal(vhd_claims_hold(&t, vol, "/base.vhd", 1, &who), -EBUSY);
	assert_int_equal(who->owner, 2);
	assert_int_equal(vhd_claims_hold(&t, vol, "/nowhere.vhd", 1, &who), -ENOENT);
	/* VM 1 stops: a.vhd and its hold on base.vhd go; VM 2 still reads it */
	vhd_claims_drop(&t, vol, a, 1);
	assert_int_equal(t.n, 2);
	assert_int_equal(vhd_claims_take(&t, vol, ro, 1, 3, &who), 0);
	assert_non_null(vhd_claims_find(&t, vol, "/base.vhd", 1));
	vhd_claims_drop(&t, vol, ro, 3);
	/* VM 2 alone reads base.vhd now: its live merge holds it, and then
	 * nobody may open it, not even to read (a new diff disk over it) */
	assert_int_equal(vhd_claims_hold(&t, vol, "/base.vhd", 2, &who), 0);
	assert_non_null(vhd_claims_find(&t, vol, "/base.vhd", 0));
	vhd_claims_drop(&t, vol, b, 2);
	assert_int_equal(t.n, 0);
	assert_null(vhd_claims_find(&t, vol, "/base.vhd", 1));
	vhd_close(ro);
	vhd_close(a);
	vhd_close(b);
	memfs_free(&fs);
}

/* One owner with two chains over the same parent: dropping one chain
 * leaves the other's claims. A full table refuses, claiming nothing. */
static void test_same_owner_and_full(void **state)
{
	static struct vhd_claims t;
	const struct vhd_claim *who;
	struct vhd *a, *b;

	(void)state;
	memfs_init(&fs);
	memset(&t, 0, sizeof(t));
	mk("/base.vhd", VHD_TYPE_DYNAMIC, NULL);
	mk("/a.vhd", VHD_TYPE_DIFF, "/base.vhd");
	mk("/b.vhd", VHD_TYPE_DIFF, "/base.vhd");
	a = op("/a.vhd", VHD_OPEN_RDWR);
	b = op("/b.vhd", VHD_OPEN_RDWR);
	assert_int_equal(vhd_claims_take(&t, vol, a, 1, 7, &who), 0);
	assert_int_equal(vhd_claims_take(&t, vol, b, 1, 7, &who), 0);
	/* a live merge into base.vhd would change what b.vhd reads */
	assert_int_equal(vhd_claims_hold(&t, vol, "/base.vhd", 7, &who), -EBUSY);
	vhd_claims_drop(&t, vol, a, 7);
	assert_int_equal(t.n, 2);
	assert_non_null(vhd_claims_find(&t, vol, "/b.vhd", 0));
	assert_non_null(vhd_claims_find(&t, vol, "/base.vhd", 1));
	assert_null(vhd_claims_find(&t, vol, "/a.vhd", 0));
	t.n = VHD_CLAIM_MAX - 1;        /* room for one file, the chain has two */
	assert_int_equal(vhd_claims_take(&t, vol, a, 1, 8, &who), -ENOSPC);
	assert_int_equal(t.n, VHD_CLAIM_MAX - 1);
	vhd_close(a);
	vhd_close(b);
	memfs_free(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_parent),
		cmocka_unit_test(test_same_owner_and_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
