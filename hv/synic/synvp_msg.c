/*
 * SynIC messages and event flags of one vCPU (TLFS inter-partition-
 * communication.md "SynIC Messages", "Message Buffers", "SynIC Event
 * Flags"): bounded buffer pools, one FIFO per SINT, delivery into the SIM
 * page, and event flags in the SIEF page.
 *
 * Delivery rule (TLFS "Messages"): the head of a SINT's queue goes into
 * its SIM slot only if the SIM page is enabled and the slot's type is
 * HvMessageTypeNone; hv copies the header and payload_size bytes, then
 * edge-triggers the SINT's vector, which is lost if the SINT is masked.
 * Otherwise the message stays queued and hv sets MessagePending in the
 * busy slot, asking the guest to write EOM when it has emptied it. Queues
 * are rescanned when a message is queued, on EOM, on the APIC EOI of a
 * SINT vector, and on SINT, SIMP and SCONTROL writes (a SIM page enabled
 * late, or a SINT unmasked late, must not leave a message stuck).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "synvp.h"

/* ---- buffer pools ---- */

void synic_pool_init(struct synic_pool *p, struct synic_msgbuf *bufs, uint32_t n)
{
	memset(p, 0, sizeof(*p));
	synic_pool_add(p, bufs, n);
}

void synic_pool_add(struct synic_pool *p, struct synic_msgbuf *bufs, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;) {
		memset(&bufs[i], 0, sizeof(bufs[i]));
		bufs[i].kind = SYNIC_BUF_POOL;
		bufs[i].pool = p;
		bufs[i].next = p->free;
		p->free = &bufs[i];
	}
	p->total += n;
	p->nfree += n;
}

int synic_pool_reserve(struct synic_pool *p, uint32_t n)
{
	if (n > p->total - p->reserved)
		return -ENOMEM;
	p->reserved += n;
	return 0;
}

void synic_pool_unreserve(struct synic_pool *p, uint32_t n)
{
	p->reserved -= n < p->reserved ? n : p->reserved;
}

struct synic_msgbuf *synic_pool_take(struct synic_pool *p, uint32_t *charge)
{
	struct synic_msgbuf *b = p->free;

	if (!b)
		return NULL;
	p->free = b->next;
	p->nfree--;
	b->next = NULL;
	b->charge = charge;
	if (charge)
		(*charge)++;
	return b;
}

void synic_msgbuf_put(struct synic_msgbuf *b)
{
	b->queued = false;
	b->next = NULL;
	if (b->kind != SYNIC_BUF_POOL)
		return;
	if (b->charge)
		(*b->charge)--;
	b->charge = NULL;
	b->next = b->pool->free;
	b->pool->free = b;
	b->pool->nfree++;
}

/* ---- queues ---- */

static void synvp_enqueue(struct synvp *s, unsigned sint, struct synic_msgbuf *b)
{
	b->next = NULL;
	b->queued = true;
	if (s->tail[sint])
		s->tail[sint]->next = b;
	else
		s->head[sint] = b;
	s->tail[sint] = b;
}

static struct synic_msgbuf *synvp_dequeue(struct synvp *s, unsigned sint)
{
	struct synic_msgbuf *b = s->head[sint];

	s->head[sint] = b->next;
	if (!s->head[sint])
		s->tail[sint] = NULL;
	b->next = NULL;
	return b;
}

unsigned synvp_count_queued(const struct synvp *s, unsigned sint)
{
	unsigned n = 0;

	for (const struct synic_msgbuf *b = s->head[sint]; b; b = b->next)
		n++;
	return n;
}

void synvp_drop_charged(struct synvp *s, const uint32_t *charge)
{
	for (unsigned i = 0; i < HV_SINT_COUNT; i++) {
		struct synic_msgbuf **pp = &s->head[i], *b;

		s->tail[i] = NULL;
		while ((b = *pp)) {
			if (charge && b->charge != charge) {
				s->tail[i] = b;
				pp = &b->next;
				continue;
			}
			*pp = b->next;
			synic_msgbuf_put(b);
		}
	}
}

/* ---- delivery ---- */

bool synvp_msg_ready(const struct synvp *s)
{
	return (s->scontrol & HV_SCONTROL_ENABLE) && (s->simp & HV_PAGE_MSR_ENABLE);
}

bool synvp_event_ready(const struct synvp *s, unsigned sint)
{
	return sint < HV_SINT_COUNT && (s->scontrol & HV_SCONTROL_ENABLE) &&
	       (s->siefp & HV_PAGE_MSR_ENABLE) && !(s->sint[sint] & HV_SINT_MASKED);
}

/* TLFS: the interrupt is lost if the SINT is masked; a polling SINT is
 * unmasked but generates no interrupt. */
static void synvp_raise_sint(struct synvp *s, unsigned sint)
{
	uint64_t v = s->sint[sint];

	if (v & (HV_SINT_MASKED | HV_SINT_POLLING))
		return;
	s->ops->raise(s->ctx, HV_SINT_VECTOR(v), v & HV_SINT_AUTO_EOI);
}

static struct hv_message *synvp_slot(struct synvp *s, unsigned sint)
{
	struct hv_message_page *page;

	if (!synvp_msg_ready(s))
		return NULL;
	page = s->ops->map_page(s->ctx, HV_PAGE_MSR_GPA(s->simp));
	return page ? &page->slot[sint] : NULL;
}

/*
 * May hv write the slot? If it is busy, ask for an EOM without losing a
 * wakeup (the pitfall KVM avoids by delivering only on the target vCPU).
 *
 * The guest empties a slot and then decides whether to write EOM (Linux
 * drivers/hv/hyperv_vmbus.h vmbus_signal_eom): it sets the type to NONE
 * with a locked CMPXCHG, executes mb(), and reads msg_pending. If hv set
 * msg_pending only after the guest had read it, while the guest had
 * emptied the slot before hv looked at the type, neither side would act
 * and the queued message would wait forever. Both sides therefore store
 * and then load the other's field, each with a full barrier in between:
 * the guest's locked CMPXCHG, and hv's locked OR below (a sequentially
 * consistent read-modify-write; on x86 loads are not reordered with
 * locked instructions, Intel SDM Vol. 3A §9.2.2 "Memory Ordering in P6
 * and More Recent Processor Families"). So at least one side sees the
 * other's store: the guest sees msg_pending and writes EOM (hv rescans),
 * or hv's second load sees NONE and hv delivers now. A spurious EOM is
 * harmless. A guest that does not follow the protocol can only delay its
 * own messages.
 */
#ifdef SYNVP_TEST_RACE_HOOK
/* tests/unit/hv/test_synic_race.c runs the guest's side at these points. */
void synvp_test_race_hook(struct hv_message *slot, int point);
#define SYNVP_RACE_POINT(slot, n) synvp_test_race_hook(slot, n)
#else
#define SYNVP_RACE_POINT(slot, n) ((void)0)
#endif

static bool synvp_slot_free(struct hv_message *slot)
{
	if (__atomic_load_n(&slot->header.type, __ATOMIC_SEQ_CST) == HV_MSG_NONE)
		return true;
	SYNVP_RACE_POINT(slot, 1);
	__atomic_fetch_or(&slot->header.flags, HV_MSG_FLAG_PENDING, __ATOMIC_SEQ_CST);
	SYNVP_RACE_POINT(slot, 2);
	return __atomic_load_n(&slot->header.type, __ATOMIC_SEQ_CST) == HV_MSG_NONE;
}

/* The TLFS lets hv copy only payload_size bytes; the type goes last with
 * release order, so a guest that sees the type sees the rest (x86 does
 * not reorder stores with other stores, SDM Vol. 3A §9.2.2). MessagePending
 * is set when more messages wait behind this one: without it a guest
 * using AutoEOI (no APIC EOI) would never write EOM for them. */
static void synvp_write_slot(struct synvp *s, struct hv_message *slot,
			     struct synic_msgbuf *b, bool more)
{
	struct hv_message *m = &b->msg;
	uint64_t now;

	if (b->kind == SYNIC_BUF_TIMER && s->ops->now) {
		now = s->ops->now(s->ctx);
		memcpy(m->payload + offsetof(struct hv_timer_message_payload, delivery_time),
		       &now, sizeof(now));
	}
	memcpy(slot->payload, m->payload, m->header.payload_size);
	slot->header.payload_size = m->header.payload_size;
	slot->header.reserved = 0;
	slot->header.origin = m->header.origin;
	__atomic_store_n(&slot->header.flags, more ? HV_MSG_FLAG_PENDING : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->header.type, m->header.type, __ATOMIC_RELEASE);
}

static void synvp_deliver(struct synvp *s, unsigned sint)
{
	struct synic_msgbuf *b = s->head[sint];
	struct hv_message *slot;

	if (!b)
		return;
	slot = synvp_slot(s, sint);
	if (!slot || !synvp_slot_free(slot))
		return;
	synvp_dequeue(s, sint);
	synvp_write_slot(s, slot, b, s->head[sint] != NULL);
	synic_msgbuf_put(b);
	synvp_raise_sint(s, sint);
}

int synvp_post_msg(struct synvp *s, unsigned sint, struct synic_msgbuf *b)
{
	if (sint >= HV_SINT_COUNT || b->queued ||
	    b->msg.header.payload_size > HV_MESSAGE_PAYLOAD_MAX)
		return -EINVAL;
	synvp_enqueue(s, sint, b);
	synvp_deliver(s, sint);
	return 0;
}

void synvp_scan_queues(struct synvp *s)
{
	for (unsigned i = 0; i < HV_SINT_COUNT; i++)
		synvp_deliver(s, i);
	/* A freed timer buffer lets a waiting timer post (TLFS timers.md:
	 * the signal may arrive any time after the expiration time). */
	if (s->ops->now)
		synvp_poll_timers(s, s->ops->now(s->ctx));
}

void synvp_notify_eoi(struct synvp *s, uint8_t vector)
{
	for (unsigned i = 0; i < HV_SINT_COUNT; i++) {
		if (!(s->sint[i] & HV_SINT_MASKED) && HV_SINT_VECTOR(s->sint[i]) == vector) {
			synvp_scan_queues(s);
			return;
		}
	}
}

/* ---- event flags ---- */

/*
 * TLFS "Event Flag Delivery": hv sets the bit atomically and interrupts
 * only if it was clear. The guest clears bits concurrently with locked
 * operations (Linux vmbus_chan_sched uses sync_test_and_clear_bit), so hv
 * uses a locked OR on the byte holding the flag; a locked byte operation
 * inside the guest's aligned word is atomic with respect to the guest's
 * (SDM Vol. 3A §9.1.2.2 "Software Controlled Bus Locking").
 */
int synvp_signal_mapped(struct synvp *s, void *page, unsigned sint, unsigned flag)
{
	struct hv_event_flags_page *pg = page;
	uint8_t *byte = &pg->sint[sint].bits[flag / 8];
	uint8_t mask = (uint8_t)(1u << (flag % 8));

	if (__atomic_fetch_or(byte, mask, __ATOMIC_SEQ_CST) & mask)
		return 0;
	synvp_raise_sint(s, sint);
	return 1;
}

int synvp_signal_event_page(struct synvp *s, unsigned sint, unsigned flag, void **page)
{
	void *pg;

	*page = NULL;
	if (sint >= HV_SINT_COUNT || flag >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	if (!synvp_event_ready(s, sint))
		return -ENODEV;
	pg = s->ops->map_page(s->ctx, HV_PAGE_MSR_GPA(s->siefp));
	if (!pg)
		return -EFAULT;
	*page = pg;
	return synvp_signal_mapped(s, pg, sint, flag);
}

int synvp_signal_event(struct synvp *s, unsigned sint, unsigned flag)
{
	void *page;

	return synvp_signal_event_page(s, sint, flag, &page);
}
