/* libFuzzer target: storvsp_restore on arbitrary saved states (a
 * saved-state file is a file a user can corrupt), then a guest that goes
 * on. A storvsp with a fixed LUN set, its primary channel and
 * sub-channels 1 and 2 open or not (given back in either order, as
 * vmbus_server_restore may), takes the blob; it must answer 0 or -EINVAL,
 * a refused blob must leave it as it was (it saves the same bytes as
 * before), an accepted one must save back to the very same bytes (a
 * version 1 blob: to the same state in version 2). Then the guest drives
 * it through a real ring pair per channel: packets in-band and
 * GPA-direct, reading its completions (which lets a held one go),
 * rescans; nothing may crash or touch memory outside the guest's
 * (ASan/UBSan). Seeds: mkseeds_storvsp_state.py.
 *
 * Input: byte 0 flags (bit 0 IDE, bit 1 primary channel open, bits 2 and
 * 3 sub-channels 1 and 2 open, bit 4 the primary given back after them),
 * a little-endian 16-bit blob length and the blob, then operations: a
 * byte (low 2 bits the kind, bits 5-6 the channel) and its arguments, see
 * fz_op. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storvsp/storvsp.h"
#include "storage/storvsp/storvsp_state.h"
#include "tests/fuzz/fuzz_storvsp_gmem.h"
#include "storage/storvsp/vstor.h"
#include "vmbus/pkt.h"
#include "vmbus/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING_BYTES (VMBUS_PAGE_SIZE + 8192u)
#define BLOB_MAX 1024u

static const struct storvsp_gmem_ops gm = { gm_check, gm_read, gm_write,
					    NULL, NULL, NULL, NULL };

static int fz_signal(void *ctx, uint32_t id)
{
	(void)ctx;
	(void)id;
	return 0;
}

/* Both ends of one channel over two rings: the host's (storvsp's) and
 * the guest's. */
struct fz_chan {
	struct vmbus_chan host, guest;
	uint8_t *to_guest, *to_host;
	int open;
};

#define FZ_CHANS 3   /* the primary, sub-channels 1 and 2 */

struct fz {
	struct storvsp *sp;
	struct blockdev bd;
	struct fz_chan ch[FZ_CHANS];
	uint64_t tid;
	const uint8_t *p, *end;
};

static int fz_rings(struct fz_chan *c, uint16_t sub_index)
{
	c->to_guest = aligned_alloc(4096, RING_BYTES);
	c->to_host = aligned_alloc(4096, RING_BYTES);
	if (!c->to_guest || !c->to_host)
		return -ENOMEM;
	vmbus_ring_format(c->to_guest, RING_BYTES);
	vmbus_ring_format(c->to_host, RING_BYTES);
	c->host.signal = c->guest.signal = fz_signal;
	c->host.sub_index = sub_index;
	if (vmbus_ring_attach(&c->host.out, c->to_guest, RING_BYTES) ||
	    vmbus_ring_attach(&c->host.in, c->to_host, RING_BYTES) ||
	    vmbus_ring_attach(&c->guest.out, c->to_host, RING_BYTES) ||
	    vmbus_ring_attach(&c->guest.in, c->to_guest, RING_BYTES))
		return -EIO;
	return 0;
}

/* The channels flags names, given back to storvsp as the server's
 * restore does: in relid order, which may put the primary last. */
static void fz_open(struct fz *z, uint8_t flags)
{
	static const unsigned order[2][FZ_CHANS] = { { 0, 1, 2 }, { 1, 2, 0 } };

	for (unsigned k = 0; k < FZ_CHANS; k++) {
		unsigned i = order[!!(flags & 16)][k];
		struct fz_chan *c = &z->ch[i];

		c->open = !!(flags & 2u << i);
		if (c->open && storvsp_dev_ops.on_open(z->sp, &c->host))
			abort();
	}
}

/* SCSI: LUNs (0,0,0) and (0,1,2); IDE: its one disk. */
static int fz_setup(struct fz *z, uint8_t flags)
{
	struct storvsp_config cfg = { 0 };
	struct scsi_disk_params dp = { .serial = "FUZZ" };

	cfg.kind = flags & 1 ? STORVSP_KIND_IDE : STORVSP_KIND_SCSI;
	cfg.gmem = &gm;
	cfg.max_subchannels = 2;
	for (unsigned i = 0; i < FZ_CHANS; i++)
		if (fz_rings(&z->ch[i], (uint16_t)i))
			return -ENOMEM;
	if (blockdev_ram_create(64u << 10, 512, &z->bd))
		return -ENOMEM;
	z->sp = storvsp_create(&cfg);
	if (!z->sp || storvsp_add_lun(z->sp, 0, 0, 0, &z->bd, &dp) ||
	    (cfg.kind == STORVSP_KIND_SCSI &&
	     storvsp_add_lun(z->sp, 0, 1, 2, &z->bd, &dp)))
		abort();
	fz_open(z, flags);
	return 0;
}

static size_t fz_save(const struct storvsp *sp, uint8_t *buf)
{
	size_t n = 0;

	if (storvsp_save(sp, buf, BLOB_MAX, &n))
		abort();  /* always saveable */
	return n;
}

/* What an accepted blob saves back as: itself, or for version 1 the same
 * state in version 2 (the longer header, nothing held on sub-channels). */
static size_t fz_as_v2(const uint8_t *blob, size_t len, uint8_t *out)
{
	const size_t v1 = STORVSP_ST_HDR_V1_SIZE;
	struct storvsp_st_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(&h, blob, len < v1 ? len : v1);
	if (len < v1 || h.version != 1 || len - v1 + sizeof(h) > BLOB_MAX) {
		memcpy(out, blob, len < BLOB_MAX ? len : BLOB_MAX);
		return len;
	}
	h.version = STORVSP_ST_VERSION;
	h.total = (uint32_t)(len - v1 + sizeof(h));
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), blob + v1, len - v1);
	return h.total;
}

/* The rule of storvsp_restore: 0 and the blob is sp's state now, or
 * -EINVAL and sp as it was. */
static void fz_restore(struct fz *z, const uint8_t *blob, size_t len)
{
	static uint8_t before[BLOB_MAX], after[BLOB_MAX], want[BLOB_MAX];
	size_t nb = fz_save(z->sp, before), na;
	int rc = storvsp_restore(z->sp, blob, len);
	size_t nw = rc ? 0 : fz_as_v2(blob, len, want);

	na = fz_save(z->sp, after);
	if (rc == 0 && (na != nw || memcmp(after, want, nw)))
		abort();
	if (rc == -EINVAL && (na != nb || memcmp(after, before, nb)))
		abort();
	if (rc != 0 && rc != -EINVAL)
		abort();
}

/* What the guest's signal does: the host's on_event until it is done. */
static void fz_event(struct fz *z, struct fz_chan *c)
{
	for (int i = 0; c->open && i < 8; i++)
		if (storvsp_dev_ops.on_event(z->sp, &c->host) <= 0)
			break;
}

/* Up to n (<= cap) input bytes into out, the rest of out zero. */
static size_t fz_take(struct fz *z, uint8_t *out, size_t cap, size_t n)
{
	size_t have = (size_t)(z->end - z->p);

	if (n > have)
		n = have;
	memset(out, 0, cap);
	memcpy(out, z->p, n);
	z->p += n;
	return n;
}

static int fz_drop(void *ctx, struct vmbus_chan *ch,
		   const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	(void)ctx; (void)ch; (void)info; (void)pkt;
	return 0;
}

/* One guest action on channel (op >> 5 & 3) % 3: 0 an in-band VSTOR
 * packet (length, bytes), 1 a GPA-direct one (range length and offset,
 * first page, 64 bytes; pages past the guest's memory too), 2 read what
 * the host sent, 3 a rescan. */
static void fz_op(struct fz *z, uint8_t op)
{
	struct fz_chan *c = &z->ch[(op >> 5 & 3) % FZ_CHANS];
	uint8_t pkt[64], a[5] = { 0 };
	uint64_t pfns[32];
	struct vmbus_gpa_desc d;
	static uint8_t buf[8192];
	size_t n;

	switch (op & 3) {
	case 0:
		fz_take(z, a, sizeof(a), 1);
		n = fz_take(z, pkt, sizeof(pkt), a[0] % 65u);
		(void)vmbus_chan_send(&c->guest, VMBUS_PKT_INBAND,
				      op & 4 ? VMBUS_PKT_FLAG_COMPLETION_REQUESTED : 0,
				      ++z->tid, pkt, n);
		break;
	case 1:
		fz_take(z, a, sizeof(a), 5);
		d.byte_count = (uint32_t)(a[0] | a[1] << 8) % 65536u;
		d.byte_offset = (uint32_t)(a[2] | a[3] << 8) % 4096u;
		for (unsigned i = 0; i < 32; i++)
			pfns[i] = GM_BASE - 2u + a[4] % 24u + i;
		d.pfns = pfns;
		fz_take(z, pkt, sizeof(pkt), 64);
		(void)vmbus_chan_send_gpa(&c->guest, ++z->tid, &d, 1, pkt, 64);
		break;
	case 2:
		(void)vmbus_chan_poll(&c->guest, buf, sizeof(buf), fz_drop, NULL, 0);
		break;
	default:
		(void)storvsp_notify_bus_change(z->sp);
		break;
	}
	fz_event(z, c);
	if (c != &z->ch[0])
		fz_event(z, &z->ch[0]);   /* a rescan waits on the primary */
}

static void fz_free(struct fz *z)
{
	for (unsigned i = 0; i < FZ_CHANS; i++) {
		if (z->sp && z->ch[i].open)
			storvsp_dev_ops.on_close(z->sp, &z->ch[i].host);
		free(z->ch[i].to_guest);
		free(z->ch[i].to_host);
	}
	storvsp_destroy(z->sp);
	blockdev_close(&z->bd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z;
	size_t blen;

	memset(&z, 0, sizeof(z));
	if (size < 3 || fz_setup(&z, data[0]))
		goto out;
	blen = (size_t)(data[1] | data[2] << 8);
	if (blen > size - 3)
		blen = size - 3;
	fz_restore(&z, data + 3, blen);
	/* after a restore, one handle_event per open channel
	 * (vmbus/README.md, "Saved state") */
	for (unsigned i = 0; i < FZ_CHANS; i++)
		fz_event(&z, &z.ch[i]);
	z.p = data + 3 + blen;
	z.end = data + size;
	while (z.p < z.end)
		fz_op(&z, *z.p++);
out:
	fz_free(&z);
	return 0;
}
