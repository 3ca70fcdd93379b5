/*
 * Ports and connections, HvPostMessage and HvSignalEvent (TLFS
 * inter-partition-communication.md "Ports and Connections" and the
 * hypercall pages named in hvport.h); see hvport.h for the model.
 *
 * Status codes follow the TLFS hypercall pages. Where they are silent
 * hvpart chooses: RsvdZ input fields, the reserved high 8 bits of port
 * and connection ids, and nonzero VTLs (hv has VTL 0 only) are
 * HV_STATUS_INVALID_PARAMETER; a duplicate port id is
 * HV_STATUS_INVALID_PORT_ID and a duplicate connection id
 * HV_STATUS_INVALID_CONNECTION_ID (the id is the bad input); a full table
 * or pool is HV_STATUS_INSUFFICIENT_MEMORY, as for memory the caller
 * would have to deposit.
 *
 * CreatePort's ConnectionPartition ("partition automatically connected on
 * creation (if any)") is not an automatic connection here: hvpart uses it
 * to name the only partition that may connect to the port (0: any), so a
 * child can never be connected to a port meant for another.
 *
 * Deleting a port leaves its connections in place but useless (TLFS:
 * "If a port is subsequently deleted, its connection, while it remains,
 * becomes useless"): posts and signals through them get
 * HV_STATUS_INVALID_PORT_ID, and a new port with the same id does not
 * revive them. Tearing a partition down removes such connections.
 */
#include <errno.h>
#include <string.h>
#include <hv/abi/hvpart_abi.h>
#include "hvport.h"

static uint32_t hvport_hash(uint64_t part, uint32_t id)
{
	uint64_t h = (part * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)id * 0xff51afd7ed558ccdull);

	return (uint32_t)(h >> 40) & (HVPORT_BUCKETS - 1);
}

int hvport_init(struct hvport_table *t, struct hvport *ports, uint32_t nports,
		struct hvport_conn *conns, uint32_t nconns)
{
	if (!ports || !conns || !nports || !nconns || nports > INT32_MAX || nconns > INT32_MAX)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	memset(ports, 0, nports * sizeof(*ports));
	memset(conns, 0, nconns * sizeof(*conns));
	t->ports = ports;
	t->conns = conns;
	t->nports = nports;
	t->nconns = nconns;
	for (unsigned i = 0; i < HVPORT_BUCKETS; i++)
		t->port_bucket[i] = t->conn_bucket[i] = -1;
	return 0;
}

/* ---- partitions ---- */

static struct synic_partition **hvport_part_slot(struct hvport_table *t, uint64_t id)
{
	for (unsigned i = 0; i < HVPORT_MAX_PARTITIONS; i++)
		if (t->parts[i] && t->parts[i]->id == id)
			return &t->parts[i];
	return NULL;
}

static struct synic_partition *hvport_part(struct hvport_table *t, uint64_t id)
{
	struct synic_partition **pp = hvport_part_slot(t, id);

	return pp ? *pp : NULL;
}

int hvport_add_partition(struct hvport_table *t, struct synic_partition *sp)
{
	if (hvport_part_slot(t, sp->id))
		return -EEXIST;
	for (unsigned i = 0; i < HVPORT_MAX_PARTITIONS; i++) {
		if (!t->parts[i]) {
			t->parts[i] = sp;
			return 0;
		}
	}
	return -ENOSPC;
}

/* ---- lookups ---- */

struct hvport *hvport_find_port(struct hvport_table *t, uint64_t part, uint32_t id)
{
	for (int32_t i = t->port_bucket[hvport_hash(part, id)]; i >= 0; i = t->ports[i].next)
		if (t->ports[i].owner->id == part && t->ports[i].id == id)
			return &t->ports[i];
	return NULL;
}

struct hvport_conn *hvport_find_conn(struct hvport_table *t, uint64_t part, uint32_t id)
{
	for (int32_t i = t->conn_bucket[hvport_hash(part, id)]; i >= 0; i = t->conns[i].next)
		if (t->conns[i].part == part && t->conns[i].id == id)
			return &t->conns[i];
	return NULL;
}

static void hvport_unlink_port(struct hvport_table *t, struct hvport *p)
{
	int32_t idx = (int32_t)(p - t->ports);
	int32_t *pp = &t->port_bucket[hvport_hash(p->owner->id, p->id)];

	while (*pp != idx)
		pp = &t->ports[*pp].next;
	*pp = p->next;
}

static void hvport_unlink_conn(struct hvport_table *t, struct hvport_conn *c)
{
	int32_t idx = (int32_t)(c - t->conns);
	int32_t *pp = &t->conn_bucket[hvport_hash(c->part, c->id)];

	while (*pp != idx)
		pp = &t->conns[*pp].next;
	*pp = c->next;
	memset(c, 0, sizeof(*c));
	t->gen++;
}

/* ---- create ---- */

static uint16_t hvport_check_info(const struct synic_partition *owner,
				  const struct hv_port_info *pi)
{
	uint32_t sint, vp;

	if (pi->padding)
		return HV_STATUS_INVALID_PARAMETER;
	if (pi->port_type == HV_PORT_TYPE_MESSAGE) {
		if (pi->message.rsvdz)
			return HV_STATUS_INVALID_PARAMETER;
	} else if (pi->port_type == HV_PORT_TYPE_EVENT) {
		/* The flag range must lie inside the SINT's 2048 flags. */
		if (pi->event.rsvdz || !pi->event.flag_count ||
		    (uint32_t)pi->event.base_flag + pi->event.flag_count > HV_EVENT_FLAGS_COUNT)
			return HV_STATUS_INVALID_PARAMETER;
	} else {
		return HV_STATUS_INVALID_PARAMETER;  /* monitor, doorbell: not offered */
	}
	sint = pi->message.target_sint;      /* same offset in both members */
	vp = pi->message.target_vp;
	/* SINT 0 is the hypervisor's (TLFS SINT0 "Interrupt source 0 (hypervisor)"). */
	if (sint == 0 || sint >= HV_SINT_COUNT)
		return HV_STATUS_INVALID_PARAMETER;
	if (vp != HV_ANY_VP && vp >= owner->nvps)
		return HV_STATUS_INVALID_VP_INDEX;
	return HV_STATUS_SUCCESS;
}

static struct hvport *hvport_free_port(struct hvport_table *t)
{
	for (uint32_t i = 0; i < t->nports; i++)
		if (!t->ports[i].owner)
			return &t->ports[i];
	return NULL;
}

uint16_t hvport_create(struct hvport_table *t, const struct hv_input_create_port *in)
{
	const struct hv_port_info *pi = &in->port_info;
	struct synic_partition *owner;
	struct hvport *p;
	uint16_t st;
	uint32_t h;

	if (in->rsvdz || in->port_vtl || in->min_connection_vtl || (in->port_id & ~HV_ID_MASK))
		return HV_STATUS_INVALID_PARAMETER;
	owner = hvport_part(t, in->port_partition);
	if (!owner)
		return HV_STATUS_INVALID_PARTITION_ID;
	st = hvport_check_info(owner, pi);
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (hvport_find_port(t, owner->id, in->port_id))
		return HV_STATUS_INVALID_PORT_ID;
	p = hvport_free_port(t);
	if (!p)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	if (pi->port_type == HV_PORT_TYPE_MESSAGE &&
	    synic_pool_reserve(&owner->pool, HVPORT_MSG_BUFS))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	*p = (struct hvport){
		.owner = owner, .conn_part = in->connection_partition,
		.id = in->port_id, .type = pi->port_type,
		.vp = pi->message.target_vp, .sint = pi->message.target_sint,
	};
	if (pi->port_type == HV_PORT_TYPE_EVENT) {
		p->base_flag = pi->event.base_flag;
		p->flag_count = pi->event.flag_count;
	}
	h = hvport_hash(owner->id, p->id);
	p->next = t->port_bucket[h];
	t->port_bucket[h] = (int32_t)(p - t->ports);
	return HV_STATUS_SUCCESS;
}

/* ---- delete ---- */

/* TLFS "Reliability and Sequencing": deleting the target port frees all
 * of its message buffers, available or holding undelivered messages. */
static void hvport_destroy(struct hvport_table *t, struct hvport *p)
{
	int32_t idx = (int32_t)(p - t->ports);
	struct synic_partition *owner = p->owner;

	if (p->type == HV_PORT_TYPE_MESSAGE) {
		for (uint32_t i = 0; i < owner->nvps && p->queued; i++)
			if (owner->vps[i])
				synvp_drop_charged(owner->vps[i], &p->queued);
		synic_pool_unreserve(&owner->pool, HVPORT_MSG_BUFS);
	}
	for (uint32_t i = 0; i < t->nconns; i++)
		if (t->conns[i].used && t->conns[i].port == idx)
			t->conns[i].port = -1;
	hvport_unlink_port(t, p);
	memset(p, 0, sizeof(*p));
	t->gen++;   /* kept routes through it are gone (hvport_signal) */
}

uint16_t hvport_delete(struct hvport_table *t, const struct hv_input_delete_port *in)
{
	struct hvport *p;

	if (in->rsvdz || (in->port_id & ~HV_ID_MASK))
		return HV_STATUS_INVALID_PARAMETER;
	p = hvport_find_port(t, in->port_partition, in->port_id);
	if (!p)
		return HV_STATUS_INVALID_PORT_ID;
	hvport_destroy(t, p);
	return HV_STATUS_SUCCESS;
}

/* ---- connect ---- */

static struct hvport_conn *hvport_free_conn(struct hvport_table *t)
{
	for (uint32_t i = 0; i < t->nconns; i++)
		if (!t->conns[i].used)
			return &t->conns[i];
	return NULL;
}

/* Message and event connections carry no information (RsvdZ), and the
 * type must be the port's. */
static bool hvport_info_ok(const struct hv_connection_info *ci, const struct hvport *p)
{
	return ci->port_type == p->type && !ci->padding &&
	       !ci->data[0] && !ci->data[1] && !ci->data[2];
}

uint16_t hvport_connect(struct hvport_table *t, const struct hv_input_connect_port *in)
{
	struct hvport *p;
	struct hvport_conn *c;
	uint32_t h;

	if (in->connection_vtl || in->rsvdz0 || in->rsvdz1 || in->rsvdz2 ||
	    (in->connection_id & ~HV_ID_MASK) || (in->port_id & ~HV_ID_MASK))
		return HV_STATUS_INVALID_PARAMETER;
	if (!hvport_part(t, in->connection_partition))
		return HV_STATUS_INVALID_PARTITION_ID;
	p = hvport_find_port(t, in->port_partition, in->port_id);
	if (!p)
		return HV_STATUS_INVALID_PORT_ID;
	if (!hvport_info_ok(&in->connection_info, p))
		return HV_STATUS_INVALID_PARAMETER;
	if (p->conn_part && p->conn_part != in->connection_partition)
		return HV_STATUS_ACCESS_DENIED;
	if (hvport_find_conn(t, in->connection_partition, in->connection_id))
		return HV_STATUS_INVALID_CONNECTION_ID;
	c = hvport_free_conn(t);
	if (!c)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	*c = (struct hvport_conn){
		.part = in->connection_partition, .id = in->connection_id,
		.port = (int32_t)(p - t->ports), .used = 1,
	};
	h = hvport_hash(c->part, c->id);
	c->next = t->conn_bucket[h];
	t->conn_bucket[h] = (int32_t)(c - t->conns);
	return HV_STATUS_SUCCESS;
}

uint16_t hvport_disconnect(struct hvport_table *t, const struct hv_input_disconnect_port *in)
{
	struct hvport_conn *c;

	if (in->rsvdz || (in->connection_id & ~HV_ID_MASK))
		return HV_STATUS_INVALID_PARAMETER;
	c = hvport_find_conn(t, in->connection_partition, in->connection_id);
	if (!c)
		return HV_STATUS_INVALID_CONNECTION_ID;
	hvport_unlink_conn(t, c);
	return HV_STATUS_SUCCESS;
}

/* ---- teardown ---- */

void hvport_remove_partition(struct hvport_table *t, uint64_t id)
{
	struct synic_partition **pp = hvport_part_slot(t, id);

	if (!pp)
		return;
	for (uint32_t i = 0; i < t->nconns; i++) {
		struct hvport_conn *c = &t->conns[i];

		if (c->used && (c->part == id ||
				(c->port >= 0 && t->ports[c->port].owner == *pp)))
			hvport_unlink_conn(t, c);
	}
	for (uint32_t i = 0; i < t->nports; i++)
		if (t->ports[i].owner == *pp)
			hvport_destroy(t, &t->ports[i]);
	*pp = NULL;
}

/* ---- post and signal ---- */

/* The port connection c (NULL: none) reaches, or a status. */
static uint16_t hvport_conn_port(struct hvport_table *t, const struct hvport_conn *c,
				 uint32_t type, struct hvport **out)
{
	if (!c)
		return HV_STATUS_INVALID_CONNECTION_ID;
	if (c->port < 0 || t->ports[c->port].type != type)
		return HV_STATUS_INVALID_PORT_ID;
	*out = &t->ports[c->port];
	return HV_STATUS_SUCCESS;
}

/* The port a connection of `sender` reaches, or a status. */
static uint16_t hvport_route(struct hvport_table *t, uint64_t sender, uint32_t conn_id,
			     uint32_t type, struct hvport **out)
{
	return hvport_conn_port(t, hvport_find_conn(t, sender, conn_id), type, out);
}

/* TLFS: VPs whose SynIC or SIM (SIEF) page is disabled are not targets;
 * HV_ANY_VP takes the first that can receive. */
static uint16_t hvport_target(const struct hvport *p, bool (*ready)(const struct synvp *, unsigned),
			      struct synvp **out)
{
	const struct synic_partition *o = p->owner;

	if (p->vp != HV_ANY_VP) {
		if (p->vp >= o->nvps || !o->vps[p->vp])
			return HV_STATUS_INVALID_VP_INDEX;
		*out = o->vps[p->vp];
		return ready(*out, p->sint) ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_SYNIC_STATE;
	}
	for (uint32_t i = 0; i < o->nvps; i++) {
		if (o->vps[i] && ready(o->vps[i], p->sint)) {
			*out = o->vps[i];
			return HV_STATUS_SUCCESS;
		}
	}
	return HV_STATUS_INVALID_VP_INDEX;
}

static bool hvport_msg_ready(const struct synvp *s, unsigned sint)
{
	(void)sint;
	return synvp_msg_ready(s);
}

/* TLFS HvCallPostMessage: a type of 0 or with bit 31 (the hypervisor's
 * types) or a payload over 240 bytes is INVALID_PARAMETER; a port whose
 * 16 buffers are all queued is INSUFFICIENT_BUFFERS. */
static uint16_t hvport_check_post(const struct hv_input_post_message *in)
{
	if (in->rsvdz || (in->connection_id & ~HV_ID_MASK))
		return HV_STATUS_INVALID_PARAMETER;
	if (in->message_type == HV_MSG_NONE || (in->message_type & HV_MSG_HYPERVISOR_BIT) ||
	    in->payload_size > HV_MESSAGE_PAYLOAD_MAX)
		return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_SUCCESS;
}

uint16_t hvport_post(struct hvport_table *t, uint64_t sender,
		     const struct hv_input_post_message *in)
{
	struct hvport *p;
	struct synvp *vp;
	struct synic_msgbuf *b;
	uint16_t st = hvport_check_post(in);

	if (st == HV_STATUS_SUCCESS)
		st = hvport_route(t, sender, in->connection_id, HV_PORT_TYPE_MESSAGE, &p);
	if (st == HV_STATUS_SUCCESS)
		st = hvport_target(p, hvport_msg_ready, &vp);
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (p->queued >= HVPORT_MSG_BUFS)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	b = synic_pool_take(&p->owner->pool, &p->queued);
	if (!b)
		return HV_STATUS_INSUFFICIENT_BUFFERS;   /* reserved: cannot happen */
	memset(&b->msg.header, 0, sizeof(b->msg.header));
	b->msg.header.type = in->message_type;
	b->msg.header.payload_size = (uint8_t)in->payload_size;
	b->msg.header.origin = p->id;
	memcpy(b->msg.payload, in->payload, in->payload_size);
	if (synvp_post_msg(vp, p->sint, b)) {
		synic_msgbuf_put(b);
		return HV_STATUS_INVALID_PARAMETER;
	}
	return HV_STATUS_SUCCESS;
}

/* TLFS HvCallSignalEvent: the flag is relative to the port's base and
 * must be below its flag count; a masked SINT or a disabled SynIC or
 * SIEF page is INVALID_SYNIC_STATE. */

/* Whether c's kept route still holds: the table is checked first, as a
 * route's VP goes away only with its partition (hvport_remove_partition,
 * which moves the table's gen). */
static bool hvport_route_kept(const struct hvport_table *t, const struct hvport_conn *c)
{
	const struct synvp *vp = c->fast_vp;

	return vp && c->fast_tgen == t->gen && c->fast_vgen == vp->gen &&
	       c->fast_mgen == vp->ops->map_gen(vp->ctx);
}

/* Keep the route a signal took. Not for HV_ANY_VP: its target depends on
 * every VP's state, which no one generation covers. */
static void hvport_keep_route(const struct hvport_table *t, struct hvport_conn *c,
			      const struct hvport *p, struct synvp *vp, void *page)
{
	if (!page || p->vp == HV_ANY_VP || !vp->ops->map_gen)
		return;
	c->fast_vp = vp;
	c->fast_page = page;
	c->fast_tgen = t->gen;
	c->fast_vgen = vp->gen;
	c->fast_mgen = vp->ops->map_gen(vp->ctx);
}

/* HvSignalEvent is the VMBus's doorbell, twice in each request and its
 * answer: a connection keeps the route its last signal took (the target
 * VP and its SIEF page), so the next one skips the target's checks and
 * the page's translation while nothing they depend on changed; the flag's
 * range is checked on every call. */
uint16_t hvport_signal(struct hvport_table *t, uint64_t sender, uint64_t input)
{
	struct hvport_conn *c;
	struct hvport *p;
	struct synvp *vp;
	void *page;
	uint16_t flag = HV_SIGNAL_FLAG(input), st;

	if (input & HV_SIGNAL_RSVDZ)
		return HV_STATUS_INVALID_PARAMETER;
	c = hvport_find_conn(t, sender, HV_SIGNAL_CONN_ID(input));
	st = hvport_conn_port(t, c, HV_PORT_TYPE_EVENT, &p);
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (flag >= p->flag_count)
		return HV_STATUS_INVALID_PARAMETER;
	if (hvport_route_kept(t, c)) {
		(void)synvp_signal_mapped(c->fast_vp, c->fast_page, p->sint,
					  (unsigned)p->base_flag + flag);
		return HV_STATUS_SUCCESS;
	}
	st = hvport_target(p, synvp_event_ready, &vp);
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (synvp_signal_event_page(vp, p->sint, (unsigned)p->base_flag + flag, &page) < 0)
		return HV_STATUS_INVALID_SYNIC_STATE;
	hvport_keep_route(t, c, p, vp, page);
	return HV_STATUS_SUCCESS;
}
