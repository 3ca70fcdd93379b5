/* Test harness for the VMBus server/client: a fake guest-physical memory
 * arena (the only memory the "guest" owns), mailboxes standing in for
 * HvPostMessage/SynIC and HvSignalEvent, and ops tables wiring them. */
#ifndef VMBUS_TEST_HARNESS_H
#define VMBUS_TEST_HARNESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vmbus/client.h"
#include "vmbus/server.h"

#define GMEM_PFN_BASE 0x100000ull

struct gmem {
	uint8_t *base;
	uint32_t npages;
	uint8_t *used;          /* one byte per page */
	pthread_mutex_t lock;
	int maps;               /* live host mappings */
	int map_refusals;
	int refuse_maps;        /* test switch: the platform refuses all */
};

struct mb_item {
	int is_event;
	uint32_t id;            /* conn id (to host) or relid (event) */
	uint32_t len;
	uint8_t data[VMBUS_MSG_MAX];
};

struct mailbox {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mb_item *items;
	unsigned head, count, cap;
	unsigned overflows;
};

struct harness {
	struct gmem mem;
	struct mailbox to_host, to_guest;
	struct vmbus_server_ops sops;
	struct vmbus_client_ops cops;
	int logs;               /* number of dropped-message log lines */
	char last_log[160];
};

void harness_init(struct harness *h, uint32_t guest_pages);
/* A GUID whose bytes count up from x: test devices' types and instances. */
struct vmbus_guid harness_guid(uint8_t x);
void harness_fini(struct harness *h);
/* Pop one item (wait up to ms milliseconds); 1 if got one. */
int mailbox_pop(struct mailbox *mb, struct mb_item *out, int ms);
int mailbox_push(struct mailbox *mb, int is_event, uint32_t id,
		 const void *data, size_t len);
/* Deliver one item to the server / client (requeueing unfinished events). */
void harness_deliver_host(struct harness *h, struct vmbus_server *s,
			  const struct mb_item *it);
void harness_deliver_guest(struct harness *h, struct vmbus_client *c,
			   const struct mb_item *it);
/* Single-threaded pump: deliver queued items both ways until idle. */
int harness_pump(struct harness *h, struct vmbus_server *s,
		 struct vmbus_client *c);



/* Host-side test device: answers each in-band packet that requests a
 * completion with a completion echoing trans_id and the payload. */
#define ECHO_BUDGET 64u
struct echo_dev {
	int opens, closes, events, refuse_open;
	uint64_t pkts, send_errors;
	uint8_t buf[70 * 1024];
};
extern const struct vmbus_dev_ops echo_dev_ops;
#endif
