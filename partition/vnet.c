/*
 * The parent's virtual switches and dynamic MACs (see vnet.h). The parent
 * is single-threaded (its main loop serves VMBus and the console), so the
 * switches take no lock (vsw_ops.lock NULL: vswitch/vsw.h "Threading").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "partition/drivers/pit.h"
#include "partition/net/pnet.h"
#include "partition/pnic.h"
#include "partition/vm.h"
#include "partition/vnet.h"
#include "partition/vmconfig/vmcfg.h"

static struct vnet_switch switches[VNET_SWITCH_MAX];

/* The switches' clock, read for every frame (MAC learning; entries age
 * in seconds): the PIT's ticks, 10 ms apart, are fine enough, and cost no
 * TSC read and division per frame as clock_monotonic_ns does. */
static uint64_t vnet_now_ms(void *ctx)
{
	(void)ctx;
	return pit_ticks * (1000 / PIT_HZ);
}

struct vnet_switch *vnet_switch_at(int i)
{
	return i >= 0 && i < VNET_SWITCH_MAX && switches[i].used ? &switches[i] : NULL;
}

struct vnet_switch *vnet_switch_find(const char *name)
{
	for (int i = 0; i < VNET_SWITCH_MAX; i++)
		if (switches[i].used && !strcasecmp(switches[i].name, name))
			return &switches[i];
	return NULL;
}

/* The parent's adapter on sw: a host port with mac, its DHCP client on
 * (Windows enables DHCP on a new adapter; New-NetIPAddress turns it
 * off). */
static int host_attach(struct vsw *sw, const char *name, const uint8_t mac[6],
		       struct pnet_if **out)
{
	char alias[PNET_ALIAS_MAX];
	int rc;

	snprintf(alias, sizeof(alias), VNET_HOST_ALIAS_FMT, name);
	rc = pnet_if_add(sw, alias, mac, out);
	if (rc)
		return rc;
	rc = pnet_dhcp_set(*out, true);
	if (rc) {
		pnet_if_remove(*out);
		*out = NULL;
	}
	return rc;
}

/* An internal switch's adapter: a MAC from the dynamic pool. */
static int internal_attach(struct vsw *sw, const char *name, struct pnet_if **out)
{
	uint8_t mac[6];
	int rc = vnet_mac_new(mac);

	return rc ? rc : host_attach(sw, name, mac, out);
}

int vnet_switch_set_mgmt(struct vnet_switch *s, bool share, const uint8_t mac[6])
{
	int rc;

	if (s->type != VSW_TYPE_EXTERNAL)
		return -EINVAL;
	if (share == (s->host != NULL))
		return 0;
	if (!share) {
		pnet_if_remove(s->host);
		s->host = NULL;
		return vsw_set_mgmt_share(s->sw, false);
	}
	rc = vsw_set_mgmt_share(s->sw, true);
	if (!rc)
		rc = host_attach(s->sw, s->name, mac, &s->host);
	if (rc)
		vsw_set_mgmt_share(s->sw, false);
	return rc;
}

int vnet_switch_new(const char *name, enum vsw_type type, char *why, size_t n)
{
	struct vsw_config cfg = { .ops = { vnet_now_ms, NULL, NULL, NULL } };
	struct vnet_switch *s = NULL;

	if (vnet_switch_find(name)) {
		snprintf(why, n, "A virtual switch named \"%s\" already exists.", name);
		return -EEXIST;
	}
	for (int i = 0; i < VNET_SWITCH_MAX && !s; i++)
		if (!switches[i].used)
			s = &switches[i];
	if (!s) {
		snprintf(why, n, "No more than %d virtual switches.", VNET_SWITCH_MAX);
		return -ENOSPC;
	}
	if (vsw_create(name, type, &cfg, &s->sw)) {
		snprintf(why, n, "Not enough memory for the virtual switch \"%s\".", name);
		return -ENOMEM;
	}
	if (type == VSW_TYPE_INTERNAL && internal_attach(s->sw, name, &s->host)) {
		vsw_destroy(s->sw);
		s->sw = NULL;
		snprintf(why, n, "Could not create the management OS's adapter on \"%s\".", name);
		return -ENOMEM;
	}
	s->used = true;
	s->type = type;
	snprintf(s->name, sizeof(s->name), "%s", name);
	return 0;
}

void vnet_switch_delete(struct vnet_switch *s)
{
	/* The parent's adapter first: its DHCPRELEASE still has the
	 * uplink to leave by; then an external switch's uplink. */
	pnet_if_remove(s->host);
	pnic_unbind_switch(s);
	vsw_destroy(s->sw);
	memset(s, 0, sizeof(*s));
}

int vnet_each_nic(int (*fn)(struct vm *vm, int idx, const struct vmcfg_nic *nic, void *arg),
		  void *arg)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);
		int n = vm ? vmcfg_nic_count(&vm->cfg) : 0;

		for (int k = 0; k < n; k++) {
			struct vmcfg_nic nic;
			struct vmcfg_error err;
			int rc;

			if (vmcfg_get_nic(&vm->cfg, k, &nic, &err))
				continue;
			rc = fn(vm, k, &nic, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

struct users {
	const char *name;
	int n;
};

static int count_user(struct vm *vm, int idx, const struct vmcfg_nic *nic, void *arg)
{
	struct users *u = arg;

	(void)vm;
	(void)idx;
	if (!strcasecmp(nic->switch_name, u->name))
		u->n++;
	return 0;
}

int vnet_switch_users(const char *name)
{
	struct users u = { name, 0 };

	vnet_each_nic(count_user, &u);
	return u.n;
}

static int same_mac(struct vm *vm, int idx, const struct vmcfg_nic *nic, void *arg)
{
	(void)vm;
	(void)idx;
	return !memcmp(nic->mac, arg, 6);
}

bool vnet_mac_taken(const uint8_t mac[6])
{
	for (int i = 0; i < PNET_IF_MAX; i++) {
		const struct pnet_if *p = pnet_if_at(i);
		uint8_t m[6];

		if (p) {
			pnet_if_mac(p, m);
			if (!memcmp(m, mac, 6))
				return true;
		}
	}
	return vnet_each_nic(same_mac, (void *)mac) != 0;
}

int vnet_mac_new(uint8_t mac[6])
{
	for (unsigned lo = 1; lo <= 0xff; lo++) {
		const uint8_t m[6] = { 0x00, 0x15, 0x5d, VNET_MAC_B3, VNET_MAC_B4, (uint8_t)lo };

		if (!vnet_mac_taken(m)) {
			memcpy(mac, m, 6);
			return 0;
		}
	}
	return -ENOSPC;
}
