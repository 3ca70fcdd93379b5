/* libFuzzer target: channel message parsing and the server/client state
 * machines. The input is a script of chunks, each [kind][len][bytes]:
 *   kind 0: message from the guest to the server
 *   kind 1: message from the host to the client
 *   kind 2: guest signal on connection id bytes[0] (server polls the ring);
 *           with bytes[1] bit 7 set, instead the device behind relid
 *           bytes[0] asks for bytes[1] & 31 sub-channels
 *   kind 3: guest writes bytes into its own memory (ring contents)
 * The server is connected and has two offers before the script runs, so
 * inputs reach GPADL/open/close paths quickly. Any input must end in
 * errors, never in a crash, leak, hang or access outside guest memory. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/client.h"
#include "vmbus/server.h"

#define FZ_PAGES 16u
#define FZ_PFN0 0x1000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *fz_mem;
static int fz_maps;

static int fz_post(void *ctx, const void *m, size_t len)
{
	(void)ctx;
	if (getenv("FUZZ_VMBUS_VERBOSE"))
		fprintf(stderr, "post %s (%zu)\n",
			vmbus_msg_name(*(const uint32_t *)m), len);
	return len <= VMBUS_MSG_MAX ? 0 : -EMSGSIZE;
}

static void fz_log(void *ctx, const char *what, const char *why)
{
	(void)ctx;
	if (getenv("FUZZ_VMBUS_VERBOSE"))
		fprintf(stderr, "drop %s: %s\n", what, why);
}

static int fz_post_c(void *ctx, uint32_t conn, const void *m, size_t len)
{
	(void)conn;
	return fz_post(ctx, m, len);
}

static int fz_signal(void *ctx, uint32_t id)
{
	(void)ctx; (void)id;
	return 0;
}

static int fz_map(void *ctx, const uint64_t *pfns, uint32_t n, void **va)
{
	(void)ctx;
	for (uint32_t i = 0; i < n; i++)
		if (pfns[i] != pfns[0] + i ||
		    pfns[i] < FZ_PFN0 || pfns[i] >= FZ_PFN0 + FZ_PAGES)
			return -EFAULT;
	*va = fz_mem + (pfns[0] - FZ_PFN0) * 4096u;
	fz_maps++;
	return 0;
}

static void fz_unmap(void *ctx, void *va, uint32_t n)
{
	(void)ctx; (void)va; (void)n;
	fz_maps--;
}

static void *fz_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return calloc(1, n);
}

static void fz_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static int fz_alloc_pages(void *ctx, uint32_t n, void **va, uint64_t *pfns)
{
	(void)ctx;
	if (n > FZ_PAGES)
		return -ENOMEM;
	*va = fz_mem;
	for (uint32_t i = 0; i < n; i++)
		pfns[i] = FZ_PFN0 + i;
	return 0;
}

static void fz_free_pages(void *ctx, void *va, uint32_t n)
{
	(void)ctx; (void)va; (void)n;
}

static int fz_pkt(void *ctx, struct vmbus_chan *ch,
		  const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	(void)ctx; (void)pkt;
	/* Exercise the write path too; a full ring just fails. */
	(void)vmbus_chan_send_comp(ch, info->desc.trans_id, NULL, 0);
	return 0;
}

static int fz_event(void *dev, struct vmbus_chan *ch)
{
	static uint8_t buf[4096];

	(void)dev;
	return vmbus_chan_poll(ch, buf, sizeof(buf), fz_pkt, NULL, 32) == 32;
}

static const struct vmbus_dev_ops fz_dev = { .on_event = fz_event };

static void fz_setup(struct vmbus_server **s, struct vmbus_client **c)
{
	static const struct vmbus_server_ops sops = {
		.post_msg = fz_post, .signal = fz_signal, .map = fz_map,
		.unmap = fz_unmap, .alloc = fz_alloc, .free = fz_free,
		.log = fz_log };
	static const struct vmbus_client_ops cops = {
		.post_msg = fz_post_c, .signal = fz_signal,
		.alloc_pages = fz_alloc_pages, .free_pages = fz_free_pages,
		.alloc = fz_alloc, .free = fz_free, .log = fz_log };
	struct vmbus_msg_initiate in = { .hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT,
					 .version = VMBUS_VERSION_V5_3 };
	struct vmbus_msg_hdr rq = { .msgtype = VMBUS_MSG_REQUESTOFFERS };
	struct vmbus_guid g = { { 1 } };
	uint32_t relid;

	*s = vmbus_server_create(&sops, VMBUS_VERSION_V5_3);
	*c = vmbus_client_create(&cops);
	vmbus_server_offer(*s, &g, &g, &fz_dev, NULL, &relid);
	vmbus_server_offer(*s, &g, &g, &fz_dev, NULL, &relid);
	vmbus_server_handle_msg(*s, &in, sizeof(in));
	vmbus_server_handle_msg(*s, &rq, sizeof(rq));
	vmbus_client_connect(*c, NULL, 0);
}

static void fz_chunk(struct vmbus_server *s, struct vmbus_client *c,
		     uint8_t kind, const uint8_t *p, size_t n)
{
	const char *why;
	size_t off;

	switch (kind & 3) {
	case 0:
		(void)vmbus_msg_validate(p, n, &why);
		vmbus_server_handle_msg(s, p, n);
		break;
	case 1:
		vmbus_client_handle_msg(c, p, n);
		/* Let the client act on what it learnt. */
		if (n >= 8 && p[0] == VMBUS_MSG_OFFERCHANNEL && n >= 188)
			(void)vmbus_client_open(c, p[184], 2, 2);
		break;
	case 2:
		if (n >= 2 && (p[1] & 0x80))
			(void)vmbus_server_offer_subchannels(s, p[0], p[1] & 31u);
		else
			vmbus_server_handle_event(s, n ? p[0] : 0);
		break;
	default:
		if (n < 2)
			break;
		off = ((size_t)p[0] | (size_t)p[1] << 8) * 8u %
		      (FZ_PAGES * 4096u);
		n -= 2;
		if (n > FZ_PAGES * 4096u - off)
			n = FZ_PAGES * 4096u - off;
		memcpy(fz_mem + off, p + 2, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_server *s;
	struct vmbus_client *c;
	size_t i = 0;

	fz_mem = calloc(FZ_PAGES, 4096u);
	fz_maps = 0;
	fz_setup(&s, &c);
	while (i + 2 <= size) {
		uint8_t kind = data[i];
		size_t n = data[i + 1];

		i += 2;
		if (n > size - i)
			n = size - i;
		fz_chunk(s, c, kind, data + i, n);
		i += n;
	}
	vmbus_client_destroy(c);
	vmbus_server_destroy(s);
	if (fz_maps != 0)
		abort();  /* a mapping outlived the server: leak */
	free(fz_mem);
	return 0;
}
