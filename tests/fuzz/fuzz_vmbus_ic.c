/* libFuzzer target: integration-component packets a guest sends back
 * (vmbus/ic.c): the host's response parser and negotiation reader, and
 * the guest-side negotiation answer fed a hostile host's request. Any
 * input ends in an error or an answer inside the packet, never in a
 * read or write outside it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/ic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t fw[] = { VMBUS_IC_VER(3, 0), VMBUS_IC_VER(1, 0) };
	static const uint32_t srv[] = { VMBUS_IC_VER(4, 0), VMBUS_IC_VER(3, 0) };
	uint8_t *buf = malloc(size ? size : 1);
	struct vmbus_ic_hdr h;
	const uint8_t *d;
	size_t dl;
	const char *why;
	uint32_t a, b;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (vmbus_ic_parse_response(buf, size, &h, &d, &dl, &why) == 0)
		(void)vmbus_ic_negotiated(d, dl, &a, &b);
	(void)vmbus_ic_answer_negotiate(buf, size, fw, 2, srv, 2, &a, &b);
	free(buf);
	return 0;
}
