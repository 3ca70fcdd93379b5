/* Unit tests for the snapshot layer of the configuration format
 * (partition/vmconfig/vmcfg_snap.c, docs/vm-config.md "Snapshots"): the
 * tree through add, remove and a round trip, the VM's place in it, what
 * depends on a snapshot's files, merges under way, bad sections refused
 * with their line, and Hyper-V's snapshot and AVHD names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/vmconfig/vmcfg.h"

static const char base[] =
	"[VM]\nName = v\nVMId = 0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b36\n"
	"MemoryStartupBytes = 4MB\nKernel = C:\\k.elf\n"
	"[HardDrive]\nPath = C:\\d.vhd\nControllerType = IDE\n";

static void parse_ok(const char *text, struct vmcfg_doc *doc)
{
	struct vmcfg_error err;
	int rc = vmcfg_parse(text, strlen(text), doc, &err);

	if (rc)
		fail_msg("line %d: %s", err.line, err.msg);
}

static void snaps_ok(const struct vmcfg_doc *doc, struct vmcfg_snaps *s)
{
	struct vmcfg_error err;

	if (vmcfg_get_snaps(doc, s, &err))
		fail_msg("line %d: %s", err.line, err.msg);
}

static void id_of(uint8_t g[16], int n)
{
	memset(g, 0, 16);
	g[0] = (uint8_t)n;
	g[8] = 0x80;
}

/* Round trip through the text, as the parent writes and boot reads. */
static void reparse(struct vmcfg_doc *doc)
{
	size_t len;
	char *out = vmcfg_write(doc, &len);

	assert_non_null(out);
	vmcfg_free(doc);
	parse_ok(out, doc);
	free(out);
}

static void test_tree(void **state)
{
	struct vmcfg_doc doc;
	struct vmcfg_snaps s;
	struct vmcfg_vm vm;
	struct vmcfg_error err;
	const char *d0[] = { "C:\\d.vhd" }, *d1[] = { "C:\\S\\d_1.avhd" }, *d2[] = { "C:\\S\\d_2.avhd" };
	uint8_t a[16], b[16], c[16];
	int unk;

	(void)state;
	id_of(a, 1);
	id_of(b, 2);
	id_of(c, 3);
	parse_ok(base, &doc);
	snaps_ok(&doc, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.current, -1);
	/* one, then two on top of it; a restore of one, then three beside two */
	assert_int_equal(vmcfg_snap_add(&doc, a, "one", 1796320408, false, d0, 1), 0);
	assert_int_equal(vmcfg_snap_add(&doc, b, "two", 1796320500, true, d1, 1), 0);
	assert_int_equal(vmcfg_snap_set_current(&doc, a), 0);
	assert_int_equal(vmcfg_snap_add(&doc, c, "three", 1796320600, false, d2, 1), 0);
	reparse(&doc);
	snaps_ok(&doc, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.s[0].name, "one");
	assert_int_equal(s.s[0].parent, -1);
	assert_int_equal(s.s[1].parent, 0);
	assert_int_equal(s.s[2].parent, 0);
	assert_true(s.s[1].saved);
	assert_false(s.s[2].saved);
	assert_int_equal(s.s[0].created, 1796320408);
	assert_int_equal(s.current, 2);
	assert_string_equal(vmcfg_snap_disk(&s.s[1], 0), "C:\\S\\d_1.avhd");
	assert_int_equal(vmcfg_snap_dependents(&s, 0), 2);
	assert_int_equal(vmcfg_snap_dependents(&s, 1), 0);
	assert_int_equal(vmcfg_snap_dependents(&s, 2), 1);
	assert_true(vmcfg_snap_file_used(&s, "c:\\d.VHD", -1));
	assert_false(vmcfg_snap_file_used(&s, "C:\\d.vhd", 0));
	assert_int_equal(vmcfg_snap_find(&s, "TWO", 0), 1);
	assert_int_equal(vmcfg_snap_find(&s, "two", 2), -1);
	/* the known [VM] key is not reported as unknown */
	if (vmcfg_get_vm(&doc, &vm, &unk, &err))
		fail_msg("line %d: %s", err.line, err.msg);
	assert_int_equal(unk, 0);
	assert_int_equal(vmcfg_snap_rename(&doc, b, "two, renamed"), 0);
	assert_int_equal(vmcfg_snap_rename(&doc, b, ""), -EINVAL);
	/* three's memory saved after its commit (a live checkpoint) */
	assert_int_equal(vmcfg_snap_set_saved(&doc, c, true), 0);
	assert_int_equal(vmcfg_snap_set_saved(&doc, b, false), 0);
	reparse(&doc);
	snaps_ok(&doc, &s);
	assert_true(s.s[2].saved);
	assert_false(s.s[1].saved);
	assert_string_equal(s.s[1].name, "two, renamed");
	assert_int_equal(s.s[1].parent, 0);
	/* removing one: its children and the VM go to its parent (none) */
	assert_int_equal(vmcfg_snap_remove(&doc, a), 0);
	assert_int_equal(vmcfg_snap_remove(&doc, a), -ENOENT);
	reparse(&doc);
	snaps_ok(&doc, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.s[0].parent, -1);
	assert_int_equal(s.s[1].parent, -1);
	assert_int_equal(s.current, 1);
	assert_int_equal(vmcfg_snap_remove(&doc, c), 0);
	snaps_ok(&doc, &s);
	assert_int_equal(s.current, -1);
	assert_null(vmcfg_get(vmcfg_section(&doc, "VM", 0), "ParentSnapshotId"));
	vmcfg_free(&doc);
}

static void test_merges(void **state)
{
	struct vmcfg_doc doc;
	struct vmcfg_merge m[4];
	struct vmcfg_error err;
	int n;

	(void)state;
	parse_ok(base, &doc);
	assert_int_equal(vmcfg_merge_add(&doc, "C:\\S\\d_1.avhd", "C:\\d.vhd"), 0);
	assert_int_equal(vmcfg_merge_add(&doc, "", "C:\\d.vhd"), -EINVAL);
	reparse(&doc);
	assert_int_equal(vmcfg_get_merges(&doc, m, 4, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].child, "C:\\S\\d_1.avhd");
	assert_string_equal(m[0].parent, "C:\\d.vhd");
	assert_int_equal(vmcfg_merge_done(&doc, "c:\\s\\D_1.avhd"), 0);
	assert_int_equal(vmcfg_merge_done(&doc, "C:\\S\\d_1.avhd"), -ENOENT);
	assert_int_equal(vmcfg_get_merges(&doc, m, 4, &n, &err), 0);
	assert_int_equal(n, 0);
	vmcfg_free(&doc);
}

static void bad(const char *tail, int line, const char *msg)
{
	char text[2048];
	struct vmcfg_doc doc;
	struct vmcfg_snaps s;
	struct vmcfg_merge m[4];
	struct vmcfg_error err;
	int n, rc;

	snprintf(text, sizeof(text), "%s%s", base, tail);   /* base ends at line 8 */
	parse_ok(text, &doc);
	rc = vmcfg_get_snaps(&doc, &s, &err);
	if (!rc)
		rc = vmcfg_get_merges(&doc, m, 4, &n, &err);
	assert_int_equal(rc, -EINVAL);
	if (err.line != line || !strstr(err.msg, msg))
		fail_msg("want line %d '%s', got line %d '%s'", line, msg, err.line, err.msg);
	vmcfg_free(&doc);
}

#define ID1 "Id = 01000000-0000-0000-8000-000000000000\n"
#define ID2 "Id = 02000000-0000-0000-8000-000000000000\n"

static void test_bad(void **state)
{
	(void)state;
	bad("[Snapshot]\nName = x\nCreationTime = 5\n", 9, "needs Id");
	bad("[Snapshot]\n" ID1 "CreationTime = 5\n", 9, "needs Name");
	bad("[Snapshot]\n" ID1 "Name = x\n", 9, "needs CreationTime");
	bad("[Snapshot]\nId = nope\nName = x\nCreationTime = 5\n", 10, "Id must be a GUID");
	bad("[Snapshot]\n" ID1 "Name = x\nName = y\nCreationTime = 5\n", 12, "Name is given twice");
	bad("[Snapshot]\n" ID1 "Name = x\nCreationTime = -5\n", 12, "seconds since 1970");
	bad("[Snapshot]\n" ID1 "Name = x\nCreationTime = 5\nSnapshotType = Recovery\n", 13,
	    "must be Standard");
	bad("[Snapshot]\n" ID1 "Name = x\nCreationTime = 5\nSavedState = maybe\n", 13, "True or False");
	bad("[Snapshot]\n" ID1 "Name = x\nCreationTime = 5\n[Snapshot]\n" ID1 "Name = y\nCreationTime = 6\n",
	    14, "two snapshots have this Id");
	/* a parent must come first: no cycles */
	bad("[Snapshot]\n" ID1 "Name = x\nCreationTime = 5\nParentId = 02000000-0000-0000-8000-000000000000\n"
	    "[Snapshot]\n" ID2 "Name = y\nCreationTime = 6\nParentId = 01000000-0000-0000-8000-000000000000\n",
	    13, "names no earlier [Snapshot]");
	bad("[Snapshot]\n" ID1 "Name = x\nCreationTime = 5\nDisk =\n", 13, "Disk must be a path");
	bad("[Merge]\nChild = C:\\a.avhd\n", 9, "needs Parent");
}

static void test_vm_current_bad(void **state)
{
	const char *text = "[VM]\nName = v\nVMId = 0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b36\n"
			   "ParentSnapshotId = 09000000-0000-0000-8000-000000000000\n";
	struct vmcfg_doc doc;
	struct vmcfg_snaps s;
	struct vmcfg_error err;

	(void)state;
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_get_snaps(&doc, &s, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	vmcfg_free(&doc);
}

static void test_names(void **state)
{
	char out[160];
	uint8_t g[16];

	(void)state;
	vmcfg_snap_default_name("web1", 2026, 12, 3, 18, 5, 9, out, sizeof(out));
	assert_string_equal(out, "web1 - (12/3/2026 - 6:05:09 PM)");
	vmcfg_snap_default_name("w", 2027, 1, 15, 0, 0, 0, out, sizeof(out));
	assert_string_equal(out, "w - (1/15/2027 - 12:00:00 AM)");
	vmcfg_snap_default_name("w", 2027, 1, 15, 12, 30, 0, out, sizeof(out));
	assert_string_equal(out, "w - (1/15/2027 - 12:30:00 PM)");
	assert_int_equal(vmcfg_guid_parse("6e1f1d76-2a3b-4c5d-8e9f-0a1b2c3d4e5f", g), 0);
	assert_int_equal(vmcfg_avhd_name("C:\\vhd\\ide.vhd", "C:\\Hyper-V\\v\\Snapshots", g, out,
					 sizeof(out)), 0);
	assert_string_equal(out, "C:\\Hyper-V\\v\\Snapshots\\ide_6E1F1D76-2A3B-4C5D-8E9F-0A1B2C3D4E5F.avhd");
	/* an AVHD's AVHD keeps the disk's name */
	assert_int_equal(vmcfg_avhd_name("C:\\S\\ide_01234567-89AB-4CDE-8F01-23456789ABCD.avhd", "C:\\S", g,
					 out, sizeof(out)), 0);
	assert_string_equal(out, "C:\\S\\ide_6E1F1D76-2A3B-4C5D-8E9F-0A1B2C3D4E5F.avhd");
	assert_int_equal(vmcfg_avhd_name("C:\\noext", "C:\\S", g, out, sizeof(out)), 0);
	assert_string_equal(out, "C:\\S\\noext_6E1F1D76-2A3B-4C5D-8E9F-0A1B2C3D4E5F.avhd");
	assert_int_equal(vmcfg_avhd_name("C:\\d.vhd", "C:\\S", g, out, 40), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_merges),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_vm_current_bad),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
