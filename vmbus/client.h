/*
 * VMBus channel client: the guest side of the channel management
 * protocol, for our test guests (Linux guests use their own hv_vmbus).
 * Transport-agnostic and asynchronous: requests post messages and return;
 * replies arrive through vmbus_client_handle_msg and advance the state,
 * which callers poll or learn from the callbacks. Not internally locked:
 * drive one instance from one thread.
 */
#ifndef VMBUS_CLIENT_H
#define VMBUS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "vmbus/chan.h"
#include "vmbus/msg.h"

#define VMBUS_CLIENT_MAX_CHANNELS 64
#define VMBUS_CLIENT_MAX_GPADLS 16

struct vmbus_client;

struct vmbus_client_ops {
	/* HvPostMessage to connection id conn_id (retrying on
	 * HV_STATUS_INSUFFICIENT_BUFFERS as Linux does; must not drop). */
	int (*post_msg)(void *ctx, uint32_t conn_id, const void *msg,
			size_t len);
	/* HvSignalEvent on connection id conn_id. */
	int (*signal)(void *ctx, uint32_t conn_id);
	/* n zeroed, page-aligned pages: their host-visible PFNs and a view. */
	int (*alloc_pages)(void *ctx, uint32_t n, void **va, uint64_t *pfns);
	void (*free_pages)(void *ctx, void *va, uint32_t n);
	void *(*alloc)(void *ctx, size_t n);  /* zeroed, or NULL */
	void (*free)(void *ctx, void *p);
	void (*log)(void *ctx, const char *what, const char *why);
	/* Notifications (optional). */
	void (*on_offer)(void *ctx, uint32_t relid,
			 const struct vmbus_msg_offer *offer);
	void (*on_rescind)(void *ctx, uint32_t relid);
	/* Packets may be waiting on an open channel. Return > 0 if some may
	 * remain (budget spent): handle_event then returns 1. */
	int (*on_event)(void *ctx, uint32_t relid, struct vmbus_chan *ch);
	void *ctx;
};

enum vmbus_client_state {
	VMBUS_CL_IDLE = 0,
	VMBUS_CL_CONNECTING,    /* INITIATE_CONTACT outstanding */
	VMBUS_CL_CONNECTED,     /* version agreed, offers requested */
	VMBUS_CL_READY,         /* ALLOFFERS_DELIVERED seen */
	VMBUS_CL_UNLOADING,
	VMBUS_CL_UNLOADED,
	VMBUS_CL_FAILED,        /* no common version */
};

enum vmbus_client_chan_state {
	VMBUS_CH_NONE = 0,
	VMBUS_CH_OFFERED,
	VMBUS_CH_GPADL_PENDING,
	VMBUS_CH_OPENING,
	VMBUS_CH_OPEN,
	VMBUS_CH_TEARDOWN,      /* closed, waiting for GPADL_TORNDOWN */
	VMBUS_CH_FAILED,        /* open refused; close() to release pages */
	VMBUS_CH_RESCINDED,
};

enum vmbus_client_gpadl_state {
	VMBUS_GPADL_NONE = 0,
	VMBUS_GPADL_PENDING,    /* header/bodies sent, no GPADL_CREATED yet */
	VMBUS_GPADL_LIVE,
	VMBUS_GPADL_TEARDOWN,   /* waiting for GPADL_TORNDOWN */
	VMBUS_GPADL_FAILED,     /* host refused; teardown() frees the slot */
};

struct vmbus_client *vmbus_client_create(const struct vmbus_client_ops *ops);
void vmbus_client_destroy(struct vmbus_client *c);

/* Start negotiation with versions[] in order (NULL: the list Linux uses,
 * 0x50003 down to 0x20004). */
int vmbus_client_connect(struct vmbus_client *c, const uint32_t *versions,
			 unsigned n);
int vmbus_client_handle_msg(struct vmbus_client *c, const void *msg,
			    size_t len);
/* The host signalled channel relid. Returns 1 when on_event left work:
 * call again later. */
int vmbus_client_handle_event(struct vmbus_client *c, uint32_t relid);

/* Open an offered channel with rings of send_pages and recv_pages pages
 * (each including its header page, so >= 2): allocates the pages, sends
 * the GPADL, then OPENCHANNEL. Completion: chan_state() == OPEN. */
int vmbus_client_open(struct vmbus_client *c, uint32_t relid,
		      uint32_t send_pages, uint32_t recv_pages);
/* The virtual processor OPENCHANNEL names for relid's interrupts (0 by
 * default; Linux names its channel's target CPU): call before open.
 * -ENOENT unless relid is offered and not open. */
int vmbus_client_set_target_vp(struct vmbus_client *c, uint32_t relid, uint32_t vp);
/* CLOSECHANNEL, then GPADL_TEARDOWN; pages are freed on TORNDOWN and the
 * channel returns to OFFERED (or disappears if rescinded). */
int vmbus_client_close(struct vmbus_client *c, uint32_t relid);
/* UNLOAD; state UNLOADED on UNLOAD_RESPONSE. */
int vmbus_client_unload(struct vmbus_client *c);

/* Data GPADLs (beyond the rings), e.g. netvsc buffers: npages zeroed
 * pages shared with the host for channel relid; *handle names them in
 * device messages. Asynchronous like open(): poll gpadl_state(). Pages are
 * freed only once the host confirms the teardown (or refused the GPADL). */
int vmbus_client_gpadl_create(struct vmbus_client *c, uint32_t relid,
			      uint32_t npages, uint32_t *handle);
int vmbus_client_gpadl_state(const struct vmbus_client *c, uint32_t handle);
void *vmbus_client_gpadl_va(struct vmbus_client *c, uint32_t handle);
int vmbus_client_gpadl_teardown(struct vmbus_client *c, uint32_t handle);

int vmbus_client_state(const struct vmbus_client *c);
uint32_t vmbus_client_version(const struct vmbus_client *c);
int vmbus_client_chan_state(const struct vmbus_client *c, uint32_t relid);
struct vmbus_chan *vmbus_client_chan(struct vmbus_client *c, uint32_t relid);
/* Offer details of relid, or NULL. */
const struct vmbus_msg_offer *vmbus_client_offer(const struct vmbus_client *c,
						 uint32_t relid);

#endif /* VMBUS_CLIENT_H */
