/* libFuzzer target: storvsp_restore on arbitrary saved states (a
 * saved-state file is a file a user can corrupt), then a guest that goes
 * on. A storvsp with a fixed LUN set, its channel open or not, takes the
 * blob; it must answer 0 or -EINVAL, a refused blob must leave it as it
 * was (it saves the same bytes as before), an accepted one must save back
 * to the very same bytes. Then the guest drives it through a real ring
 * pair: packets in-band and GPA-direct, reading its completions (which
 * lets a held one go), rescans; nothing may crash or touch memory outside
 * the guest's (ASan/UBSan). Seeds: mkseeds_storvsp_state.py.
 *
 * Input: byte 0 flags (bit 0 IDE, bit 1 channel open), a little-endian
 * 16-bit blob length and the blob, then operations: a byte (low 2 bits
 * the kind) and its arguments, see fz_op. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storvsp/storvsp.h"
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
struct fz {
	struct storvsp *sp;
	struct blockdev bd;
	struct vmbus_chan host, guest;
	uint8_t *to_guest, *to_host;
	int open;
	uint64_t tid;
	const uint8_t *p, *end;
};

static int fz_rings(struct fz *z)
{
	z->to_guest = aligned_alloc(4096, RING_BYTES);
	z->to_host = aligned_alloc(4096, RING_BYTES);
	if (!z->to_guest || !z->to_host)
		return -ENOMEM;
	vmbus_ring_format(z->to_guest, RING_BYTES);
	vmbus_ring_format(z->to_host, RING_BYTES);
	z->host.signal = z->guest.signal = fz_signal;
	if (vmbus_ring_attach(&z->host.out, z->to_guest, RING_BYTES) ||
	    vmbus_ring_attach(&z->host.in, z->to_host, RING_BYTES) ||
	    vmbus_ring_attach(&z->guest.out, z->to_host, RING_BYTES) ||
	    vmbus_ring_attach(&z->guest.in, z->to_guest, RING_BYTES))
		return -EIO;
	return 0;
}

/* SCSI: LUNs (0,0,0) and (0,1,2); IDE: its one disk. */
static int fz_setup(struct fz *z, uint8_t flags)
{
	struct storvsp_config cfg = { 0 };
	struct scsi_disk_params dp = { .serial = "FUZZ" };

	cfg.kind = flags & 1 ? STORVSP_KIND_IDE : STORVSP_KIND_SCSI;
	cfg.gmem = &gm;
	cfg.max_subchannels = 2;
	if (fz_rings(z) || blockdev_ram_create(64u << 10, 512, &z->bd))
		return -ENOMEM;
	z->sp = storvsp_create(&cfg);
	if (!z->sp || storvsp_add_lun(z->sp, 0, 0, 0, &z->bd, &dp) ||
	    (cfg.kind == STORVSP_KIND_SCSI &&
	     storvsp_add_lun(z->sp, 0, 1, 2, &z->bd, &dp)))
		abort();
	z->open = !!(flags & 2);
	if (z->open && storvsp_dev_ops.on_open(z->sp, &z->host))
		abort();
	return 0;
}

static size_t fz_save(const struct storvsp *sp, uint8_t *buf)
{
	size_t n = 0;

	if (storvsp_save(sp, buf, BLOB_MAX, &n))
		abort();  /* no sub-channels here: always saveable */
	return n;
}

/* The rule of storvsp_restore: 0 and the blob is sp's state now, or
 * -EINVAL and sp as it was. */
static void fz_restore(struct fz *z, const uint8_t *blob, size_t len)
{
	static uint8_t before[BLOB_MAX], after[BLOB_MAX];
	size_t nb = fz_save(z->sp, before), na;
	int rc = storvsp_restore(z->sp, blob, len);

	na = fz_save(z->sp, after);
	if (rc == 0 && (na != len || memcmp(after, blob, len)))
		abort();
	if (rc == -EINVAL && (na != nb || memcmp(after, before, nb)))
		abort();
	if (rc != 0 && rc != -EINVAL)
		abort();
}

/* What the guest's signal does: the host's on_event until it is done. */
static void fz_event(struct fz *z)
{
	for (int i = 0; z->open && i < 8; i++)
		if (storvsp_dev_ops.on_event(z->sp, &z->host) <= 0)
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

/* One guest action: 0 an in-band VSTOR packet (length, bytes), 1 a
 * GPA-direct one (range length and offset, first page, 64 bytes; pages
 * past the guest's memory too), 2 read what the host sent, 3 a rescan. */
static void fz_op(struct fz *z, uint8_t op)
{
	uint8_t pkt[64], a[5] = { 0 };
	uint64_t pfns[32];
	struct vmbus_gpa_desc d;
	static uint8_t buf[8192];
	size_t n;

	switch (op & 3) {
	case 0:
		fz_take(z, a, sizeof(a), 1);
		n = fz_take(z, pkt, sizeof(pkt), a[0] % 65u);
		(void)vmbus_chan_send(&z->guest, VMBUS_PKT_INBAND,
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
		(void)vmbus_chan_send_gpa(&z->guest, ++z->tid, &d, 1, pkt, 64);
		break;
	case 2:
		(void)vmbus_chan_poll(&z->guest, buf, sizeof(buf), fz_drop, NULL, 0);
		break;
	default:
		(void)storvsp_notify_bus_change(z->sp);
		break;
	}
	fz_event(z);
}

static void fz_free(struct fz *z)
{
	if (z->sp && z->open)
		storvsp_dev_ops.on_close(z->sp, &z->host);
	storvsp_destroy(z->sp);
	blockdev_close(&z->bd);
	free(z->to_guest);
	free(z->to_host);
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
	fz_event(&z);
	z.p = data + 3 + blen;
	z.end = data + size;
	while (z.p < z.end)
		fz_op(&z, *z.p++);
out:
	fz_free(&z);
	return 0;
}
