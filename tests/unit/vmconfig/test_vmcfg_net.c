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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_mac_spellings),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
