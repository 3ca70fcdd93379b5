/*
 * Get-NetAdapter (the NetAdapter module's table: Name,
 * InterfaceDescription, ifIndex, Status, MacAddress, LinkSpeed) and the
 * external half of New-VMSwitch (-NetAdapterName, -AllowManagementOS).
 * Physical adapters come from partition/pnic.c; the management OS's
 * virtual adapters ("vEthernet (S)", InterfaceDescription "Hyper-V
 * Virtual Ethernet Adapter", numbered "#2", "#3" after the first as
 * Windows numbers devices of one kind) from partition/vnet.c's switches:
 * one per internal switch, and one per external switch that allows the
 * management OS to share its adapter.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/net/pnet.h"
#include "partition/pnic.h"
#include "partition/vnet.h"

static const struct cmd_column na_cols[] = {
	{ "Name", NULL, 0 }, { "InterfaceDescription", NULL, 0 }, { "ifIndex", NULL, 0 },
	{ "Status", NULL, 0 }, { "MacAddress", NULL, 0 }, { "LinkSpeed", NULL, 0 },
};
static const struct cmd_type na_type = { "NetAdapter", false, na_cols, 6, NULL, NULL, NULL };

/* Windows writes a MAC as six dash-separated upper-case pairs. */
static void mac_dashes(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int na_emit(struct cmd_ctx *ctx, const char *name, const char *desc, int idx,
		   const char *status, const uint8_t mac[6], const char *speed, const char *sw)
{
	char m[18];

	mac_dashes(mac, m);
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("Name", name),
			CMD_PROP_STR("InterfaceDescription", desc),
			CMD_PROP_INT("ifIndex", idx),
			CMD_PROP_STR("Status", status),
			CMD_PROP_STR("MacAddress", m),
			CMD_PROP_STR("LinkSpeed", speed),
			/* Not Windows's: the switch a physical adapter is the
			 * uplink of, or a virtual adapter's switch. */
			CMD_PROP_STR("VMSwitch", sw),
		};

		return cmd_emit(ctx, &na_type, p, sizeof(p) / sizeof(p[0]));
	}
}

static int pnic_emit(struct cmd_ctx *ctx, const struct pnic *n)
{
	char speed[16];

	pnic_link_speed(n, speed, sizeof(speed));
	return na_emit(ctx, n->name, n->description, n->if_index, pnic_status(n), n->d.mac, speed,
		       n->bound ? n->bound->name : "");
}

/* Switch s gives the management OS a virtual adapter (an internal one
 * always, an external one with -AllowManagementOS: vnet.h). Its MAC is
 * its port's: from the dynamic pool on an internal switch, the physical
 * adapter's on an external one. */
static bool has_veth(const struct vnet_switch *s)
{
	return s->host != NULL;
}

static int veth_emit(struct cmd_ctx *ctx, const struct vnet_switch *s, int nth)
{
	char name[VSW_NAME_MAX + 16], desc[48];
	uint8_t mac[6];
	const struct pnic *n = pnic_of_switch(s);
	char speed[16] = "10 Gbps";   /* a vEthernet's nominal speed */

	snprintf(name, sizeof(name), "vEthernet (%s)", s->name);
	if (nth)
		snprintf(desc, sizeof(desc), "Hyper-V Virtual Ethernet Adapter #%d", nth + 1);
	else
		snprintf(desc, sizeof(desc), "Hyper-V Virtual Ethernet Adapter");
	pnet_if_mac(s->host, mac);
	if (n)
		pnic_link_speed(n, speed, sizeof(speed));
	/* ifIndex as Get-NetIPAddress and Get-NetIPInterface show it. */
	return na_emit(ctx, name, desc, pnet_if_index(s->host), n ? pnic_status(n) : "Up", mac,
		       speed, s->name);
}

static int cmdlet_get_netadapter(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *want = cmd_arg_str(a, "Name");
	bool physical = cmd_arg_present(a, "Physical");
	int rc = 0, found = 0, nth = 0;

	for (int i = 0; i < PNIC_MAX && !rc; i++) {
		const struct pnic *n = pnic_at(i);

		if (n && (!want || cmd_match_glob(want, n->name))) {
			found++;
			rc = pnic_emit(ctx, n);
		}
	}
	for (int i = 0; i < VNET_SWITCH_MAX && !rc && !physical; i++) {
		const struct vnet_switch *s = vnet_switch_at(i);
		char name[VSW_NAME_MAX + 16];

		if (!s || !has_veth(s))
			continue;
		snprintf(name, sizeof(name), "vEthernet (%s)", s->name);
		if (!want || cmd_match_glob(want, name)) {
			found++;
			rc = veth_emit(ctx, s, nth);
		}
		nth++;
	}
	if (!found && want && !strpbrk(want, "*?["))
		return cmd_error(ctx, a, "No MSFT_NetAdapter objects found with property 'Name' equal to '%s'. Verify the value of the property and retry.", want);
	return rc;
}

static const struct cmd_column st_cols[] = {
	{ "Name", NULL, 0 }, { "ReceivedBytes", NULL, 0 }, { "ReceivedUnicastPackets", NULL, 0 },
	{ "SentBytes", NULL, 0 }, { "SentUnicastPackets", NULL, 0 },
};
static const struct cmd_type st_type = { "NetAdapterStatistics", false, st_cols, 5, NULL, NULL, NULL };

static int stats_emit(struct cmd_ctx *ctx, const struct pnic *n)
{
	const struct e1000_stats *st = &n->d.st;
	const struct e1000_uplink_stats *u = &n->up.st;
	const struct cmd_prop p[] = {
		CMD_PROP_STR("Name", n->name),
		CMD_PROP_INT("ReceivedBytes", (int64_t)st->rx_bytes),
		CMD_PROP_INT("ReceivedUnicastPackets", (int64_t)u->rx_uc),
		CMD_PROP_INT("SentBytes", (int64_t)st->tx_bytes),
		CMD_PROP_INT("SentUnicastPackets", (int64_t)u->tx_uc),
		CMD_PROP_INT("ReceivedMulticastPackets", (int64_t)u->rx_mc),
		CMD_PROP_INT("ReceivedBroadcastPackets", (int64_t)u->rx_bc),
		CMD_PROP_INT("SentMulticastPackets", (int64_t)u->tx_mc),
		CMD_PROP_INT("SentBroadcastPackets", (int64_t)u->tx_bc),
		/* Frames with errors, the ones the receiver had no room for,
		 * and those that came while no switch was bound. */
		CMD_PROP_INT("ReceivedDiscardedPackets",
			     (int64_t)(st->rx_errors + st->rx_missed + u->rx_unbound)),
		CMD_PROP_INT("OutboundDiscardedPackets", (int64_t)u->tx_dropped),
	};

	return cmd_emit(ctx, &st_type, p, sizeof(p) / sizeof(p[0]));
}

static int cmdlet_get_netadapterstatistics(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *want = cmd_arg_str(a, "Name");
	int rc = 0, found = 0;

	for (int i = 0; i < PNIC_MAX && !rc; i++) {
		const struct pnic *n = pnic_at(i);

		if (n && (!want || cmd_match_glob(want, n->name))) {
			found++;
			rc = stats_emit(ctx, n);
		}
	}
	if (!found && want && !strpbrk(want, "*?["))
		return cmd_error(ctx, a, "No MSFT_NetAdapterStatisticsSettingData objects found with property 'Name' equal to '%s'. Verify the value of the property and retry.", want);
	return rc;
}

/* New-VMSwitch -NetAdapterName: the switch, then its uplink. */
int cmdlet_new_external_switch(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name)
{
	const char *nic_name = cmd_arg_str(a, "NetAdapterName");
	const char *allow = cmd_arg_str(a, "AllowManagementOS");
	struct pnic *n = pnic_find(nic_name);
	struct vnet_switch *s;
	int64_t share = 1;   /* Hyper-V's default: shared */
	char why[160];

	if (allow && cmd_parse_bool(allow, &share))
		return cmd_error(ctx, a, "Cannot process argument transformation on parameter 'AllowManagementOS'. Cannot convert value \"%s\" to type \"System.Boolean\".", allow);
	if (!nic_name)
		return cmd_error(ctx, a, "An external switch needs -NetAdapterName (Get-NetAdapter lists the physical adapters).");
	if (!n)
		return cmd_error(ctx, a, "No MSFT_NetAdapter objects found with property 'Name' equal to '%s'. Verify the value of the property and retry.", nic_name);
	if (n->bound)
		return cmd_error(ctx, a, "Failed while adding virtual Ethernet switch connections. External Ethernet adapter '%s' is already bound to the Microsoft Virtual Switch protocol (virtual switch \"%s\").", n->name, n->bound->name);
	if (vnet_switch_new(name, VSW_TYPE_EXTERNAL, why, sizeof(why)))
		return cmd_error(ctx, a, "%s", why);
	s = vnet_switch_find(name);
	if (pnic_bind(n, s)) {
		vnet_switch_delete(s);
		return cmd_error(ctx, a, "Failed while adding virtual Ethernet switch connections: the switch refused '%s' as its uplink.", n->name);
	}
	/* After the uplink: the adapter's first DHCPDISCOVER goes out. */
	if (share && vnet_switch_set_mgmt(s, true, n->d.mac)) {
		vnet_switch_delete(s);
		return cmd_error(ctx, a, "Failed while adding virtual Ethernet switch connections: could not create the management OS's adapter on \"%s\".", name);
	}
	return 0;
}

/* Set-VMSwitch -AllowManagementOS: the management OS's adapter on an
 * external switch comes or goes (its address with it). */
static int cmdlet_set_vmswitch(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg_str(a, "Name"), *allow = cmd_arg_str(a, "AllowManagementOS");
	struct vnet_switch *s = vnet_switch_find(name);
	struct pnic *n;
	int64_t share;
	int rc;

	if (!s)
		return cmd_error(ctx, a, "Hyper-V was unable to find a virtual switch with name \"%s\".", name);
	if (!allow)
		return 0;   /* nothing to change */
	if (cmd_parse_bool(allow, &share))
		return cmd_error(ctx, a, "Cannot process argument transformation on parameter 'AllowManagementOS'. Cannot convert value \"%s\" to type \"System.Boolean\".", allow);
	n = pnic_of_switch(s);
	if (s->type != VSW_TYPE_EXTERNAL || !n)
		return cmd_error(ctx, a, "Failed while modifying virtual Ethernet switch \"%s\": -AllowManagementOS applies to an external switch (an internal switch always has the management OS's adapter, a private one never).", s->name);
	rc = vnet_switch_set_mgmt(s, share != 0, n->d.mac);
	if (rc == -EEXIST)
		return cmd_error(ctx, a, "Failed while modifying virtual Ethernet switch \"%s\": a virtual machine's network adapter on it has the MAC address of '%s', which the management OS's adapter takes.", s->name, n->name);
	if (rc)
		return cmd_error(ctx, a, "Failed while modifying virtual Ethernet switch \"%s\": could not create the management OS's adapter.", s->name);
	return 0;
}

/* Get-VMSwitch's NetAdapterInterfaceDescription. */
const char *cmdlet_switch_nic_description(const struct vnet_switch *s)
{
	const struct pnic *n = pnic_of_switch(s);

	return n ? n->description : "";
}

static const struct cmd_param p_get_na[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Adapter name (wildcards allowed).", CMD_ALIASES("ifAlias", "InterfaceAlias") },
	{ "Physical", CMD_P_SWITCH, 0, -1, "Only the physical adapters.", NULL },
};

static const struct cmd_param p_set_sw[] = {
	{ "Name", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_PIPELINE, 0, "Switch name.", CMD_ALIASES("SwitchName") },
	{ "AllowManagementOS", CMD_P_STRING, 0, -1, "External switch: $true gives the management OS its adapter \"vEthernet (S)\" on it, $false takes it away.", NULL },
};

static const struct cmd_param p_get_st[] = {
	{ "Name", CMD_P_STRING, 0, 0, "Adapter name (wildcards allowed).", CMD_ALIASES("ifAlias", "InterfaceAlias") },
};

const struct cmd_def cmdlets_netadapter[] = {
	{ "Get-NetAdapter", "Lists the host's network adapters.",
	  "Lists the parent's network adapters: the physical ones (Intel 82540EM, named Ethernet, Ethernet 2, ...; Status Up or Disconnected from the link) and the management OS's virtual ones, vEthernet (S), one per internal switch and per external switch created with -AllowManagementOS $true. Format-List adds VMSwitch: the switch an adapter is the uplink of, or a virtual adapter's switch.",
	  p_get_na, 2, cmdlet_get_netadapter, NULL },
	{ "Get-NetAdapterStatistics", "Shows a physical network adapter's counters.",
	  "Bytes and frames received and sent by the physical adapters: ReceivedBytes, ReceivedUnicastPackets, SentBytes, SentUnicastPackets; Format-List adds the multicast and broadcast frames and the discarded ones (received with errors, without room, or while no switch was bound; sent but refused by the adapter).",
	  p_get_st, 1, cmdlet_get_netadapterstatistics, NULL },
	{ "Set-VMSwitch", "Changes a virtual switch.",
	  "-AllowManagementOS $true|$false on an external switch: the management OS's adapter \"vEthernet (S)\" (the physical adapter's MAC, DHCP on) is created on it or removed with its address; Get-NetAdapter shows it or not, Get-VMSwitch | Format-List AllowManagementOS tells which.",
	  p_set_sw, 2, cmdlet_set_vmswitch, NULL },
};
const int cmdlets_netadapter_count = sizeof(cmdlets_netadapter) / sizeof(cmdlets_netadapter[0]);
