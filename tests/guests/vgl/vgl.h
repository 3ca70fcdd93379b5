/*
 * What the VMBus test guests (vsc, stortest, nettest) share: a page pool
 * for vmbus/'s client library (its vmbus_client_ops memory callbacks) and
 * the SynIC's SINT 2 message slot and event flags as a VMBus guest reads
 * them (TLFS "Message Buffers", HvCallSignalEvent). Not a guest of its
 * own: tests/guests/guests.mk links it into those three.
 */
#ifndef GUEST_VGL_H
#define GUEST_VGL_H
#include <stddef.h>
#include <stdint.h>
#include "hv/abi/tlfs.h"

/* The pool: pages of mem, one use byte each in used (the guest's own
 * arrays, sized as it needs). Paging is off, so a page's GPA is its
 * address. */
void vgl_pool_init(uint8_t *mem, uint8_t *used, uint32_t pages);
/* vmbus_client_ops callbacks over the pool (ctx unused). */
void *vgl_alloc(void *ctx, size_t n);
void vgl_free(void *ctx, void *p);
int vgl_alloc_pages(void *ctx, uint32_t n, void **va, uint64_t *pfns);
void vgl_free_pages(void *ctx, void *va, uint32_t n);

/* hv raises a SINT for an event flag only when it was clear (TLFS
 * HvCallSignalEvent): clear every flag of slot sint before looking at
 * the rings, as Linux's vmbus_chan_sched does. */
void vgl_take_events(struct hv_event_flags_page *sief, unsigned sint);
/* The message in slot sint if one is there: copied to out, the slot
 * freed and EOM written when another waits. 1, or 0 if the slot is
 * empty. */
int vgl_take_msg(struct hv_message_page *sim, unsigned sint, struct hv_message *out);

/* HvPostMessage of a VMBus message (type 1) on connection conn through
 * the guest's hypercall input page: hv's status. */
uint16_t vgl_post(uint32_t conn, const void *msg, uint32_t len);
/* The client's post_msg: vgl_post, retried while hv's queue is full
 * (HV_STATUS_INSUFFICIENT_BUFFERS), as Linux's vmbus_post_msg does. */
int vgl_cl_post(void *ctx, uint32_t conn, const void *msg, size_t len);

struct vmbus_client;
/* Feeds the client each message receive() gets until cond(c, arg) holds;
 * 0 when receive() gives up (its timeout). */
int vgl_pump(struct vmbus_client *c, int (*receive)(struct hv_message *out),
	     int (*cond)(struct vmbus_client *, uint32_t), uint32_t arg);
/* pump conditions: the client connected (or failed); channel arg & 0xffff
 * in state arg >> 16 (or failed). */
int vgl_is_ready(struct vmbus_client *c, uint32_t arg);
int vgl_chan_is(struct vmbus_client *c, uint32_t arg);
#endif
