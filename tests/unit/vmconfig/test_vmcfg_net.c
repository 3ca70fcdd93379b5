/* Unit tests for the [NetworkAdapter] sections (partition/vmconfig/
 * vmcfg_net.c, docs/vm-config.md "Network adapters"): round trips, the
 * MAC's spellings, and bad sections refused with the right line. */
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

static void parse_ok(const char *text, struct vmcfg_doc *doc)
{
	struct vmcfg_error err;

	assert_int_equal(vmcfg_parse(text, strlen(text), doc, &err), 0);
}

static void test_round_trip(void **state)
{
	static const char text[] =
		"[VM]\nName = a\n"
		"[NetworkAdapter]\nName = Network Adapter\nSwitchName = lab\n"
		"MacAddress = 00-15-5d-00-0a-01\nDynamicMacAddressEnabled = true\nFuture = 1\n"
		"[NetworkAdapter]\nName = second\nMacAddress = 02:00:00:00:00:09\n";
	struct vmcfg_doc doc, d2;
	struct vmcfg_nic n, n2;
	struct vmcfg_error err;
	size_t len;
	char *out;

	(void)state;
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_nic_count(&doc), 2);
	assert_int_equal(vmcfg_get_nic(&doc, 0, &n, &err), 0);
	assert_string_equal(n.name, "Network Adapter");
	assert_string_equal(n.switch_name, "lab");
	assert_memory_equal(n.mac, "\x00\x15\x5d\x00\x0a\x01", 6);
	assert_true(n.dynamic_mac);
	assert_int_equal(vmcfg_get_nic(&doc, 1, &n2, &err), 0);
	assert_string_equal(n2.switch_name, "");
	assert_false(n2.dynamic_mac);
	assert_int_equal(vmcfg_get_nic(&doc, 2, &n2, &err), -ENOENT);
	/* Change the first, append a third; unknown keys stay. */
	snprintf(n.switch_name, sizeof(n.switch_name), "%s", "");
	assert_int_equal(vmcfg_put_nic(&doc, 0, &n), 0);
	n.mac[5] = 0x22;
	assert_int_equal(vmcfg_put_nic(&doc, 2, &n), 0);
	assert_int_equal(vmcfg_put_nic(&doc, 4, &n), -EINVAL);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_non_null(strstr(out, "MacAddress = 00155D000A01\n"));
	assert_non_null(strstr(out, "Future = 1\n"));
	parse_ok(out, &d2);
	assert_int_equal(vmcfg_nic_count(&d2), 3);
	assert_int_equal(vmcfg_get_nic(&d2, 0, &n2, &err), 0);
	assert_string_equal(n2.switch_name, "");
	assert_int_equal(vmcfg_get_nic(&d2, 2, &n2, &err), 0);
	assert_int_equal(n2.mac[5], 0x22);
	free(out);
	vmcfg_free(&doc);
	vmcfg_free(&d2);
}

static void test_mac_spellings(void **state)
{
	uint8_t m[6];
	char out[13];

	(void)state;
	assert_int_equal(vmcfg_mac_parse("00155D000A01", m), 0);
	vmcfg_mac_format(m, out);
	assert_string_equal(out, "00155D000A01");
	assert_int_equal(vmcfg_mac_parse("00:15:5d:00:0a:01", m), 0);
	assert_int_equal(vmcfg_mac_parse("00155D000A0", m), -EINVAL);
	assert_int_equal(vmcfg_mac_parse("00155D000A0G", m), -EINVAL);
	assert_int_equal(vmcfg_mac_parse("00-15-5D:00-0A-01", m), -EINVAL);
	assert_int_equal(vmcfg_mac_parse("00-15-5D-00-0A-01x", m), -EINVAL);
	assert_int_equal(vmcfg_mac_parse("", m), -EINVAL);
}

static void bad(const char *section, int line, const char *msg)
{
	char text[512];
	struct vmcfg_doc doc;
	struct vmcfg_error err = { 0, "" };
	struct vmcfg_nic n;

	snprintf(text, sizeof(text), "[VM]\nName = a\n[NetworkAdapter]\n%s", section);
	parse_ok(text, &doc);
	assert_int_not_equal(vmcfg_get_nic(&doc, 0, &n, &err), 0);
	if (err.line != line || !strstr(err.msg, msg))
		print_error("got line %d: %s\n", err.line, err.msg);
	assert_int_equal(err.line, line);
	assert_non_null(strstr(err.msg, msg));
	vmcfg_free(&doc);
}

static void test_bad_sections(void **state)
{
	(void)state;
	bad("MacAddress = 00155D000A01\n", 3, "needs a Name");
	bad("Name =\nMacAddress = 00155D000A01\n", 4, "needs a Name");
	bad("Name = n\n", 3, "MacAddress must be");
	bad("Name = n\nMacAddress = 01155D000A01\n", 5, "unicast");    /* group bit */
	bad("Name = n\nMacAddress = 000000000000\n", 5, "unicast");
	bad("Name = n\nMacAddress = 00155D000A01\nName = m\n", 6, "given twice");
	bad("Name = n\nMacAddress = 00155D000A01\nDynamicMacAddressEnabled = yes\n", 6,
	    "True or False");
	bad("Name = n\nSwitchName = 0123456789012345678901234567890123\n"
	    "MacAddress = 00155D000A01\n", 5, "longer than 31");
}

static void test_too_many(void **state)
{
	char text[2048] = "[VM]\nName = a\n";
	struct vmcfg_doc doc;
	struct vmcfg_error err = { 0, "" };
	struct vmcfg_nic n;

	(void)state;
	for (int i = 0; i <= VMCFG_NICS_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "[NetworkAdapter]\nName = n%d\nMacAddress = 00155D0000%02X\n", i, i + 1);
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_get_nic(&doc, VMCFG_NICS_MAX - 1, &n, &err), 0);
	assert_int_equal(vmcfg_get_nic(&doc, VMCFG_NICS_MAX, &n, &err), -E2BIG);
	assert_int_equal(err.line, 3 + 3 * VMCFG_NICS_MAX);
	vmcfg_free(&doc);
}

static void list_ok(const char *in, const char *canon, size_t count)
{
	uint64_t bits[VMCFG_VLAN_WORDS], again[VMCFG_VLAN_WORDS];
	const char *why = NULL;
	char out[64];

	if (vmcfg_vlan_list_parse(in, bits, &why))
		print_error("\"%s\" refused: %s\n", in, why);
	assert_int_equal(vmcfg_vlan_list_parse(in, bits, &why), 0);
	assert_int_equal(vmcfg_vlan_list_format(bits, out, sizeof(out)), 0);
	assert_string_equal(out, canon);
	assert_int_equal(vmcfg_vlan_list_ids(bits, NULL), count);
	assert_int_equal(vmcfg_vlan_list_parse(out, again, &why), 0);
	assert_memory_equal(bits, again, sizeof(bits));
}

static void list_bad(const char *in, const char *msg)
{
	uint64_t bits[VMCFG_VLAN_WORDS];
	const char *why = "";

	assert_int_equal(vmcfg_vlan_list_parse(in, bits, &why), -EINVAL);
	if (!strstr(why, msg))
		print_error("\"%s\": %s\n", in, why);
	assert_non_null(strstr(why, msg));
	for (int i = 0; i < VMCFG_VLAN_WORDS; i++)
		assert_int_equal(bits[i], 0);   /* nothing half-parsed */
}

static void test_vlan_list(void **state)
{
	uint64_t bits[VMCFG_VLAN_WORDS];
	uint16_t ids[8];
	const char *why;
	char small[6];

	(void)state;
	list_ok("1-5,7", "1-5,7", 6);
	list_ok("7, 1-5 ,3", "1-5,7", 6);
	list_ok("5,4,3,2,1", "1-5", 5);
	list_ok("1-4094", "1-4094", 4094);
	list_ok("4094", "4094", 1);
	list_ok("0010-0011", "10-11", 2);
	list_ok("1,3,5", "1,3,5", 3);
	list_bad("", "empty");
	list_bad("1,,2", "empty");
	list_bad("1,", "empty");
	list_bad("0", "VLAN ID 0");
	list_bad("4095", "above 4094");
	list_bad("99999999999999999999", "above 4094");
	list_bad("5-3", "below A");
	list_bad("1 2", "separated by ','");
	list_bad("1;2", "separated by ','");
	list_bad("a", "not a number");
	list_bad("-3", "not a number");
	list_bad("1-", "empty");
	/* The canonical text needs room; ids come out ascending. */
	assert_int_equal(vmcfg_vlan_list_parse("1,3,5,7", bits, &why), 0);
	assert_int_equal(vmcfg_vlan_list_format(bits, small, sizeof(small)), -E2BIG);
	assert_int_equal(vmcfg_vlan_list_ids(bits, ids), 4);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[3], 7);
}

static void test_vlan_round_trip(void **state)
{
	static const char text[] =
		"[VM]\nName = a\n"
		"[NetworkAdapter]\nName = t\nMacAddress = 00155D000A01\n"
		"MacAddressSpoofing = on\nVlanOperationMode = trunk\nNativeVlanId = 0\n"
		"AllowedVlanIdList = 7,1-5\n"
		"[NetworkAdapter]\nName = a\nMacAddress = 00155D000A02\n"
		"VlanOperationMode = Access\nAccessVlanId = 5\n"
		"[NetworkAdapter]\nName = old\nMacAddress = 00155D000A03\n";
	struct vmcfg_doc doc, d2;
	struct vmcfg_nic n[3], again;
	struct vmcfg_error err;
	size_t len;
	char *out;

	(void)state;
	parse_ok(text, &doc);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vmcfg_get_nic(&doc, i, &n[i], &err), 0);
	assert_true(n[0].mac_spoofing);
	assert_int_equal(n[0].vlan_mode, VMCFG_VLAN_TRUNK);
	assert_int_equal(vmcfg_vlan_list_ids(n[0].allowed, NULL), 6);
	assert_int_equal(n[1].vlan_mode, VMCFG_VLAN_ACCESS);
	assert_int_equal(n[1].access_vlan, 5);
	assert_false(n[2].mac_spoofing);            /* an older file: the defaults */
	assert_int_equal(n[2].vlan_mode, VMCFG_VLAN_UNTAGGED);
	/* Trunk back to untagged drops its IDs from the file. */
	n[0].vlan_mode = VMCFG_VLAN_UNTAGGED;
	assert_int_equal(vmcfg_put_nic(&doc, 0, &n[0]), -EINVAL);   /* IDs left over */
	memset(n[0].allowed, 0, sizeof(n[0].allowed));
	assert_int_equal(vmcfg_put_nic(&doc, 0, &n[0]), 0);
	for (int i = 1; i < 3; i++)
		assert_int_equal(vmcfg_put_nic(&doc, i, &n[i]), 0);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_null(strstr(out, "AllowedVlanIdList"));
	assert_null(strstr(out, "NativeVlanId"));
	assert_non_null(strstr(out, "MacAddressSpoofing = On\n"));
	assert_non_null(strstr(out, "VlanOperationMode = Access\nAccessVlanId = 5\n"));
	parse_ok(out, &d2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vmcfg_get_nic(&d2, i, &again, &err), 0);
		assert_memory_equal(&again, &n[i], sizeof(again));
	}
	/* Remove the middle one: the last moves down. */
	assert_int_equal(vmcfg_remove_nic(&d2, 1), 0);
	assert_int_equal(vmcfg_remove_nic(&d2, 2), -ENOENT);
	assert_int_equal(vmcfg_nic_count(&d2), 2);
	assert_int_equal(vmcfg_get_nic(&d2, 1, &again, &err), 0);
	assert_string_equal(again.name, "old");
	free(out);
	vmcfg_free(&doc);
	vmcfg_free(&d2);
}

static void test_vlan_bad(void **state)
{
	(void)state;
	bad("Name = n\nMacAddress = 00155D000A01\nMacAddressSpoofing = maybe\n", 6, "On or Off");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Isolated\n", 6,
	    "Untagged, Access or Trunk");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Access\n", 6,
	    "needs AccessVlanId");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Access\nAccessVlanId = 0\n",
	    7, "from 1 to 4094");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Access\nAccessVlanId = 4095\n",
	    7, "from 1 to 4094");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Access\nAccessVlanId = +5\n",
	    7, "from 1 to 4094");
	bad("Name = n\nMacAddress = 00155D000A01\nAccessVlanId = 5\n", 6, "only for VlanOperationMode Access");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Trunk\nNativeVlanId = 1\n", 6,
	    "needs AllowedVlanIdList");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Trunk\nNativeVlanId = 1\n"
	    "AllowedVlanIdList = 1-5,0\n", 8, "AllowedVlanIdList: VLAN ID 0");
	bad("Name = n\nMacAddress = 00155D000A01\nVlanOperationMode = Access\nAccessVlanId = 3\n"
	    "AllowedVlanIdList = 1\n", 8, "only for VlanOperationMode Trunk");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_mac_spellings),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_vlan_list),
		cmocka_unit_test(test_vlan_round_trip),
		cmocka_unit_test(test_vlan_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
