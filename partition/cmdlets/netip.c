/*
 * The parent's own IP cmdlets (issue 16 item 4), with the names,
 * parameters, views and errors of Windows' NetTCPIP module and of
 * Windows PowerShell 5.1's Test-Connection: New-NetIPAddress,
 * Get-NetIPAddress, Remove-NetIPAddress, Get-NetIPInterface and
 * Set-NetIPInterface -Dhcp on the parent's adapters ("vEthernet (S)", one
 * per internal switch and per external switch that allows the management
 * OS, partition/vnet.h), and Test-Connection, which pings from the parent
 * (partition/net/pnet.h). An adapter has one IPv4 address: static
 * (New-NetIPAddress, which turns its DHCP client off, as it does in
 * Windows) or leased by DHCP (on when the adapter is created). Addresses
 * live in memory, like the switches they sit on: Windows' ActiveStore,
 * never its PersistentStore.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "partition/clock.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/console/cmd.h"
#include "partition/drivers/serial.h"
#include "partition/net/pnet.h"
#include "partition/pnic.h"
#include "partition/vm.h"
#include "partition/vnet.h"

#define NS_PER_MS 1000000ull
/* Windows PowerShell 5.1's Test-Connection defaults: 4 echoes of 32
 * bytes, one a second, TTL 80 (its help, "Parameters"). */
#define PING_COUNT_DEFAULT 4
#define PING_BYTES_DEFAULT 32
#define PING_DELAY_DEFAULT 1
#define PING_TTL_DEFAULT 80
/* How long one echo waits for its reply (ping.exe's default, 4 s). */
#define PING_TIMEOUT_MS 4000
#define PING_DATA_MAX 1472   /* one frame; the parent does not fragment pings */
#define PING_COUNT_MAX 1000000
#define PING_DELAY_MAX 60

static const char *const families[] = { "IPv4", NULL };

/* MSFT_NetIPAddress's list view, property by property. */
static const struct cmd_column addr_cols[] = {
	{ "IPAddress", NULL, 0 }, { "InterfaceIndex", NULL, 0 }, { "InterfaceAlias", NULL, 0 },
	{ "AddressFamily", NULL, 0 }, { "Type", NULL, 0 }, { "PrefixLength", NULL, 0 },
	{ "PrefixOrigin", NULL, 0 }, { "SuffixOrigin", NULL, 0 }, { "AddressState", NULL, 0 },
	{ "ValidLifetime", NULL, 0 }, { "PreferredLifetime", NULL, 0 }, { "SkipAsSource", NULL, 0 },
	{ "PolicyStore", NULL, 0 },
};
static const struct cmd_type addr_type = { "NetIPAddress", true, addr_cols, 13, NULL, NULL, NULL };

/* Win32_PingStatus's table in Windows PowerShell 5.1. */
static const struct cmd_column ping_cols[] = {
	{ "Source", NULL, 0 }, { "Destination", NULL, 0 }, { "IPV4Address", NULL, 0 },
	{ "IPV6Address", NULL, 0 }, { "Bytes", NULL, 0 }, { "ResponseTime", "Time(ms)", 0 },
};
static const struct cmd_type ping_type = { "PingStatus", false, ping_cols, 6, NULL, NULL, NULL };

/* ---- addresses ---- */

/* PowerShell's ValidateRange errors. */
static int range_error(struct cmd_ctx *ctx, const struct cmd_args *a, const char *p, int64_t v,
		       int64_t lo, int64_t hi)
{
	if (v < lo)
		return cmd_error(ctx, a, "Cannot validate argument on parameter '%s'. The %lld argument is less than the minimum allowed range of %lld. Supply an argument that is greater than or equal to %lld and then try the command again.", p, (long long)v, (long long)lo, (long long)lo);
	return cmd_error(ctx, a, "Cannot validate argument on parameter '%s'. The %lld argument is greater than the maximum allowed range of %lld. Supply an argument that is less than or equal to %lld and then try the command again.", p, (long long)v, (long long)hi, (long long)hi);
}


/* CIM's error when a query finds nothing, as the NetTCPIP cmdlets print it. */
static int cim_none(struct cmd_ctx *ctx, const struct cmd_args *a, const char *cls,
		    const char *prop, const char *val)
{
	return cmd_error(ctx, a, "No matching %s objects found by CIM query for instances of the "
			 "ROOT/StandardCimv2/%s class on the  CIM server: SELECT * FROM %s  WHERE "
			 "((%s LIKE '%s')). Verify query parameters and retry.", cls, cls, cls, prop, val);
}

/* A lease's lifetime as Get-NetIPAddress shows a TimeSpan. */
#define LIFE_INFINITE "Infinite ([TimeSpan]::MaxValue)"

static int addr_emit(struct cmd_ctx *ctx, const struct pnet_if *nif)
{
	enum pnet_origin o = pnet_addr_origin(nif);
	bool dhcp = o == PNET_ORIGIN_DHCP;
	struct pnet_lease lease = { UINT32_MAX, 0, 0 };
	/* Windows' APIPA address: prefix WellKnown (169.254/16), suffix Link. */
	const char *prefix_origin = dhcp ? "Dhcp" : o == PNET_ORIGIN_LINK ? "WellKnown" : "Manual";
	const char *suffix_origin = dhcp ? "Dhcp" : o == PNET_ORIGIN_LINK ? "Link" : "Manual";
	uint32_t ip;
	unsigned prefix;
	char text[16];

	if (!pnet_addr_get(nif, &ip, &prefix))
		return 0;
	pnet_ip_format(ip, text);
	if (dhcp)
		pnet_dhcp_lease(nif, &lease);
	{
		/* Windows gives a leased address the lease's remaining time
		 * as both lifetimes. */
		const struct cmd_prop life = lease.left_s == UINT32_MAX
			? (struct cmd_prop)CMD_PROP_STR("ValidLifetime", LIFE_INFINITE)
			: (struct cmd_prop)CMD_PROP_SPAN("ValidLifetime", lease.left_s);
		const struct cmd_prop p[] = {
			CMD_PROP_STR("IPAddress", text),
			CMD_PROP_INT("InterfaceIndex", pnet_if_index(nif)),
			CMD_PROP_STR("InterfaceAlias", pnet_if_alias(nif)),
			CMD_PROP_STR("AddressFamily", "IPv4"),
			CMD_PROP_STR("Type", "Unicast"),
			CMD_PROP_INT("PrefixLength", prefix),
			CMD_PROP_STR("PrefixOrigin", prefix_origin),
			CMD_PROP_STR("SuffixOrigin", suffix_origin),
			CMD_PROP_STR("AddressState", "Preferred"),
			life,
			{ "PreferredLifetime", life.v },
			CMD_PROP_BOOL("SkipAsSource", false),
			CMD_PROP_STR("PolicyStore", "ActiveStore"),
		};

		return cmd_emit(ctx, &addr_type, p, 13);
	}
}

/* The adapter -InterfaceAlias or -InterfaceIndex names: NULL after the
 * error. Both absent is an error too (the caller checks when allowed). */
static struct pnet_if *if_named(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *alias = cmd_arg_str(a, "InterfaceAlias");
	int64_t idx = cmd_arg_int(a, "InterfaceIndex", -1);
	char num[24];

	for (int i = 0; i < PNET_IF_MAX; i++) {
		struct pnet_if *p = pnet_if_at(i);

		if (p && (alias ? cmd_match_glob(alias, pnet_if_alias(p)) : pnet_if_index(p) == idx))
			return p;
	}
	snprintf(num, sizeof(num), "%lld", (long long)idx);
	cim_none(ctx, a, "MSFT_NetIPInterface", alias ? "InterfaceAlias" : "InterfaceIndex",
		 alias ? alias : num);
	return NULL;
}

/* -IPAddress as an IPv4 address: 0, or -EINVAL after the error. */
static int ip_arg(struct cmd_ctx *ctx, const struct cmd_args *a, uint32_t *ip)
{
	const char *s = cmd_arg_str(a, "IPAddress");

	if (pnet_ip_parse(s, ip) == 0)
		return 0;
	cmd_error(ctx, a, "Invalid parameter IPAddress %s", s);
	return -EINVAL;
}

/* -DefaultGateway, when given; 0 when not. */
static int gw_arg(struct cmd_ctx *ctx, const struct cmd_args *a, uint32_t *gw)
{
	const char *s = cmd_arg_str(a, "DefaultGateway");

	*gw = 0;
	if (!s || pnet_ip_parse(s, gw) == 0)
		return 0;
	cmd_error(ctx, a, "Invalid parameter DefaultGateway %s", s);
	return -EINVAL;
}

static int cmdlet_new_netipaddress(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int64_t prefix = cmd_arg_int(a, "PrefixLength", 32);
	struct pnet_if *nif;
	uint32_t ip, gw, have;
	unsigned have_prefix;
	char text[16];
	int rc;

	if (cmd_arg_enum(ctx, a, "AddressFamily", families, 0) < 0)
		return 0;
	if (!cmd_arg_str(a, "InterfaceAlias") && !cmd_arg_at(a, "InterfaceIndex", 0))
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named parameters: give -InterfaceAlias or -InterfaceIndex.");
	if (prefix < 0 || prefix > 32)
		return range_error(ctx, a, "PrefixLength", prefix, 0, 32);
	if (ip_arg(ctx, a, &ip) || gw_arg(ctx, a, &gw))
		return 0;
	nif = if_named(ctx, a);
	if (!nif)
		return 0;
	if (pnet_addr_origin(nif) == PNET_ORIGIN_MANUAL && pnet_addr_get(nif, &have, &have_prefix)) {
		if (have == ip)
			return cmd_error(ctx, a, "The object already exists.");
		pnet_ip_format(have, text);
		return cmd_error(ctx, a, "'%s' has the address %s/%u already: the parent keeps one IPv4 address per adapter (Remove-NetIPAddress -IPAddress %s first).", pnet_if_alias(nif), text, have_prefix, text);
	}
	if (!pnet_addr_check(ip, (unsigned)prefix))
		return cmd_error(ctx, a, "Invalid parameter IPAddress %s: not a unicast address of a /%lld subnet.", cmd_arg_str(a, "IPAddress"), (long long)prefix);
	/* Windows: a static address turns the adapter's DHCP off (its lease
	 * goes); Set-NetIPInterface -Dhcp Enabled turns it back on. */
	if (gw && !pnet_gateway_check(ip, (unsigned)prefix, gw))
		return cmd_error(ctx, a, "Invalid parameter DefaultGateway %s: not another address of the subnet %s/%lld.", cmd_arg_str(a, "DefaultGateway"), cmd_arg_str(a, "IPAddress"), (long long)prefix);
	pnet_dhcp_set(nif, false);
	rc = pnet_addr_set(nif, ip, (unsigned)prefix, gw);
	if (rc)
		return cmd_error(ctx, a, "Invalid parameter IPAddress %s: not a unicast address of a /%lld subnet.", cmd_arg_str(a, "IPAddress"), (long long)prefix);
	return addr_emit(ctx, nif);
}

/* Whether adapter p has an address that -IPAddress, -InterfaceAlias and
 * -InterfaceIndex (each optional, idx < 0: any) select. */
static bool addr_selected(struct pnet_if *p, const char *want_ip, const char *alias, int64_t idx)
{
	uint32_t ip;
	unsigned prefix;
	char text[16];

	if (!p || !pnet_addr_get(p, &ip, &prefix))
		return false;
	pnet_ip_format(ip, text);
	return (!want_ip || cmd_match_glob(want_ip, text)) &&
	       (!alias || cmd_match_glob(alias, pnet_if_alias(p))) &&
	       (idx < 0 || pnet_if_index(p) == idx);
}

static int cmdlet_get_netipaddress(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *want_ip = cmd_arg_str(a, "IPAddress"), *alias = cmd_arg_str(a, "InterfaceAlias");
	int64_t idx = cmd_arg_int(a, "InterfaceIndex", -1);
	int found = 0, rc = 0;

	if (cmd_arg_enum(ctx, a, "AddressFamily", families, 0) < 0)
		return 0;
	for (int i = 0; i < PNET_IF_MAX && rc == 0; i++) {
		struct pnet_if *p = pnet_if_at(i);

		if (!addr_selected(p, want_ip, alias, idx))
			continue;
		found++;
		rc = addr_emit(ctx, p);
	}
	if (!found && (want_ip || alias))
		return cim_none(ctx, a, "MSFT_NetIPAddress", want_ip ? "IPAddress" : "InterfaceAlias",
				want_ip ? want_ip : alias);
	return rc;
}

static int cmdlet_remove_netipaddress(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *want_ip = cmd_arg_str(a, "IPAddress"), *alias = cmd_arg_str(a, "InterfaceAlias");
	int found = 0;

	if (!want_ip && !alias)
		return cmd_error(ctx, a, "Give -IPAddress or -InterfaceAlias.");
	for (int i = 0; i < PNET_IF_MAX; i++) {
		struct pnet_if *p = pnet_if_at(i);

		if (!addr_selected(p, want_ip, alias, -1))
			continue;
		found++;
		if (pnet_addr_clear(p) == -EBUSY)
			return cmd_error(ctx, a, "The address on '%s' is leased by DHCP: Set-NetIPInterface -InterfaceAlias \"%s\" -Dhcp Disabled gives it up.", pnet_if_alias(p), pnet_if_alias(p));
	}
	if (!found)
		return cim_none(ctx, a, "MSFT_NetIPAddress", want_ip ? "IPAddress" : "InterfaceAlias",
				want_ip ? want_ip : alias);
	return 0;
}

/* ---- interfaces: Get-/Set-NetIPInterface ---- */

static const char *const dhcp_states[] = { "Disabled", "Enabled", NULL };
static const char *const conn_states[] = { "Disconnected", "Connected", NULL };

/* MSFT_NetIPInterface's table. */
static const struct cmd_column ipif_cols[] = {
	{ "ifIndex", NULL, 0 }, { "InterfaceAlias", NULL, 0 }, { "AddressFamily", NULL, 0 },
	{ "NlMtu", "NlMtu(Bytes)", 0 }, { "InterfaceMetric", NULL, 0 }, { "Dhcp", NULL, 0 },
	{ "ConnectionState", NULL, 0 }, { "PolicyStore", NULL, 0 },
};
static const struct cmd_type ipif_type = { "NetIPInterface", false, ipif_cols, 8, NULL, NULL, NULL };

/* The physical adapter under nif's switch (an external one), or NULL. */
static const struct pnic *if_pnic(const struct pnet_if *nif)
{
	for (int i = 0; i < VNET_SWITCH_MAX; i++) {
		const struct vnet_switch *s = vnet_switch_at(i);

		if (s && s->host == nif)
			return pnic_of_switch(s);
	}
	return NULL;
}

/* Windows' automatic interface metric from the link speed ("An
 * explanation of the Automatic Metric feature for IPv4 routes",
 * Microsoft KB 299540): 5 from 2 Gbps, 10 from 200 Mbps. A vEthernet on
 * an internal switch is a 10 Gbps link. */
static int if_metric(const struct pnic *n)
{
	unsigned mbps = n && n->d.link_up ? e1000_link_speed((struct e1000 *)&n->d) : 10000;

	return mbps >= 2000 ? 5 : mbps >= 200 ? 10 : 20;
}

static int ipif_emit(struct cmd_ctx *ctx, const struct pnet_if *nif)
{
	const struct pnic *n = if_pnic(nif);
	const struct cmd_prop p[] = {
		CMD_PROP_INT("ifIndex", pnet_if_index(nif)),
		CMD_PROP_STR("InterfaceAlias", pnet_if_alias(nif)),
		CMD_PROP_STR("AddressFamily", "IPv4"),
		CMD_PROP_INT("NlMtu", VSW_MTU_DEFAULT),
		CMD_PROP_INT("InterfaceMetric", if_metric(n)),
		CMD_PROP_ENUM("Dhcp", pnet_dhcp_on(nif), dhcp_states),
		CMD_PROP_ENUM("ConnectionState", !n || n->d.link_up, conn_states),
		CMD_PROP_STR("PolicyStore", "ActiveStore"),
	};

	return cmd_emit(ctx, &ipif_type, p, sizeof(p) / sizeof(p[0]));
}

static int cmdlet_get_netipinterface(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *alias = cmd_arg_str(a, "InterfaceAlias");
	int64_t idx = cmd_arg_int(a, "InterfaceIndex", -1);
	int found = 0, rc = 0;

	if (cmd_arg_enum(ctx, a, "AddressFamily", families, 0) < 0)
		return 0;
	for (int i = 0; i < PNET_IF_MAX && rc == 0; i++) {
		struct pnet_if *p = pnet_if_at(i);

		if (!p || (alias && !cmd_match_glob(alias, pnet_if_alias(p))) ||
		    (idx >= 0 && pnet_if_index(p) != idx))
			continue;
		found++;
		rc = ipif_emit(ctx, p);
	}
	if (!found && alias && !strpbrk(alias, "*?["))
		return cim_none(ctx, a, "MSFT_NetIPInterface", "InterfaceAlias", alias);
	return rc;
}

/* Set-NetIPInterface -Dhcp: Enabled starts the adapter's DHCP client (a
 * static address goes: the parent keeps one per adapter), Disabled
 * releases its lease and stops it. */
static int cmdlet_set_netipinterface(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int dhcp = cmd_arg_enum(ctx, a, "Dhcp", dhcp_states, -1);
	struct pnet_if *nif;

	if (dhcp < -1 || cmd_arg_enum(ctx, a, "AddressFamily", families, 0) < 0)
		return 0;
	if (!cmd_arg_str(a, "InterfaceAlias") && !cmd_arg_at(a, "InterfaceIndex", 0))
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named parameters: give -InterfaceAlias or -InterfaceIndex.");
	nif = if_named(ctx, a);
	if (!nif || dhcp < 0)
		return 0;
	if (pnet_dhcp_set(nif, dhcp == 1))
		return cmd_error(ctx, a, "Not enough memory to start the DHCP client on '%s'.", pnet_if_alias(nif));
	return 0;
}

/* ---- Test-Connection ---- */

struct ping_job {
	uint32_t dst;
	const char *name;
	uint16_t bytes;
	uint8_t ttl;
	bool interrupted;
};

/* Serves the children until end (monotonic ns) or, with want, until the
 * reply to echo seq: true if it came. Ctrl-C ends the wait (and the job),
 * as in PowerShell; keys typed meanwhile stay for the console. */
static bool ping_wait(struct ping_job *j, uint64_t end, bool want, uint16_t seq)
{
	for (;;) {
		if (want && pnet_ping_reply(seq))
			return true;
		if (clock_monotonic_ns() >= end)
			return false;
		if (serial_take_interrupt()) {
			j->interrupted = true;
			return false;
		}
		vm_idle();
	}
}

static int ping_row(struct cmd_ctx *ctx, const struct ping_job *j, uint64_t ms)
{
	char ip[16];

	pnet_ip_format(j->dst, ip);
	{
		const struct cmd_prop p[] = {
			CMD_PROP_STR("Source", "hvpart"),
			CMD_PROP_STR("Destination", j->name),
			CMD_PROP_STR("IPV4Address", ip),
			CMD_PROP_STR("IPV6Address", ""),
			CMD_PROP_INT("Bytes", j->bytes),
			CMD_PROP_INT("ResponseTime", (int64_t)ms),
			CMD_PROP_INT("TimeToLive", j->ttl),
			CMD_PROP_INT("StatusCode", 0),
		};

		return cmd_emit(ctx, &ping_type, p, 8);
	}
}

/* One echo: 1 replied (and its row emitted unless quiet), 0 not. */
static int ping_one(struct cmd_ctx *ctx, struct ping_job *j, uint16_t seq, bool quiet)
{
	uint64_t t0 = clock_monotonic_ns();

	if (pnet_ping_send(j->dst, seq, j->bytes, j->ttl))
		return 0;
	if (!ping_wait(j, t0 + PING_TIMEOUT_MS * NS_PER_MS, true, seq))
		return 0;
	if (!quiet && ping_row(ctx, j, (clock_monotonic_ns() - t0) / NS_PER_MS))
		return -1;
	return 1;
}

/* The numeric parameters against their ranges: 0, or 1 after the error. */
static int ping_args(struct cmd_ctx *ctx, const struct cmd_args *a, int64_t *count, int64_t *delay,
		     struct ping_job *j)
{
	static const struct { const char *name; int64_t def, lo, hi; } r[] = {
		{ "Count", PING_COUNT_DEFAULT, 1, PING_COUNT_MAX },
		{ "Delay", PING_DELAY_DEFAULT, 1, PING_DELAY_MAX },
		{ "BufferSize", PING_BYTES_DEFAULT, 0, PING_DATA_MAX },
		{ "TimeToLive", PING_TTL_DEFAULT, 1, 255 },
	};
	int64_t v[4];

	for (int i = 0; i < 4; i++) {
		v[i] = cmd_arg_int(a, r[i].name, r[i].def);
		if (v[i] < r[i].lo || v[i] > r[i].hi)
			return range_error(ctx, a, r[i].name, v[i], r[i].lo, r[i].hi), 1;
	}
	*count = v[0];
	*delay = v[1];
	j->bytes = (uint16_t)v[2];
	j->ttl = (uint8_t)v[3];
	return 0;
}

/* -Quiet's one result, shown bare: True or False. */
static int emit_bool(struct cmd_ctx *ctx, bool b)
{
	const struct cmd_prop p[] = { CMD_PROP_BOOL("Value", b) };

	return cmd_emit(ctx, &cmd_type_value, p, 1);
}

static int cmdlet_test_connection(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct ping_job j = { 0, cmd_arg_str(a, "ComputerName"), 0, 0, false };
	bool quiet = cmd_arg_present(a, "Quiet");
	int64_t count, delay, ok = 0;

	if (ping_args(ctx, a, &count, &delay, &j))
		return 0;
	if (pnet_ip_parse(j.name, &j.dst))
		return quiet ? emit_bool(ctx, false)
			     : cmd_error(ctx, a, "Testing connection to computer '%s' failed: No such host is known", j.name);
	for (int64_t i = 0; i < count && !j.interrupted; i++) {
		int rc;

		if (i && ping_wait(&j, clock_monotonic_ns() + (uint64_t)delay * 1000 * NS_PER_MS, false, 0))
			break;
		if (j.interrupted)
			break;
		rc = ping_one(ctx, &j, (uint16_t)(i + 1), quiet);
		if (rc < 0)
			break;
		ok += rc;
	}
	pnet_ping_end();
	if (j.interrupted)
		return 0;
	if (quiet)
		return emit_bool(ctx, ok > 0);
	if (!ok)
		return cmd_error(ctx, a, "Testing connection to computer '%s' failed: Error due to lack of resources", j.name);
	return 0;
}

static const struct cmd_param p_new_addr[] = {
	{ "InterfaceAlias", CMD_P_STRING, 0, -1, "The adapter: \"vEthernet (S)\" for internal switch S.", CMD_ALIASES("ifAlias") },
	{ "IPAddress", CMD_P_STRING, CMD_F_REQUIRED, -1, "The IPv4 address, dotted decimal.", CMD_ALIASES("LocalAddress") },
	{ "PrefixLength", CMD_P_INT, 0, -1, "Subnet prefix length, 1 to 32 (default 32).", NULL },
	{ "InterfaceIndex", CMD_P_INT, 0, -1, "The adapter by its index (Get-NetIPAddress shows it).", CMD_ALIASES("ifIndex") },
	{ "AddressFamily", CMD_P_STRING, 0, -1, "IPv4 (the only family the parent has).", NULL },
	{ "DefaultGateway", CMD_P_STRING, 0, -1, "The default gateway (off-link destinations go to it).", NULL },
};
static const struct cmd_param p_get_addr[] = {
	{ "IPAddress", CMD_P_STRING, 0, 0, "Only this address (wildcards allowed).", CMD_ALIASES("LocalAddress") },
	{ "InterfaceAlias", CMD_P_STRING, 0, -1, "Only this adapter's (wildcards allowed).", CMD_ALIASES("ifAlias") },
	{ "InterfaceIndex", CMD_P_INT, 0, -1, "Only the adapter with this index.", CMD_ALIASES("ifIndex") },
	{ "AddressFamily", CMD_P_STRING, 0, -1, "IPv4.", NULL },
};
static const struct cmd_param p_rm_addr[] = {
	{ "IPAddress", CMD_P_STRING, CMD_F_PIPELINE, 0, "The address to remove (wildcards allowed).", CMD_ALIASES("LocalAddress") },
	{ "InterfaceAlias", CMD_P_STRING, 0, -1, "Remove this adapter's address.", CMD_ALIASES("ifAlias") },
	{ "Confirm", CMD_P_SWITCH, 0, -1, "Accepted; the parent's console does not ask.", CMD_ALIASES("cf") },
};
static const struct cmd_param p_get_ipif[] = {
	{ "InterfaceAlias", CMD_P_STRING, 0, 0, "Only this adapter (wildcards allowed).", CMD_ALIASES("ifAlias") },
	{ "InterfaceIndex", CMD_P_INT, 0, -1, "Only the adapter with this index.", CMD_ALIASES("ifIndex") },
	{ "AddressFamily", CMD_P_STRING, 0, -1, "IPv4.", NULL },
};
static const struct cmd_param p_set_ipif[] = {
	{ "InterfaceAlias", CMD_P_STRING, 0, 0, "The adapter, \"vEthernet (S)\".", CMD_ALIASES("ifAlias") },
	{ "InterfaceIndex", CMD_P_INT, 0, -1, "The adapter by its index.", CMD_ALIASES("ifIndex") },
	{ "Dhcp", CMD_P_STRING, 0, -1, "Enabled: the adapter asks for an address by DHCP (a static one goes); Disabled: it releases its lease.", NULL },
	{ "AddressFamily", CMD_P_STRING, 0, -1, "IPv4.", NULL },
};
static const struct cmd_param p_ping[] = {
	{ "ComputerName", CMD_P_STRING, CMD_F_REQUIRED, 0, "The IPv4 address to ping (the parent has no name resolution).", CMD_ALIASES("CN", "IPAddress", "__SERVER", "Server", "Destination") },
	{ "Count", CMD_P_INT, 0, -1, "Echo requests to send (default 4).", NULL },
	{ "BufferSize", CMD_P_INT, 0, -1, "Data bytes in each (default 32, at most 1472).", CMD_ALIASES("Size", "Bytes", "BS") },
	{ "Delay", CMD_P_INT, 0, -1, "Seconds between requests (default 1).", NULL },
	{ "TimeToLive", CMD_P_INT, 0, -1, "The requests' IP time to live (default 80).", CMD_ALIASES("TTL") },
	{ "Quiet", CMD_P_SWITCH, 0, -1, "Print True if any reply came, else False.", NULL },
};

const struct cmd_def cmdlets_netip[] = {
	{ "New-NetIPAddress", "Gives one of the parent's adapters an IPv4 address.",
	  "Sets the IPv4 address and prefix length of the parent's adapter \"vEthernet (S)\" on switch S (one address per adapter; its DHCP client stops, as in Windows). Children on the switch then reach the parent at that address: it answers ARP and ping. The address lives in memory (ActiveStore), as the switch does.",
	  p_new_addr, 6, cmdlet_new_netipaddress, NULL },
	{ "Get-NetIPAddress", "Lists the parent's IP addresses.",
	  "Lists the addresses of the parent's adapters, each as a list: IPAddress, InterfaceIndex, InterfaceAlias, AddressFamily, Type, PrefixLength, PrefixOrigin, SuffixOrigin, AddressState, ValidLifetime, PreferredLifetime, SkipAsSource, PolicyStore.",
	  p_get_addr, 4, cmdlet_get_netipaddress, NULL },
	{ "Remove-NetIPAddress", "Removes an IP address from the parent's adapter.",
	  "Removes a static address (the adapter no longer answers at it); a DHCP lease goes with Set-NetIPInterface -Dhcp Disabled.",
	  p_rm_addr, 3, cmdlet_remove_netipaddress, NULL },
	{ "Get-NetIPInterface", "Lists the parent's IP interfaces.",
	  "Lists the parent's adapters as IP interfaces: ifIndex, InterfaceAlias, AddressFamily, NlMtu(Bytes), InterfaceMetric, Dhcp (Enabled while its DHCP client runs), ConnectionState, PolicyStore.",
	  p_get_ipif, 3, cmdlet_get_netipinterface, NULL },
	{ "Set-NetIPInterface", "Changes one of the parent's IP interfaces.",
	  "-Dhcp Enabled: the adapter's DHCP client asks for an address (its static address goes, the parent keeps one per adapter); Get-NetIPAddress shows the lease with PrefixOrigin Dhcp and its remaining lifetime. -Dhcp Disabled: the lease is released and the address goes.",
	  p_set_ipif, 4, cmdlet_set_netipinterface, NULL },
	{ "Test-Connection", "Pings a computer from the parent.",
	  "Sends ICMP echo requests from the parent and lists each reply: Source, Destination, IPV4Address, IPV6Address, Bytes, Time(ms). The children keep running meanwhile; Ctrl-C stops it. When no reply comes: \"Testing connection to computer 'X' failed: Error due to lack of resources\".",
	  p_ping, 6, cmdlet_test_connection, NULL },
};
const int cmdlets_netip_count = sizeof(cmdlets_netip) / sizeof(cmdlets_netip[0]);
