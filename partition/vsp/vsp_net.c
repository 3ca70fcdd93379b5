/*
 * The synthetic network adapter's VSP (see vsp_net.h). netvsp checks
 * every offset, length and page the guest names before it calls the
 * guest-memory ops below; the ops check again against the buffer the
 * GPADL really maps (vswitch/netvsp/README.md "Guest memory only through
 * netvsp_guest_ops"), and GPA-direct pages go through hv, which refuses
 * a page that is not the child's (vsp_gpadl.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "partition/vm.h"
#include "partition/vnet.h"
#include "partition/vmconfig/vmcfg.h"
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_gpadl.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_net.h"

/* netvsp opens the receive and the send buffer; room for a revoked one
 * lingering while its replacement opens. */
#define NET_BUFS 4

struct net_buf {
	uint8_t *va;
	uint32_t bytes;
	bool used;
};

struct net_dev {
	uint64_t child;
	struct netvsp *nv;
	struct net_buf buf[NET_BUFS];
	uint64_t bad_pages;   /* GPA-direct pages hv refused */
	/* A trunk's allowed VLAN IDs: the port config points here
	 * (netvsp_set_policy), two copies so the live one stays valid
	 * while the next is written. */
	uint16_t allowed[2][VMCFG_VID_MAX];
	int cur;
};

static int nb_open(void *ctx, uint32_t handle, void **buf, uint32_t *bytes)
{
	struct net_dev *d = ctx;
	void *va;
	size_t n;

	if (vsp_host_gpadl_view(d->child, VSP_DEV_NET, handle, &va, &n))
		return -ENOENT;
	if (n > UINT32_MAX)
		return -EINVAL;
	for (int i = 0; i < NET_BUFS; i++) {
		if (!d->buf[i].used) {
			d->buf[i] = (struct net_buf){ va, (uint32_t)n, true };
			*buf = &d->buf[i];
			*bytes = (uint32_t)n;
			return 0;
		}
	}
	return -ENOSPC;
}

static void nb_close(void *ctx, void *buf)
{
	struct net_buf *b = buf;

	(void)ctx;
	memset(b, 0, sizeof(*b));
}

static int nb_read(void *ctx, void *buf, uint32_t off, void *dst, uint32_t len)
{
	struct net_buf *b = buf;

	(void)ctx;
	if (!b->used || off > b->bytes || len > b->bytes - off)
		return -EFAULT;
	memcpy(dst, b->va + off, len);
	return 0;
}

static int nb_write(void *ctx, void *buf, uint32_t off, const void *src, uint32_t len)
{
	struct net_buf *b = buf;

	(void)ctx;
	if (!b->used || off > b->bytes || len > b->bytes - off)
		return -EFAULT;
	memcpy(b->va + off, src, len);
	return 0;
}

/* The buffer is mapped whole and contiguously (the GPADL's view): a
 * frame's tail in the send buffer is handed to the switch where it lies,
 * and the receiving netvsp copies it from there, its one copy. */
static const void *nb_ptr(void *ctx, void *buf, uint32_t off, uint32_t len)
{
	struct net_buf *b = buf;

	(void)ctx;
	if (!b->used || off > b->bytes || len > b->bytes - off)
		return NULL;
	return b->va + off;
}

/* A page named by a GPA-direct packet (Linux sends a frame that way when
 * it does not fit a send section): mapped through hv for the copy only. */
static int nb_gpa_read(void *ctx, uint64_t pfn, uint32_t off, void *dst, uint32_t len)
{
	struct net_dev *d = ctx;
	void *va;

	if (off >= 4096 || len > 4096 - off)
		return -EFAULT;
	if (vsp_gpadl_map(d->child, &pfn, 1, &va)) {
		d->bad_pages++;
		return -EFAULT;
	}
	memcpy(dst, (const uint8_t *)va + off, len);
	vsp_gpadl_unmap(va, 1);
	return 0;
}

static bool first_nic(const struct vm *vm, struct vmcfg_nic *nic)
{
	struct vmcfg_error err;

	return vm && vmcfg_nic_count(&vm->cfg) > 0 && !vmcfg_get_nic(&vm->cfg, 0, nic, &err);
}

uint32_t vsp_net_absent(const struct vm *vm)
{
	struct vmcfg_nic nic;

	return first_nic(vm, &nic) ? 0 : 1u << VSP_DEV_NET;
}

/* The port settings nic asks for (vswitch/vsw.h): Untagged is access
 * VLAN 0, the untagged network; a trunk's IDs go into d->allowed[slot]. */
static void nic_policy(struct net_dev *d, int slot, const struct vmcfg_nic *nic,
		       struct vsw_port_config *pc)
{
	pc->flags = nic->mac_spoofing ? VSW_PORT_ALLOW_SPOOF : 0;
	pc->vlan_mode = nic->vlan_mode == VMCFG_VLAN_TRUNK ? VSW_VLAN_TRUNK : VSW_VLAN_ACCESS;
	pc->access_vlan = nic->vlan_mode == VMCFG_VLAN_ACCESS ? nic->access_vlan : 0;
	pc->native_vlan = nic->vlan_mode == VMCFG_VLAN_TRUNK ? nic->native_vlan : 0;
	pc->n_allowed = nic->vlan_mode == VMCFG_VLAN_TRUNK
		? vmcfg_vlan_list_ids(nic->allowed, d->allowed[slot]) : 0;
	pc->allowed_vlans = pc->n_allowed ? d->allowed[slot] : NULL;
}

int vsp_net_set_policy(void *dev, const struct vmcfg_nic *nic)
{
	struct net_dev *d = dev;
	struct vsw_port_config pc;
	int next = !d->cur, rc;

	memset(&pc, 0, sizeof(pc));
	nic_policy(d, next, nic, &pc);
	rc = netvsp_set_policy(d->nv, &pc);
	if (!rc)
		d->cur = next;
	return rc;
}

void vsp_net_port_stats(void *dev, struct vsw_port_stats *st)
{
	struct net_dev *d = dev;
	struct vsw_port *port = netvsp_port(d->nv);

	memset(st, 0, sizeof(*st));
	if (port)
		vsw_port_get_stats(port, st);
}

/* The guest asked for sub-channels (netvsp checked the count against
 * max_subchannels): the VMBus host offers them, served by the same
 * netvsp (net_open by sub_index). */
static int nv_subchannels(void *ctx, uint16_t count)
{
	struct net_dev *d = ctx;

	return vsp_host_offer_subchannels(d->child, VSP_DEV_NET, count);
}

void *vsp_net_create(uint64_t child, unsigned unit)
{
	struct net_dev *d = calloc(1, sizeof(*d));
	const struct vm *vm = vm_by_hv_id(child);
	struct vnet_switch *s;
	struct vmcfg_nic nic;
	struct netvsp_config cfg;

	(void)unit;
	if (!d || !first_nic(vm, &nic)) {
		free(d);
		return NULL;
	}
	d->child = child;
	s = nic.switch_name[0] ? vnet_switch_find(nic.switch_name) : NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sw = s ? s->sw : NULL;
	cfg.port.kind = VSW_PORT_VM;
	cfg.port.mac_mode = VSW_MAC_STATIC;
	memcpy(cfg.port.mac, nic.mac, 6);
	nic_policy(d, 0, &nic, &cfg.port);
	cfg.ops = (struct netvsp_guest_ops){ .buf_open = nb_open, .buf_close = nb_close,
					     .buf_read = nb_read, .buf_write = nb_write,
					     .buf_ptr = nb_ptr, .gpa_read = nb_gpa_read,
					     .ctx = d };
	/* A receive queue per virtual processor, as Hyper-V gives a
	 * multi-processor guest (Linux takes at most one channel per
	 * online CPU, rndis_filter_device_add()); one processor, one
	 * queue. */
	cfg.max_subchannels = (uint16_t)(vm->processors > 1 ? vm->processors - 1 : 0);
	cfg.offer_subchannels = nv_subchannels;
	if (!netvsp_create(&cfg, &d->nv))
		return d;
	/* A switch that refuses the port (its MAC is there already): the
	 * adapter starts unplugged rather than the VM not starting. */
	if (cfg.sw) {
		cfg.sw = NULL;
		if (!netvsp_create(&cfg, &d->nv))
			return d;
	}
	free(d);
	return NULL;
}

void vsp_net_destroy(void *dev)
{
	struct net_dev *d = dev;

	netvsp_destroy(d->nv);
	free(d);
}

const char *vsp_net_status(const void *dev)
{
	const struct net_dev *d = dev;
	struct netvsp_stats st;

	netvsp_get_stats(d->nv, &st);
	return st.rndis_up ? "Ok" : "NoContact";
}

int vsp_net_connect(void *dev, struct vsw *sw)
{
	struct net_dev *d = dev;

	return netvsp_set_switch(d->nv, sw);
}

void vsp_net_stats(void *dev, struct netvsp_stats *st)
{
	struct net_dev *d = dev;

	netvsp_get_stats(d->nv, st);
}

/* ---- the channel (vmbus/server.h) ---- */

static int net_open(void *dev, struct vmbus_chan *ch)
{
	struct net_dev *d = dev;

	return netvsp_open(d->nv, ch);
}

/* A broken ring (-EIO) is the guest's fault: the channel stays quiet
 * until the guest closes and reopens it. */
static int net_event(void *dev, struct vmbus_chan *ch)
{
	struct net_dev *d = dev;

	return netvsp_poll_chan(d->nv, ch, 0) > 0;
}

static void net_close(void *dev, struct vmbus_chan *ch)
{
	struct net_dev *d = dev;

	netvsp_close_chan(d->nv, ch);
}

static void net_gpadl_teardown(void *dev, uint32_t handle)
{
	struct net_dev *d = dev;

	netvsp_gpadl_teardown(d->nv, handle);
}

/* Saved state: netvsp's own (vswitch/netvsp/README.md "Saved state").
 * No frame reaches the port between this save and the .bin's write:
 * the parent's one thread does nothing else in between (vm_save.c). */
int vsp_net_save(const void *dev, void *buf, size_t cap, size_t *len)
{
	const struct net_dev *d = dev;

	return netvsp_save(d->nv, buf, cap, len);
}

int vsp_net_restore(void *dev, const void *buf, size_t len)
{
	struct net_dev *d = dev;
	int rc = netvsp_restore(d->nv, buf, len);

	/* The guest was last told the link as it was at the save; the
	 * adapter may be on no switch now (its switch removed meanwhile):
	 * tell it so (a change only, netvsp_set_link). */
	if (!rc)
		netvsp_set_link(d->nv, netvsp_port(d->nv) != NULL);
	return rc;
}

const struct vmbus_dev_ops vsp_net_ops = { net_open, net_event, net_close, net_gpadl_teardown, NULL };
