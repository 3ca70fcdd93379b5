/* vsw_switch.c: switch and port life cycle (the management plane).
 *
 * Which port kinds a switch accepts follows Hyper-V's three virtual
 * network types: a private network connects children only, an internal
 * one adds the management OS's host port, an external one adds the
 * physical NIC and, only when the management OS is allowed to share the
 * adapter, the host port.
 */
#include "vswitch/vsw_internal.h"

#include <errno.h>
#include <stdlib.h>

#define VSW_PORTS_DEFAULT 256u
#define VSW_PORTS_MAX 4096u
#define VSW_MACS_DEFAULT 4096u
#define VSW_AGING_DEFAULT_MS 300000u /* IEEE 802.1Q 8.8.3: 300 s */
#define VSW_PORT_FLAGS_ALL \
	(VSW_PORT_ALLOW_SPOOF | VSW_PORT_DHCP_GUARD | VSW_PORT_ROUTER_GUARD | \
	 VSW_PORT_TRUNK_ALL)

static int sw_check_config(const struct vsw_config *c)
{
	if (c->mtu && (c->mtu < VSW_MTU_MIN || c->mtu > VSW_MTU_MAX))
		return -EINVAL;
	if (c->max_ports > VSW_PORTS_MAX)
		return -EINVAL;
	if (!c->ops.lock != !c->ops.unlock)
		return -EINVAL;
	return 0;
}

static int sw_alloc(struct vsw *sw, const struct vsw_config *c)
{
	sw->mtu = c->mtu ? c->mtu : VSW_MTU_DEFAULT;
	sw->max_ports = c->max_ports ? c->max_ports : VSW_PORTS_DEFAULT;
	sw->ops = c->ops;
	sw->pool = c->pool;
	sw->ports = calloc(sw->max_ports, sizeof(*sw->ports));
	sw->active = calloc(sw->max_ports, sizeof(*sw->active));
	sw->flushq = calloc(sw->max_ports, sizeof(*sw->flushq));
	/* Largest frame after a tag insert: MTU + header + 802.1Q tag. */
	sw->scratch_len = (size_t)sw->mtu + sizeof(struct vsw_eth_hdr) +
			  sizeof(struct vsw_vlan_tag);
	sw->scratch = malloc(sw->scratch_len);
	if (!sw->ports || !sw->active || !sw->flushq || !sw->scratch)
		return -ENOMEM;
	return vsw_mac_init(&sw->tbl,
			    c->mac_table_size ? c->mac_table_size : VSW_MACS_DEFAULT,
			    c->aging_ms ? c->aging_ms : VSW_AGING_DEFAULT_MS);
}

static void sw_free(struct vsw *sw)
{
	vsw_mac_fini(&sw->tbl);
	free(sw->scratch);
	free(sw->flushq);
	free(sw->active);
	free(sw->ports);
	free(sw);
}

int vsw_create(const char *name, enum vsw_type type,
	       const struct vsw_config *cfg, struct vsw **out)
{
	static const struct vsw_config defaults;
	struct vsw *sw;
	size_t n;
	int ret;

	if (!name || !out || (unsigned)type > VSW_TYPE_EXTERNAL)
		return -EINVAL;
	n = strlen(name);
	if (n == 0 || n >= VSW_NAME_MAX)
		return -EINVAL;
	if (!cfg)
		cfg = &defaults;
	ret = sw_check_config(cfg);
	if (ret)
		return ret;
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	memcpy(sw->name, name, n + 1);
	sw->type = type;
	ret = sw_alloc(sw, cfg);
	if (ret)
		goto err_free;
	sw->st.mac_capacity = (sw->tbl.mask + 1) * VSW_MAC_WAYS;
	*out = sw;
	return 0;
err_free:
	sw_free(sw);
	return ret;
}

/* A removed port hears no flush: its owner drops or sends what it held. */
static void port_unqueue(struct vsw *sw, struct vsw_port *p)
{
	for (uint32_t i = 0; p->flush_queued && i < sw->n_flushq; i++) {
		if (sw->flushq[i] == p) {
			sw->flushq[i] = sw->flushq[--sw->n_flushq];
			p->flush_queued = false;
		}
	}
}

static void port_unlink(struct vsw *sw, struct vsw_port *p)
{
	struct vsw_port *last = sw->active[--sw->n_active];

	port_unqueue(sw, p);
	sw->active[p->active_pos] = last;
	last->active_pos = p->active_pos;
	sw->ports[p->idx] = NULL;
	vsw_mac_flush_port(sw, p->idx);
	if (sw->host == p)
		sw->host = NULL;
	if (sw->external == p)
		sw->external = NULL;
	if (p->dynamic_mac)
		vsw_macpool_release(sw->pool, p->mac);
}

void vsw_destroy(struct vsw *sw)
{
	if (!sw)
		return;
	while (sw->n_active) {
		struct vsw_port *p = sw->active[0];

		port_unlink(sw, p);
		free(p);
	}
	sw_free(sw);
}

const char *vsw_get_name(const struct vsw *sw)
{
	return sw ? sw->name : NULL;
}

enum vsw_type vsw_get_type(const struct vsw *sw)
{
	return sw ? sw->type : VSW_TYPE_PRIVATE;
}

int vsw_set_mgmt_share(struct vsw *sw, bool share)
{
	int ret = 0;

	if (!sw || sw->type != VSW_TYPE_EXTERNAL)
		return -EINVAL;
	vsw_lock(sw);
	if (!share && sw->host)
		ret = -EBUSY;
	else
		sw->mgmt_share = share;
	vsw_unlock(sw);
	return ret;
}

void vsw_get_stats(struct vsw *sw, struct vsw_stats *out)
{
	if (!sw || !out)
		return;
	vsw_lock(sw);
	*out = sw->st;
	out->mac_entries = sw->tbl.entries;
	vsw_unlock(sw);
}

/* Hyper-V's network types decide which port kinds may join. */
static int port_check_kind(const struct vsw *sw, enum vsw_port_kind kind)
{
	switch (kind) {
	case VSW_PORT_VM:
		return 0;
	case VSW_PORT_HOST:
		if (sw->type == VSW_TYPE_PRIVATE)
			return -EPERM;
		if (sw->type == VSW_TYPE_EXTERNAL && !sw->mgmt_share)
			return -EPERM;
		return sw->host ? -EEXIST : 0;
	case VSW_PORT_EXTERNAL:
		if (sw->type != VSW_TYPE_EXTERNAL)
			return -EPERM;
		return sw->external ? -EEXIST : 0;
	}
	return -EINVAL;
}

static int port_check_vlan(const struct vsw_port_config *c)
{
	if (c->vlan_mode == VSW_VLAN_ACCESS)
		return c->access_vlan <= VSW_VID_MAX ? 0 : -EINVAL;
	if (c->vlan_mode != VSW_VLAN_TRUNK || c->native_vlan > VSW_VID_MAX)
		return -EINVAL;
	if (c->n_allowed && !c->allowed_vlans)
		return -EINVAL;
	for (size_t i = 0; i < c->n_allowed; i++) {
		/* VID 0 is a priority tag, not a VLAN (802.1Q Table 9-2). */
		if (c->allowed_vlans[i] == 0 || c->allowed_vlans[i] > VSW_VID_MAX)
			return -EINVAL;
	}
	return 0;
}

static int port_check_config(const struct vsw_port_config *c)
{
	if (!c->deliver || (c->flags & ~VSW_PORT_FLAGS_ALL))
		return -EINVAL;
	if ((unsigned)c->kind > VSW_PORT_EXTERNAL)
		return -EINVAL;
	if (c->mac_mode != VSW_MAC_STATIC && c->mac_mode != VSW_MAC_DYNAMIC)
		return -EINVAL;
	/* A station address must be individual and not all-zero (IEEE 802
	 * clause 8.2); the external port carries other stations' MACs. */
	if (c->kind != VSW_PORT_EXTERNAL && c->mac_mode == VSW_MAC_STATIC &&
	    (vsw_mac_is_group(c->mac) || !vsw_mac_key6(c->mac)))
		return -EINVAL;
	return port_check_vlan(c);
}

/* VLAN membership and guard flags: set at add, changed by vsw_port_update. */
static void port_fill_policy(struct vsw_port *p, const struct vsw_port_config *c)
{
	p->flags = c->flags;
	p->trunk = c->vlan_mode == VSW_VLAN_TRUNK;
	p->pvid = p->trunk ? c->native_vlan : c->access_vlan;
	memset(p->allowed, 0, sizeof(p->allowed));
	for (size_t i = 0; p->trunk && i < c->n_allowed; i++) {
		uint16_t v = c->allowed_vlans[i];

		p->allowed[v >> 6] |= 1ull << (v & 63);
	}
	if (p->trunk && (c->flags & VSW_PORT_TRUNK_ALL)) {
		memset(p->allowed, 0xff, sizeof(p->allowed));
		/* 802.1Q Table 9-2: VID 0 and 0xFFF are never VLANs. */
		p->allowed[0] &= ~1ull;
		p->allowed[VSW_VID_BITMAP_WORDS - 1] &= ~(1ull << 63);
	}
	/* Hyper-V's MAC spoofing guard covers the ports that own one MAC. */
	p->spoof_guard = p->kind != VSW_PORT_EXTERNAL &&
			 !(c->flags & VSW_PORT_ALLOW_SPOOF);
}

static void port_fill(struct vsw_port *p, const struct vsw_port_config *c)
{
	p->kind = c->kind;
	p->deliver = c->deliver;
	p->ctx = c->ctx;
	p->flush = c->flush;
	p->deliver_split = c->deliver_split;
	port_fill_policy(p, c);
	if (c->mac_mode == VSW_MAC_STATIC)
		memcpy(p->mac, c->mac, 6);
}

int vsw_port_update(struct vsw_port *port, const struct vsw_port_config *cfg)
{
	int ret;

	if (!port || !cfg || (cfg->flags & ~VSW_PORT_FLAGS_ALL))
		return -EINVAL;
	ret = port_check_vlan(cfg);
	if (ret)
		return ret;
	vsw_lock(port->sw);
	port_fill_policy(port, cfg);
	/* Entries learned in VLANs the port may have left must go (the
	 * filtering database holds only members' addresses, 802.1Q 8.8). */
	vsw_mac_flush_port(port->sw, port->idx);
	vsw_unlock(port->sw);
	return 0;
}

static int port_find_slot(const struct vsw *sw, const struct vsw_port *np)
{
	int slot = -1;

	for (uint32_t i = 0; i < sw->n_active; i++) {
		const struct vsw_port *p = sw->active[i];

		if (np->kind != VSW_PORT_EXTERNAL && p->kind != VSW_PORT_EXTERNAL &&
		    p->mac_key == np->mac_key)
			return -EEXIST;
	}
	for (uint32_t i = 0; i < sw->max_ports && slot < 0; i++)
		if (!sw->ports[i])
			slot = (int)i;
	return slot < 0 ? -ENOSPC : slot;
}

static int port_link(struct vsw *sw, struct vsw_port *p,
		     const struct vsw_port_config *c)
{
	int ret = port_check_kind(sw, c->kind);

	if (ret)
		return ret;
	if (c->mac_mode == VSW_MAC_DYNAMIC) {
		ret = sw->pool ? vsw_macpool_alloc(sw->pool, p->mac) : -EINVAL;
		if (ret)
			return ret;
		p->dynamic_mac = true;
	}
	p->mac_key = vsw_mac_key6(p->mac);
	ret = port_find_slot(sw, p);
	if (ret < 0)
		goto err_mac;
	p->idx = (uint16_t)ret;
	p->active_pos = sw->n_active;
	sw->ports[p->idx] = p;
	sw->active[sw->n_active++] = p;
	if (c->kind == VSW_PORT_HOST)
		sw->host = p;
	if (c->kind == VSW_PORT_EXTERNAL)
		sw->external = p;
	return 0;
err_mac:
	if (p->dynamic_mac)
		vsw_macpool_release(sw->pool, p->mac);
	return ret;
}

int vsw_port_add(struct vsw *sw, const struct vsw_port_config *cfg,
		 struct vsw_port **out)
{
	struct vsw_port *p;
	int ret;

	if (!sw || !cfg || !out)
		return -EINVAL;
	ret = port_check_config(cfg);
	if (ret)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sw = sw;
	port_fill(p, cfg);
	vsw_lock(sw);
	ret = port_link(sw, p, cfg);
	vsw_unlock(sw);
	if (ret)
		goto err_free;
	*out = p;
	return 0;
err_free:
	free(p);
	return ret;
}

void vsw_port_reap(struct vsw *sw)
{
	while (sw->dead) {
		struct vsw_port *p = sw->dead;

		sw->dead = p->next_dead;
		port_unlink(sw, p);
		free(p);
	}
}

int vsw_port_remove(struct vsw_port *port)
{
	struct vsw *sw;

	if (!port)
		return -EINVAL;
	sw = port->sw;
	/* Frames are delivered under the lock: once we hold it, none is in
	 * flight to this port, and after the unlink none can find it. */
	vsw_lock(sw);
	if (sw->busy) {
		/* Called from a deliver callback while a flood walks active[]:
		 * unlinking now would shift the walk. The flood skips dead
		 * ports and frees them when it ends. */
		if (!port->dead) {
			port->dead = true;
			vsw_mac_flush_port(sw, port->idx);
			port->next_dead = sw->dead;
			sw->dead = port;
		}
		vsw_unlock(sw);
		return 0;
	}
	port_unlink(sw, port);
	vsw_unlock(sw);
	free(port);
	return 0;
}

void vsw_port_get_mac(const struct vsw_port *port, uint8_t mac[6])
{
	if (port && mac)
		memcpy(mac, port->mac, 6);
}

void vsw_port_get_stats(struct vsw_port *port, struct vsw_port_stats *out)
{
	if (!port || !out)
		return;
	vsw_lock(port->sw);
	*out = port->st;
	vsw_unlock(port->sw);
}
