/* Channel message layouts (offsets Linux uses in include/linux/hyperv.h),
 * validation rules and GPADL header/body assembly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus/msg.h"

#define OFF(t, f) offsetof(struct t, f)

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(OFF(vmbus_msg_offer, offer), 8);
	assert_int_equal(OFF(vmbus_msg_offer, offer.if_type), 8);
	assert_int_equal(OFF(vmbus_msg_offer, offer.if_instance), 24);
	assert_int_equal(OFF(vmbus_msg_offer, offer.chn_flags), 56);
	assert_int_equal(OFF(vmbus_msg_offer, offer.mmio_megabytes), 58);
	assert_int_equal(OFF(vmbus_msg_offer, offer.user_def), 60);
	assert_int_equal(OFF(vmbus_msg_offer, offer.sub_channel_index), 180);
	assert_int_equal(OFF(vmbus_msg_offer, child_relid), 184);
	assert_int_equal(OFF(vmbus_msg_offer, monitorid), 188);
	assert_int_equal(OFF(vmbus_msg_offer, flags8), 189);
	assert_int_equal(OFF(vmbus_msg_offer, flags16), 190);
	assert_int_equal(OFF(vmbus_msg_offer, connection_id), 192);
	assert_int_equal(sizeof(struct vmbus_msg_offer), 196);
	assert_int_equal(OFF(vmbus_msg_open, child_relid), 8);
	assert_int_equal(OFF(vmbus_msg_open, openid), 12);
	assert_int_equal(OFF(vmbus_msg_open, ring_gpadl), 16);
	assert_int_equal(OFF(vmbus_msg_open, target_vp), 20);
	assert_int_equal(OFF(vmbus_msg_open, downstream_page_offset), 24);
	assert_int_equal(OFF(vmbus_msg_open, userdata), 28);
	assert_int_equal(sizeof(struct vmbus_msg_open), 148);
	assert_int_equal(OFF(vmbus_msg_open_result, status), 16);
	assert_int_equal(sizeof(struct vmbus_msg_open_result), 20);
	assert_int_equal(OFF(vmbus_msg_gpadl_header, range_buflen), 16);
	assert_int_equal(OFF(vmbus_msg_gpadl_header, rangecount), 18);
	assert_int_equal(sizeof(struct vmbus_msg_gpadl_header), 20);
	assert_int_equal(OFF(vmbus_msg_gpadl_body, gpadl), 12);
	assert_int_equal(sizeof(struct vmbus_msg_gpadl_body), 16);
	assert_int_equal(OFF(vmbus_msg_gpadl_created, creation_status), 16);
	assert_int_equal(sizeof(struct vmbus_msg_gpadl_teardown), 16);
	assert_int_equal(OFF(vmbus_msg_gpadl_torndown, gpadl), 8);
	assert_int_equal(OFF(vmbus_msg_initiate, version), 8);
	assert_int_equal(OFF(vmbus_msg_initiate, interrupt_page), 16);
	assert_int_equal(OFF(vmbus_msg_initiate, monitor_page2), 32);
	assert_int_equal(sizeof(struct vmbus_msg_initiate), 40);
	assert_int_equal(OFF(vmbus_msg_version_response, version_supported), 8);
	assert_int_equal(OFF(vmbus_msg_version_response, connection_state), 9);
	assert_int_equal(OFF(vmbus_msg_version_response, msg_conn_id), 12);
	assert_int_equal(sizeof(struct vmbus_msg_version_response), 16);
	assert_int_equal(sizeof(struct vmbus_msg_relid), 12);
	assert_int_equal(VMBUS_GPADL_HEADER_MAX_PFNS, 26);
	assert_int_equal(VMBUS_GPADL_BODY_MAX_PFNS, 28);
	assert_int_equal(VMBUS_MSG_UNLOAD_RESPONSE, 17);
	assert_int_equal(VMBUS_MSG_INITIATE_CONTACT, 14);
}

static void test_validate(void **state)
{
	uint8_t m[VMBUS_MSG_MAX + 1] = { 0 };
	const char *why;

	(void)state;
	assert_int_equal(vmbus_msg_validate(m, 7, &why), -EINVAL);
	assert_int_equal(vmbus_msg_validate(m, 8, &why), -EPROTO);  /* type 0 */
	/* Types nobody serves, between and after the known ones. */
	for (unsigned t = 18; t <= 25; t++) {
		m[0] = (uint8_t)t;
		if (t != VMBUS_MSG_MODIFYCHANNEL && t != VMBUS_MSG_MODIFYCHANNEL_RESPONSE)
			assert_int_equal(vmbus_msg_validate(m, 16, &why), -EPROTO);
	}
	m[0] = VMBUS_MSG_MODIFYCHANNEL;
	assert_int_equal(vmbus_msg_validate(m, 15, &why), -EINVAL);
	assert_int_equal(vmbus_msg_validate(m, 16, &why), VMBUS_MSG_MODIFYCHANNEL);
	assert_string_equal(vmbus_msg_name(VMBUS_MSG_MODIFYCHANNEL), "MODIFYCHANNEL");
	assert_string_equal(vmbus_msg_name(19), "?");
	m[0] = VMBUS_MSG_UNLOAD;
	assert_int_equal(vmbus_msg_validate(m, 8, &why), VMBUS_MSG_UNLOAD);
	assert_int_equal(vmbus_msg_validate(m, 241, &why), -EMSGSIZE);
	m[0] = VMBUS_MSG_OFFERCHANNEL;
	assert_int_equal(vmbus_msg_validate(m, 195, &why), -EINVAL);
	assert_non_null(strstr(why, "shorter"));
	assert_int_equal(vmbus_msg_validate(m, 196, &why), VMBUS_MSG_OFFERCHANNEL);
	m[0] = VMBUS_MSG_GPADL_BODY;
	assert_int_equal(vmbus_msg_validate(m, 16, &why), -EINVAL);  /* 0 PFNs */
	assert_int_equal(vmbus_msg_validate(m, 20, &why), -EINVAL);  /* half */
	assert_int_equal(vmbus_msg_validate(m, 24, &why), VMBUS_MSG_GPADL_BODY);
	assert_true(vmbus_msg_version_known(0x20004));
	assert_true(vmbus_msg_version_known(0x50003));
	assert_false(vmbus_msg_version_known(0x10001));
	assert_false(vmbus_msg_version_known(0x50004));
}

/* Header + bodies carry every PFN once, in order. */
static void test_gpadl_roundtrip(void **state)
{
	static const uint32_t counts[] = { 1, 26, 27, 54, 55, 100, 8190 };
	static uint64_t pfns[8190], got[8190];

	(void)state;
	for (uint32_t i = 0; i < 8190; i++)
		pfns[i] = 0x100000000ull + i * 3;
	for (unsigned k = 0; k < 7; k++) {
		uint32_t n = counts[k], used, have, msgs = 1;
		uint8_t buf[VMBUS_MSG_MAX];
		struct vmbus_gpadl_hdr_info gi;
		const char *why;
		int len = vmbus_msg_gpadl_header_build(buf, 5, 9, pfns, n,
						       n * 4096u, &used);

		assert_true(len > 0 && len <= (int)VMBUS_MSG_MAX);
		assert_int_equal(vmbus_msg_gpadl_header_decode(buf, (size_t)len,
							       &gi, &why), 0);
		assert_int_equal(gi.total_pfns, n);
		assert_int_equal(gi.child_relid, 5);
		assert_int_equal(gi.gpadl, 9);
		for (have = 0; have < gi.pfns_here; have++)
			got[have] = vmbus_msg_pfn_at(gi.pfns, have);
		while (have < n) {
			len = vmbus_msg_gpadl_body_build(buf, msgs++, 9, pfns + have,
							 n - have, &used);
			assert_true(len > 0 && len <= (int)VMBUS_MSG_MAX);
			assert_int_equal(vmbus_msg_validate(buf, (size_t)len, &why),
					 VMBUS_MSG_GPADL_BODY);
			assert_int_equal(vmbus_msg_gpadl_body_count((size_t)len), used);
			for (uint32_t i = 0; i < used; i++)
				got[have + i] = vmbus_msg_pfn_at(buf + 16, i);
			have += used;
		}
		assert_memory_equal(got, pfns, n * 8u);
		assert_int_equal(msgs - 1, n <= 26 ? 0 : (n - 26 + 27) / 28);
	}
}

static void test_gpadl_header_bad(void **state)
{
	uint64_t pfns[4] = { 1, 2, 3, 4 };
	uint8_t buf[VMBUS_MSG_MAX];
	struct vmbus_msg_gpadl_header *h = (void *)buf;
	struct vmbus_gpa_range *rg = (void *)(buf + 20);
	struct vmbus_gpadl_hdr_info gi;
	const char *why;
	uint32_t used;
	int len;

	(void)state;
	assert_int_equal(vmbus_msg_gpadl_header_build(buf, 1, 1, pfns, 0, 0,
						      &used), -EINVAL);
	assert_int_equal(vmbus_msg_gpadl_header_build(buf, 1, 1, pfns, 4, 4096,
						      &used), -EINVAL);
	assert_int_equal(vmbus_msg_gpadl_header_build(buf, 1, 1, pfns, 8191,
						      8191u * 4096u, &used),
			 -EINVAL);
	len = vmbus_msg_gpadl_header_build(buf, 1, 1, pfns, 4, 4 * 4096, &used);
	assert_int_equal(len, 20 + 8 + 32);
	h->rangecount = 0;
	assert_int_equal(vmbus_msg_validate(buf, (size_t)len, &why), -EINVAL);
	h->rangecount = 2;
	assert_int_equal(vmbus_msg_gpadl_header_decode(buf, (size_t)len, &gi,
						       &why), -EOPNOTSUPP);
	h->rangecount = 1;
	rg->byte_count = 5 * 4096;  /* disagrees with range_buflen */
	assert_int_equal(vmbus_msg_validate(buf, (size_t)len, &why), -EINVAL);
	rg->byte_count = 4 * 4096;
	rg->byte_offset = 4096;
	assert_int_equal(vmbus_msg_validate(buf, (size_t)len, &why), -EINVAL);
	rg->byte_offset = 0;
	h->range_buflen = 8 + 16;  /* claims 2 PFNs but carries 4 */
	rg->byte_count = 2 * 4096;
	assert_int_equal(vmbus_msg_validate(buf, (size_t)len, &why), -EINVAL);
	h->range_buflen = 4;
	assert_int_equal(vmbus_msg_validate(buf, (size_t)len, &why), -EINVAL);
	h->range_buflen = 8 + 32;
	rg->byte_count = 4 * 4096;
	assert_int_equal(vmbus_msg_validate(buf, (size_t)len - 4, &why), -EINVAL);
	assert_int_equal(vmbus_msg_gpadl_header_decode(buf, (size_t)len, &gi,
						       &why), 0);
	buf[0] = VMBUS_MSG_GPADL_BODY;
	assert_int_equal(vmbus_msg_gpadl_header_decode(buf, (size_t)len, &gi,
						       &why), -EINVAL);
}

static void test_guid(void **state)
{
	static const uint8_t scsi[16] = { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04,
					  0x29, 0x4d, 0xb6, 0x05, 0x72, 0xe2,
					  0xff, 0xb1, 0xdc, 0x7f };
	struct vmbus_guid g;

	(void)state;
	assert_int_equal(vmbus_guid_parse(VMBUS_GUID_SCSI, &g), 0);
	assert_memory_equal(g.b, scsi, 16);
	assert_int_equal(vmbus_guid_parse("BA6163D9-04A1-4D29-B605-72E2FFB1DC7F",
					  &g), 0);
	assert_memory_equal(g.b, scsi, 16);
	assert_int_equal(vmbus_guid_parse(VMBUS_GUID_NIC, &g), 0);
	assert_int_equal(g.b[0], 0x63);
	assert_int_equal(g.b[15], 0x0e);
	assert_int_equal(vmbus_guid_parse("ba6163d9-04a1-4d29-b605-72e2ffb1dc7", &g),
			 -EINVAL);
	assert_int_equal(vmbus_guid_parse("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f0",
					  &g), -EINVAL);
	assert_int_equal(vmbus_guid_parse("ba6163d9x04a1-4d29-b605-72e2ffb1dc7f",
					  &g), -EINVAL);
	assert_int_equal(vmbus_guid_parse("", &g), -EINVAL);
	assert_int_equal(vmbus_guid_parse("ba6163d904a14d29b60572e2ffb1dc7f", &g),
			 -EINVAL);
	assert_int_equal(vmbus_guid_parse(NULL, &g), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_gpadl_roundtrip),
		cmocka_unit_test(test_gpadl_header_bad),
		cmocka_unit_test(test_guid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
