/*
 * storvsp: the host side of Hyper-V's synthetic storage (VSTOR over
 * VMBus), for the synthetic SCSI controller and the IDE accelerator
 * channel. Portable (docs/ARCHITECTURE.md rule 5): it sees one VMBus
 * channel API (vmbus/chan.h, vmbus/pkt.h), block devices
 * (storage/blockdev.h, through storage/scsi_disk.h) and guest memory
 * through struct storvsp_gmem_ops, nothing else.
 *
 * The host (partition/vsp/) creates one storvsp per controller, adds its
 * disks with storvsp_add_lun, and offers the channel with
 * vmbus_server_offer(..., &storvsp_dev_ops, sp, ...). When the guest asks
 * for sub-channels (CREATE_SUB_CHANNELS), cfg.on_subchannels says how
 * many; offering them (same dev ops and sp) is the host's job. A channel
 * is the primary or a sub-channel by its offer's sub_channel_index
 * (struct vmbus_chan sub_index: 0, or 1..16), whatever order they open in.
 *
 * Requests are served synchronously inside on_event; a completion is
 * written before the next request is read, and when the guest's ring has
 * no room for it the request's completion waits (pending_send_sz armed)
 * and reading stops until the guest frees space and signals.
 * Not internally locked: one thread (the VMBus worker) per storvsp.
 */
#ifndef STORAGE_STORVSP_STORVSP_H
#define STORAGE_STORVSP_STORVSP_H

#include <stddef.h>
#include <stdint.h>

#include "storage/blockdev.h"
#include "storage/scsi_disk.h"
#include "vmbus/chan.h"
#include "vmbus/server.h"

enum storvsp_kind {
	STORVSP_KIND_SCSI = 0,  /* ba6163d9-...: targets x LUNs, sub-channels */
	STORVSP_KIND_IDE = 1,   /* 32412632-...: one disk at LUN 0, the path
				 * and target of the SRB ignored (Linux puts
				 * the instance GUID's target there); no
				 * sub-channels */
};

#define STORVSP_MAX_LUNS 64
#define STORVSP_MAX_CHANNELS 17            /* primary + 16 sub-channels */
#define STORVSP_DEFAULT_MAX_TRANSFER (2u << 20)
/* Packets handled per on_event call before yielding to other channels. */
#define STORVSP_BUDGET 64u

/*
 * The guest's memory, as named by the PFNs of a GPA-direct packet. check
 * MUST fail (negative errno) for any PFN not owned by this guest (or not
 * shared with the host, per the platform's rules): storvsp calls it for
 * every page of a request before moving any byte. read/write copy within
 * one page (off + len <= 4096).
 */
struct storvsp_gmem_ops {
	int (*check)(void *ctx, uint64_t pfn, int host_writes);
	int (*read)(void *ctx, uint64_t pfn, uint32_t off, void *buf,
		    uint32_t len);
	int (*write)(void *ctx, uint64_t pfn, uint32_t off, const void *buf,
		     uint32_t len);
	/* Optional: the host's view of a page check accepted (valid for the
	 * request), or NULL. Pages whose views are adjacent are moved with
	 * one backend call and no staging copy. */
	void *(*page_ptr)(void *ctx, uint64_t pfn, int host_writes);
	/* Optional: after check accepted every page of a request and before
	 * any byte moves; an error refuses the request. A platform whose
	 * check only collects the pages proves them here, all at once (the
	 * parent maps them through hv in one call, partition/vsp/vsp_stor.c). */
	int (*prepare)(void *ctx);
	/* Optional: the request is finished (or refused after check was
	 * called): views page_ptr gave and what check or prepare took may
	 * go. Called once per request that called check. */
	void (*release)(void *ctx);
	void *ctx;
};

struct storvsp_config {
	enum storvsp_kind kind;
	const struct storvsp_gmem_ops *gmem;
	uint16_t max_subchannels;       /* SCSI only; told to the guest */
	uint32_t max_transfer_bytes;    /* 0: STORVSP_DEFAULT_MAX_TRANSFER */
	/* Optional: the guest asked for count sub-channels (accepted). */
	void (*on_subchannels)(void *ctx, uint16_t count);
	/* Optional log line: what happened and why (static strings). */
	void (*log)(void *ctx, const char *what, const char *why);
	void *ctx;
};

struct storvsp_stats {
	uint64_t packets, srbs, completions, errors;
	uint64_t bad_packets;   /* malformed: answered with an error */
	uint64_t ring_waits;    /* completions that waited for ring room */
};

struct storvsp;

struct storvsp *storvsp_create(const struct storvsp_config *cfg);
/* Frees the storvsp; the blockdevs stay the caller's. */
void storvsp_destroy(struct storvsp *sp);

/* Attach bd as (path, target, lun); IDE: lun 0 only. -EEXIST, -ENOSPC,
 * -EINVAL, or scsi_disk_init's error. */
int storvsp_add_lun(struct storvsp *sp, uint8_t path, uint8_t target,
		    uint8_t lun, struct blockdev *bd,
		    const struct scsi_disk_params *p);
int storvsp_remove_lun(struct storvsp *sp, uint8_t path, uint8_t target,
		       uint8_t lun);

/* After storvsp_add_lun/_remove_lun on a running SCSI controller (hot
 * add/remove): tells the guest to rescan. 0 (sent, or kept and sent when
 * the guest frees ring room: storvsp_bus_change_pending), -ENOTCONN (not
 * initialised: the guest scans at init anyway), -EOPNOTSUPP (before
 * protocol 4.2), or the channel's error. A removed LUN's requests still
 * in the ring get SRB_STATUS_INVALID_LUN (nothing is in flight: requests
 * are served synchronously). */
int storvsp_notify_bus_change(struct storvsp *sp);
int storvsp_bus_change_pending(const struct storvsp *sp);

/* Device ops to pass to vmbus_server_offer with dev = the storvsp, for
 * the primary channel and each sub-channel. on_open refuses (-EINVAL) a
 * sub_index above 16 or one already open (a second primary). */
extern const struct vmbus_dev_ops storvsp_dev_ops;

/* One packet as vmbus_chan_poll delivers it (the fuzz target's entry):
 * 0, or -EAGAIN when its completion is waiting for ring room. */
int storvsp_handle_packet(struct storvsp *sp, struct vmbus_chan *ch,
			  const struct vmbus_pkt_info *info,
			  const uint8_t *pkt);

/* Negotiated protocol (0 before), init finished, sub-channels the guest
 * asked for (0 if none), statistics. */
uint16_t storvsp_version(const struct storvsp *sp);
int storvsp_ready(const struct storvsp *sp);
uint16_t storvsp_subchannels_requested(const struct storvsp *sp);
void storvsp_get_stats(const struct storvsp *sp, struct storvsp_stats *out);

/* Saved state (Save-VM; format in storage/storvsp/storvsp_state.h, what
 * it holds in storage/README.md "Saved state"): the protocol state a
 * guest's storvsc relies on, beside the VMBus server's own
 * (vmbus_server_save), which holds the channel and its rings.
 * Bytes storvsp_save would write now. */
size_t storvsp_save_size(const struct storvsp *sp);
/* sp's protocol state into buf (cap bytes), its length into *len. Call
 * between packets (not inside a poll), with the guest stopped. -ENOSPC
 * if it does not fit. The sub-channels asked for and the completions
 * open ones hold are saved; which are open is the VMBus server's. */
int storvsp_save(const struct storvsp *sp, void *buf, size_t cap, size_t *len);
/* Restores a saved state into sp. Contract: sp was created with the same
 * kind and configuration and has the same LUN set (path, target, lun;
 * refused otherwise), and the VMBus server's restore has already given it
 * back its channels through storvsp_dev_ops.on_open, in any order (sp is
 * in its just-opened state with its primary channel and the sub-channels
 * that were open), or, if the blob says no channel was open, sp has none.
 * Applies the saved protocol state on top and sends nothing to the
 * guest: a held completion or ENUMERATE_BUS goes out on its channel's
 * next on_event (the guest's ring still has pending_send_sz armed;
 * vmbus/README.md asks the caller for one handle_event per open channel
 * after a restore anyway). Takes format versions 1 and 2.
 * -EINVAL when the blob is malformed, inconsistent or does not match sp
 * (open or not, kind, configuration, LUN set, a sub-channel open that was
 * not asked for or one holding a completion that is not open); -EBUSY
 * when sp is not in its just-opened (or closed) state: a session under
 * way or a completion held on any channel. sp is unchanged on any
 * error. */
int storvsp_restore(struct storvsp *sp, const void *buf, size_t len);

#endif /* STORAGE_STORVSP_STORVSP_H */
