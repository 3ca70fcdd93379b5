/* Integration-component framing (vmbus/ic.c): the host's negotiation and
 * requests answered by the guest side with Linux hv_utils' version
 * lists (drivers/hv/hv_util.c: framework 3.0, 1.0; shutdown 3.2, 3.1,
 * 3.0, 1.0; time sync 4.0, 3.0, 1.0; heartbeat 3.0, 1.0), and malformed
 * answers refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus/ic.h"

static const uint32_t fw_linux[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
static const uint32_t sd_linux[] = { VMBUS_IC_VER(3, 2), VMBUS_IC_VER(3, 1), VMBUS_IC_VER(3, 0),
				     VMBUS_IC_VER(1, 0) };

static void test_negotiate_linux(void **state)
{
	static const uint32_t host_fw[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
	static const uint32_t host_sd[] = { VMBUS_IC_VER(3, 1), VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
	uint8_t buf[256];
	size_t n = vmbus_ic_build_negotiate(buf, sizeof(buf), 7, host_fw, 2, host_sd, 3);
	uint32_t fw = 0, sd = 0, hfw, hsd;
	struct vmbus_ic_hdr h;
	const uint8_t *d;
	size_t dl;
	const char *why;

	(void)state;
	assert_int_equal(n, 28 + 8 + 5 * 4);
	/* The host's own packet is a request, not an answer. */
	assert_int_equal(vmbus_ic_parse_response(buf, n, &h, &d, &dl, &why), -EPROTO);
	assert_int_equal(vmbus_ic_answer_negotiate(buf, n, fw_linux, 2, sd_linux, 4, &fw, &sd), 1);
	assert_int_equal(fw, VMBUS_IC_VER(3, 0));
	assert_int_equal(sd, VMBUS_IC_VER(3, 1));   /* Linux's 3.2 is not offered */
	assert_int_equal(vmbus_ic_parse_response(buf, n, &h, &d, &dl, &why), 0);
	assert_int_equal(h.transaction_id, 7);
	assert_int_equal(h.msgtype, VMBUS_IC_TYPE_NEGOTIATE);
	assert_int_equal(vmbus_ic_negotiated(d, dl, &hfw, &hsd), 0);
	assert_int_equal(hfw, VMBUS_IC_VER(3, 0));
	assert_int_equal(hsd, VMBUS_IC_VER(3, 1));
}

static void test_negotiate_no_match(void **state)
{
	static const uint32_t host_fw[] = { VMBUS_IC_VER(3, 0) };
	static const uint32_t host_sd[] = { VMBUS_IC_VER(9, 9) };
	uint8_t buf[256];
	size_t n = vmbus_ic_build_negotiate(buf, sizeof(buf), 1, host_fw, 1, host_sd, 1);
	uint32_t fw, sd;
	struct vmbus_ic_hdr h;
	const uint8_t *d;
	size_t dl;
	const char *why;

	(void)state;
	assert_int_equal(vmbus_ic_answer_negotiate(buf, n, fw_linux, 2, sd_linux, 4, &fw, &sd), 0);
	assert_int_equal(vmbus_ic_parse_response(buf, n, &h, &d, &dl, &why), 0);
	assert_int_equal(vmbus_ic_negotiated(d, dl, &fw, &sd), -EPROTO);
}

static void test_malformed(void **state)
{
	static const uint32_t v[] = { VMBUS_IC_VER(3, 0) };
	uint8_t buf[256];
	size_t n = vmbus_ic_build_negotiate(buf, sizeof(buf), 1, v, 1, v, 1);
	uint32_t fw, sd;
	struct vmbus_ic_hdr h;
	const uint8_t *d;
	size_t dl;
	const char *why;
	uint16_t big = 200;

	(void)state;
	/* Counts naming versions past the packet. */
	memcpy(buf + VMBUS_IC_DATA_OFF, &big, 2);
	assert_int_equal(vmbus_ic_answer_negotiate(buf, n, fw_linux, 2, sd_linux, 4, &fw, &sd), -EPROTO);
	assert_int_equal(vmbus_ic_answer_negotiate(buf, 20, fw_linux, 2, sd_linux, 4, &fw, &sd), -EPROTO);
	/* A response whose msgsize runs past the packet. */
	n = vmbus_ic_build_request(buf, sizeof(buf), VMBUS_IC_TYPE_HEARTBEAT, 2, v[0], v[0], NULL, 40);
	assert_int_equal(n, 68);
	buf[VMBUS_IC_HDR_OFF + 17] = VMBUS_IC_FLAG_RESPONSE;
	assert_int_equal(vmbus_ic_parse_response(buf, n - 1, &h, &d, &dl, &why), -EPROTO);
	assert_int_equal(vmbus_ic_parse_response(buf, 27, &h, &d, &dl, &why), -EPROTO);
	assert_int_equal(vmbus_ic_parse_response(buf, n, &h, &d, &dl, &why), 0);
	assert_int_equal(dl, 40);
	/* Too small a buffer to build into. */
	assert_int_equal(vmbus_ic_build_request(buf, 40, VMBUS_IC_TYPE_HEARTBEAT, 2, v[0], v[0], NULL, 40), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_linux),
		cmocka_unit_test(test_negotiate_no_match),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
