/* See harness.h. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>

static void gmem_init(struct gmem *g, uint32_t npages)
{
	g->base = aligned_alloc(4096, (size_t)npages * 4096u);
	memset(g->base, 0, (size_t)npages * 4096u);
	g->used = calloc(npages, 1);
	g->npages = npages;
	pthread_mutex_init(&g->lock, NULL);
}

/* Guest side: first fit of n contiguous free pages. */
static int h_alloc_pages(void *ctx, uint32_t n, void **va, uint64_t *pfns)
{
	struct gmem *g = &((struct harness *)ctx)->mem;
	int rc = -ENOMEM;

	pthread_mutex_lock(&g->lock);
	for (uint32_t i = 0, run = 0; i < g->npages; i++) {
		run = g->used[i] ? 0 : run + 1;
		if (run < n)
			continue;
		uint32_t first = i + 1 - n;
		memset(g->used + first, 1, n);
		memset(g->base + (size_t)first * 4096u, 0, (size_t)n * 4096u);
		*va = g->base + (size_t)first * 4096u;
		for (uint32_t k = 0; k < n; k++)
			pfns[k] = GMEM_PFN_BASE + first + k;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static void h_free_pages(void *ctx, void *va, uint32_t n)
{
	struct gmem *g = &((struct harness *)ctx)->mem;
	size_t first = (size_t)((uint8_t *)va - g->base) / 4096u;

	pthread_mutex_lock(&g->lock);
	memset(g->used + first, 0, n);
	pthread_mutex_unlock(&g->lock);
}

/* Host side: the validation a real parent does through hv: every PFN must
 * be a page of this guest. This fake also needs them contiguous to give a
 * contiguous view (the real one remaps). */
static int h_map(void *ctx, const uint64_t *pfns, uint32_t n, void **va)
{
	struct gmem *g = &((struct harness *)ctx)->mem;
	int rc = 0;

	pthread_mutex_lock(&g->lock);
	if (g->refuse_maps)
		rc = -EFAULT;
	for (uint32_t i = 0; i < n && !rc; i++) {
		if (pfns[i] < GMEM_PFN_BASE ||
		    pfns[i] >= GMEM_PFN_BASE + g->npages)
			rc = -EFAULT;
		else if (pfns[i] != pfns[0] + i)
			rc = -EINVAL;
	}
	if (rc || n == 0) {
		g->map_refusals++;
		pthread_mutex_unlock(&g->lock);
		return rc ? rc : -EINVAL;
	}
	*va = g->base + (size_t)(pfns[0] - GMEM_PFN_BASE) * 4096u;
	g->maps++;
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static void h_unmap(void *ctx, void *va, uint32_t n)
{
	struct gmem *g = &((struct harness *)ctx)->mem;

	(void)va;
	(void)n;
	pthread_mutex_lock(&g->lock);
	g->maps--;
	pthread_mutex_unlock(&g->lock);
}

static void *h_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return calloc(1, n);
}

static void h_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static void h_log(void *ctx, const char *what, const char *why)
{
	struct harness *h = ctx;

	__atomic_fetch_add(&h->logs, 1, __ATOMIC_RELAXED);
	snprintf(h->last_log, sizeof(h->last_log), "%s: %s", what, why);
	if (getenv("VMBUS_TEST_VERBOSE"))
		fprintf(stderr, "# log %s: %s\n", what, why);
}

int mailbox_push(struct mailbox *mb, int is_event, uint32_t id,
		 const void *data, size_t len)
{
	struct mb_item *it;

	if (len > VMBUS_MSG_MAX)
		return -EMSGSIZE;
	pthread_mutex_lock(&mb->lock);
	if (mb->count == mb->cap) {
		mb->overflows++;
		pthread_mutex_unlock(&mb->lock);
		return -EAGAIN;
	}
	it = &mb->items[(mb->head + mb->count) % mb->cap];
	it->is_event = is_event;
	it->id = id;
	it->len = (uint32_t)len;
	if (len)
		memcpy(it->data, data, len);
	mb->count++;
	pthread_cond_signal(&mb->cond);
	pthread_mutex_unlock(&mb->lock);
	return 0;
}

int mailbox_pop(struct mailbox *mb, struct mb_item *out, int ms)
{
	struct timespec ts;
	int got = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&mb->lock);
	while (mb->count == 0 && ms > 0 &&
	       pthread_cond_timedwait(&mb->cond, &mb->lock, &ts) == 0)
		;
	if (mb->count) {
		*out = mb->items[mb->head];
		mb->head = (mb->head + 1) % mb->cap;
		mb->count--;
		got = 1;
	}
	pthread_mutex_unlock(&mb->lock);
	return got;
}

static void mailbox_init(struct mailbox *mb)
{
	pthread_mutex_init(&mb->lock, NULL);
	pthread_cond_init(&mb->cond, NULL);
	mb->cap = 4096;
	mb->items = calloc(mb->cap, sizeof(*mb->items));
}

static int s_post(void *ctx, const void *msg, size_t len)
{
	return mailbox_push(&((struct harness *)ctx)->to_guest, 0, 0, msg, len);
}

static int s_signal(void *ctx, uint32_t relid)
{
	return mailbox_push(&((struct harness *)ctx)->to_guest, 1, relid, NULL, 0);
}

static int c_post(void *ctx, uint32_t conn, const void *msg, size_t len)
{
	return mailbox_push(&((struct harness *)ctx)->to_host, 0, conn, msg, len);
}

static int c_signal(void *ctx, uint32_t conn)
{
	return mailbox_push(&((struct harness *)ctx)->to_host, 1, conn, NULL, 0);
}

void harness_init(struct harness *h, uint32_t guest_pages)
{
	memset(h, 0, sizeof(*h));
	gmem_init(&h->mem, guest_pages);
	mailbox_init(&h->to_host);
	mailbox_init(&h->to_guest);
	h->sops = (struct vmbus_server_ops){
		.post_msg = s_post, .signal = s_signal, .map = h_map,
		.unmap = h_unmap, .alloc = h_alloc, .free = h_free,
		.log = h_log, .ctx = h };
	h->cops = (struct vmbus_client_ops){
		.post_msg = c_post, .signal = c_signal,
		.alloc_pages = h_alloc_pages, .free_pages = h_free_pages,
		.alloc = h_alloc, .free = h_free, .log = h_log, .ctx = h };
}

void harness_fini(struct harness *h)
{
	free(h->mem.base);
	free(h->mem.used);
	free(h->to_host.items);
	free(h->to_guest.items);
}

/* Delivers one item; an event whose handler left work is requeued behind
 * the other items (round robin), as no new signal will come for it. */
void harness_deliver_host(struct harness *h, struct vmbus_server *s,
			  const struct mb_item *it)
{
	if (!it->is_event)
		vmbus_server_handle_msg(s, it->data, it->len);
	else if (vmbus_server_handle_event(s, it->id) > 0)
		mailbox_push(&h->to_host, 1, it->id, NULL, 0);
}

void harness_deliver_guest(struct harness *h, struct vmbus_client *c,
			   const struct mb_item *it)
{
	if (!it->is_event)
		vmbus_client_handle_msg(c, it->data, it->len);
	else if (vmbus_client_handle_event(c, it->id) > 0)
		mailbox_push(&h->to_guest, 1, it->id, NULL, 0);
}

int harness_pump(struct harness *h, struct vmbus_server *s,
		 struct vmbus_client *c)
{
	struct mb_item it;
	int n = 0, moved = 1;

	while (moved) {
		moved = 0;
		while (mailbox_pop(&h->to_host, &it, 0)) {
			moved = 1;
			n++;
			harness_deliver_host(h, s, &it);
		}
		while (c && mailbox_pop(&h->to_guest, &it, 0)) {
			moved = 1;
			n++;
			harness_deliver_guest(h, c, &it);
		}
	}
	return n;
}
static int echo_open(void *dev, struct vmbus_chan *ch)
{
	struct echo_dev *d = dev;

	(void)ch;
	d->opens++;
	return d->refuse_open ? -EPERM : 0;
}

static int echo_pkt(void *ctx, struct vmbus_chan *ch,
		    const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct echo_dev *d = ctx;
	int rc;

	d->pkts++;
	if (info->desc.type != VMBUS_PKT_INBAND ||
	    !(info->desc.flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED))
		return 0;
	/* A full outbound ring means the guest is not reading: retry a
	 * bounded number of times, then count it (tests assert zero). */
	for (int tries = 0; tries < 1000000; tries++) {
		rc = vmbus_chan_send_comp(ch, info->desc.trans_id,
					  pkt + info->payload_off,
					  info->payload_len);
		if (rc != -EAGAIN)
			break;
		sched_yield();
	}
	if (rc)
		d->send_errors++;
	return 0;
}

static int echo_event(void *dev, struct vmbus_chan *ch)
{
	struct echo_dev *d = dev;
	int n = vmbus_chan_poll(ch, d->buf, sizeof(d->buf), echo_pkt, d,
				ECHO_BUDGET);

	d->events++;
	return n == (int)ECHO_BUDGET;
}

static void echo_close(void *dev, struct vmbus_chan *ch)
{
	struct echo_dev *d = dev;

	(void)ch;
	d->closes++;
}

const struct vmbus_dev_ops echo_dev_ops = {
	.on_open = echo_open, .on_event = echo_event, .on_close = echo_close,
};

struct vmbus_guid harness_guid(uint8_t x)
{
	struct vmbus_guid g;

	for (int i = 0; i < 16; i++)
		g.b[i] = (uint8_t)(x + i);
	return g;
}
