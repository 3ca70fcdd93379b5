/* libFuzzer target: vmbus_server_restore on arbitrary saved states (a
 * saved-state file is a file a user can corrupt). A fresh server with two
 * offered devices takes the input; any input must end in -EINVAL (or a
 * restore), never in a crash, leak or access outside guest memory. A
 * state restore accepted must save back to the very same bytes, and the
 * restored server must survive a signal on every relid and its
 * destruction with no mapping left. Seeds: mkseeds_vmbus_state.py. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/server.h"
#include "vmbus/server_state.h"

#define FZ_PAGES 16u
#define FZ_PFN0 0x1000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *fz_mem;
static int fz_maps, fz_restoring;

/* Restore must not post to the guest. A poll afterwards may: a primary
 * whose ring was saved broken is closed, and its sub-channels are
 * rescinded. */
static int fz_post(void *ctx, const void *m, size_t len)
{
	(void)ctx; (void)m;
	if (fz_restoring)
		abort();
	return len <= VMBUS_MSG_MAX ? 0 : -EMSGSIZE;
}

static int fz_signal(void *ctx, uint32_t id)
{
	(void)ctx; (void)id;
	return 0;
}

/* Only the guest's FZ_PAGES pages, contiguous (the harness's rule). */
static int fz_map(void *ctx, const uint64_t *pfns, uint32_t n, void **va)
{
	(void)ctx;
	for (uint32_t i = 0; i < n; i++)
		if (pfns[i] != pfns[0] + i ||
		    pfns[i] < FZ_PFN0 || pfns[i] >= FZ_PFN0 + FZ_PAGES)
			return -EFAULT;
	if (n == 0)
		return -EINVAL;
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

static int fz_pkt(void *ctx, struct vmbus_chan *ch,
		  const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	(void)ctx; (void)ch; (void)info; (void)pkt;
	return 0;
}

static int fz_event(void *dev, struct vmbus_chan *ch)
{
	static uint8_t buf[4096];

	(void)dev;
	return vmbus_chan_poll(ch, buf, sizeof(buf), fz_pkt, NULL, 32) == 32;
}

static const struct vmbus_dev_ops fz_dev = { .on_event = fz_event };

static struct vmbus_server *fz_setup(void)
{
	static const struct vmbus_server_ops sops = {
		.post_msg = fz_post, .signal = fz_signal, .map = fz_map,
		.unmap = fz_unmap, .alloc = fz_alloc, .free = fz_free };
	struct vmbus_server *s = vmbus_server_create(&sops, VMBUS_VERSION_V5_3);
	struct vmbus_guid a = { { 1 } }, b = { { 2 } };
	uint32_t relid;

	if (!s)
		abort();
	vmbus_server_offer(s, &a, &a, &fz_dev, NULL, &relid);
	vmbus_server_offer(s, &b, &b, &fz_dev, NULL, &relid);
	return s;
}

/* An accepted state saves back to itself; one of an older format saves
 * in the current one. */
static void fz_resave(struct vmbus_server *s, const uint8_t *data, size_t size)
{
	size_t cap = vmbus_server_save_size(s), len = 0;
	uint8_t *again = malloc(cap);
	struct vmbus_st_hdr h;

	memcpy(&h, data, sizeof(h));
	if (!again || vmbus_server_save(s, again, cap, &len) || len != cap)
		abort();
	if (h.version == VMBUS_ST_VERSION && (len != size || memcmp(again, data, size)))
		abort();
	if (getenv("FUZZ_VMBUS_VERBOSE"))
		fprintf(stderr, "accepted a format %u state\n", h.version);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_server *s;
	int rc;

	fz_mem = calloc(FZ_PAGES, 4096u);
	fz_maps = 0;
	s = fz_setup();
	fz_restoring = 1;
	rc = vmbus_server_restore(s, data, size);
	fz_restoring = 0;
	if (rc == 0) {
		fz_resave(s, data, size);
		for (uint32_t relid = 0; relid <= VMBUS_SERVER_MAX_CHANNELS + 1; relid++)
			(void)vmbus_server_handle_event(s, relid);
	} else if (fz_maps != 0) {
		abort();  /* a refused restore left a mapping */
	}
	vmbus_server_destroy(s);
	if (fz_maps != 0)
		abort();
	free(fz_mem);
	return 0;
}
