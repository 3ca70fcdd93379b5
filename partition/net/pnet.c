/*
 * The parent's IP stack glue (see pnet.h): lwIP interfaces on switch host
 * ports, their receive queues, addresses, and the echo (ping) session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lwip/autoip.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/mem.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "partition/net/pnet.h"
#include "vswitch/vsw.h"

/* IEEE 802.3 clause 4.2.3.3: a frame is at least 64 octets with its
 * 4-octet FCS, so 60 without it; shorter ones are padded with zeros. */
#define ETH_MIN_NOFCS 60u
#define ETH_MAX_NOFCS (VSW_MTU_DEFAULT + 14u)

struct pnet_if {
	bool used;
	int slot;
	char alias[PNET_ALIAS_MAX];
	struct netif nif;
	struct vsw_port *port;
	bool has_addr;         /* a static address (New-NetIPAddress) */
	bool dhcp_on;          /* lwIP's DHCP client runs on it */
	uint8_t dhcp_state;    /* its state at the last pnet_poll */
	uint32_t bound_ms;     /* sys_now() when it last became bound */
	struct pbuf *rxq[PNET_RXQ_MAX];
	unsigned rx_head, rx_count;
	struct pnet_if_stats st;
};

static struct pnet_if ifs[PNET_IF_MAX];
static unsigned queued;         /* frames in all queues */
static bool lwip_ready;
/* One frame on its way into the switch, with the headroom that lets the
 * switch add an 802.1Q tag in place (vsw.h VSW_HEADROOM). */
static uint8_t txbuf[VSW_HEADROOM + ETH_MAX_NOFCS];

/* ---- frames in and out ---- */

/* The switch's delivery (under its lock): copy and queue, nothing more. */
static void port_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	struct pnet_if *p = ctx;
	size_t n = len < ETH_MIN_NOFCS ? ETH_MIN_NOFCS : len;
	struct pbuf *pb;

	if (p->rx_count == PNET_RXQ_MAX || len > 0xffff)
		goto drop;
	/* A runt from a child (the switch passes any frame of 14 bytes or
	 * more) is padded to Ethernet's 60, as a wire would have it: lwIP's
	 * ip4_input reads the IPv4 header's length fields before it checks
	 * that the packet holds a header (lwIP 2.1.3 core/ipv4/ip4.c; found
	 * by tests/fuzz/fuzz_pnet.c), and its drivers pad. */
	pb = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
	if (!pb)
		goto drop;
	memset(pb->payload, 0, n);
	memcpy(pb->payload, frame, len);
	p->rxq[(p->rx_head + p->rx_count) % PNET_RXQ_MAX] = pb;
	p->rx_count++;
	queued++;
	p->st.rx_frames++;
	p->st.rx_bytes += len;
	return;
drop:
	p->st.rx_drops++;
}

/* lwIP's link output: one copy into txbuf, then into the switch. */
static err_t if_linkoutput(struct netif *n, struct pbuf *pb)
{
	struct pnet_if *p = n->state;
	uint8_t *f = txbuf + VSW_HEADROOM;
	size_t len = pb->tot_len;

	if (len > ETH_MAX_NOFCS) {
		p->st.tx_drops++;
		return ERR_BUF;
	}
	pbuf_copy_partial(pb, f, (u16_t)len, 0);
	if (len < ETH_MIN_NOFCS) {
		memset(f + len, 0, ETH_MIN_NOFCS - len);
		len = ETH_MIN_NOFCS;
	}
	if (vsw_port_send(p->port, f, len, VSW_HEADROOM) < 0) {
		p->st.tx_drops++;
		return ERR_OK;   /* dropped on the wire, as a real link would */
	}
	p->st.tx_frames++;
	p->st.tx_bytes += len;
	return ERR_OK;
}

static err_t if_init(struct netif *n)
{
	n->name[0] = 'v';
	n->name[1] = 'e';
	n->mtu = VSW_MTU_DEFAULT;
	n->hwaddr_len = ETH_HWADDR_LEN;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = if_linkoutput;
	return ERR_OK;
}

static void rxq_flush(struct pnet_if *p)
{
	while (p->rx_count) {
		pbuf_free(p->rxq[p->rx_head]);
		p->rx_head = (p->rx_head + 1) % PNET_RXQ_MAX;
		p->rx_count--;
		queued--;
	}
}

static struct pnet_if *default_route(void);

/* When each DHCP client last became bound (a DHCPACK: RFC 2131 4.4.1,
 * 4.4.5), which dates its lease: lwIP counts a lease's age in minutes
 * only (struct dhcp lease_used). */
static void dhcp_watch(void)
{
	for (int i = 0; i < PNET_IF_MAX; i++) {
		struct pnet_if *p = &ifs[i];
		const struct dhcp *d = p->used && p->dhcp_on ? netif_dhcp_data(&p->nif) : NULL;

		if (!d)
			continue;
		if (d->state == DHCP_STATE_BOUND && p->dhcp_state != DHCP_STATE_BOUND)
			p->bound_ms = sys_now();
		p->dhcp_state = d->state;
	}
}

void pnet_poll(void)
{
	if (!lwip_ready)
		return;
	for (int i = 0; i < PNET_IF_MAX && queued; i++) {
		struct pnet_if *p = &ifs[i];

		while (p->used && p->rx_count) {
			struct pbuf *pb = p->rxq[p->rx_head];

			p->rx_head = (p->rx_head + 1) % PNET_RXQ_MAX;
			p->rx_count--;
			queued--;
			/* ethernet_input takes the pbuf, or leaves it to us. */
			if (p->nif.input(pb, &p->nif) != ERR_OK)
				pbuf_free(pb);
		}
	}
	sys_check_timeouts();
	dhcp_watch();
	/* A gateway set, leased or gone since: lwIP's netif_default follows
	 * (echo replies to off-link senders take it). */
	(void)default_route();
}

bool pnet_pending(void)
{
	return queued != 0;
}

/* ---- interfaces ---- */

int pnet_if_add(struct vsw *sw, const char *alias, const uint8_t mac[6],
		struct pnet_if **out)
{
	struct vsw_port_config pc;
	struct pnet_if *p = NULL;
	int rc;

	if (!sw || !alias || strlen(alias) >= PNET_ALIAS_MAX || !out)
		return -EINVAL;
	for (int i = 0; i < PNET_IF_MAX && !p; i++)
		if (!ifs[i].used)
			p = &ifs[i];
	if (!p)
		return -ENOSPC;
	if (!lwip_ready) {
		lwip_init();
		lwip_ready = true;
	}
	memset(p, 0, sizeof(*p));
	p->slot = (int)(p - ifs);
	snprintf(p->alias, sizeof(p->alias), "%s", alias);
	memset(&pc, 0, sizeof(pc));
	pc.kind = VSW_PORT_HOST;
	pc.mac_mode = VSW_MAC_STATIC;
	memcpy(pc.mac, mac, 6);
	pc.vlan_mode = VSW_VLAN_ACCESS;
	pc.deliver = port_deliver;
	pc.ctx = p;
	rc = vsw_port_add(sw, &pc, &p->port);
	if (rc)
		return rc;
	memcpy(p->nif.hwaddr, mac, 6);
	if (!netif_add(&p->nif, NULL, NULL, NULL, p, if_init, ethernet_input)) {
		vsw_port_remove(p->port);
		return -ENOMEM;
	}
	netif_set_up(&p->nif);
	netif_set_link_up(&p->nif);
	p->used = true;
	*out = p;
	return 0;
}

/* APIPA's state, which autoip_start allocated and dhcp_stop stopped:
 * lwIP 2.1.3 has no cleanup call for it (its autoip_remove_struct names
 * a field struct netif no longer has). */
static void autoip_free(struct pnet_if *p)
{
	struct autoip *a = netif_autoip_data(&p->nif);

	if (!a)
		return;
	netif_set_client_data(&p->nif, LWIP_NETIF_CLIENT_DATA_INDEX_AUTOIP, NULL);
	mem_free(a);
}

void pnet_if_remove(struct pnet_if *p)
{
	if (!p || !p->used)
		return;
	/* lwIP 2.1.3's dhcp_stop releases a lease (dhcp_release_and_stop):
	 * its DHCPRELEASE goes out while the port is there. */
	if (p->dhcp_on)
		dhcp_stop(&p->nif);
	vsw_port_remove(p->port);
	netif_remove(&p->nif);
	dhcp_cleanup(&p->nif);   /* frees the client's state, if any */
	autoip_free(p);
	rxq_flush(p);
	memset(p, 0, sizeof(*p));
}

struct pnet_if *pnet_if_at(int i)
{
	return i >= 0 && i < PNET_IF_MAX && ifs[i].used ? &ifs[i] : NULL;
}

struct pnet_if *pnet_if_find(const char *alias)
{
	for (int i = 0; alias && i < PNET_IF_MAX; i++)
		if (ifs[i].used && !strcasecmp(ifs[i].alias, alias))
			return &ifs[i];
	return NULL;
}

const char *pnet_if_alias(const struct pnet_if *p)
{
	return p->alias;
}

int pnet_if_index(const struct pnet_if *p)
{
	return PNET_IFINDEX_BASE + p->slot;
}

void pnet_if_mac(const struct pnet_if *p, uint8_t mac[6])
{
	memcpy(mac, p->nif.hwaddr, 6);
}

void pnet_if_stats(const struct pnet_if *p, struct pnet_if_stats *out)
{
	*out = p->st;
}

/* ---- addresses ---- */

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

bool pnet_addr_check(uint32_t ip, unsigned prefix)
{
	uint32_t mask;

	if (prefix < 1 || prefix > 32)
		return false;
	mask = prefix_mask(prefix);
	/* RFC 1122 3.2.1.3: no 0.x, 127.x, class D/E, nor (below /31,
	 * RFC 3021) a subnet's all-zeros or all-ones host part. */
	if ((ip >> 24) == 0 || (ip >> 24) == 127 || (ip >> 28) >= 14)
		return false;
	return prefix >= 31 || ((ip & ~mask) != 0 && (ip & ~mask) != ~mask);
}

/* A gateway is a neighbour: another unicast address of the subnet. */
bool pnet_gateway_check(uint32_t ip, unsigned prefix, uint32_t gw)
{
	return pnet_addr_check(ip, prefix) && gw != ip && !((gw ^ ip) & prefix_mask(prefix)) &&
	       pnet_addr_check(gw, prefix);
}

/* A lease or an APIPA address (lwIP's AUTOIP, which its DHCP client
 * starts and stops: RFC 3927 2.1). */
static bool dynamic_addr(const struct pnet_if *p)
{
	return dhcp_supplied_address(&p->nif) || autoip_supplied_address(&p->nif);
}

int pnet_addr_set(struct pnet_if *p, uint32_t ip, unsigned prefix, uint32_t gw)
{
	uint32_t mask;
	ip4_addr_t a, m, g;

	if (!pnet_addr_check(ip, prefix))
		return -EINVAL;
	mask = prefix_mask(prefix);
	if (gw && !pnet_gateway_check(ip, prefix, gw))
		return -EDOM;
	if (p->has_addr)
		return -EEXIST;
	if (p->dhcp_on)
		return -EBUSY;
	ip4_addr_set_u32(&a, lwip_htonl(ip));
	ip4_addr_set_u32(&m, lwip_htonl(mask));
	ip4_addr_set_u32(&g, lwip_htonl(gw));
	netif_set_addr(&p->nif, &a, &m, &g);
	p->has_addr = true;
	return 0;
}

int pnet_addr_clear(struct pnet_if *p)
{
	if (!p->has_addr)
		return dynamic_addr(p) ? -EBUSY : -ENOENT;
	netif_set_addr(&p->nif, NULL, NULL, NULL);
	p->has_addr = false;
	return 0;
}

bool pnet_addr_get(const struct pnet_if *p, uint32_t *ip, unsigned *prefix)
{
	uint32_t mask;
	unsigned n = 0;

	if (!p->has_addr && !dynamic_addr(p))
		return false;
	*ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&p->nif)));
	mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(&p->nif)));
	while (n < 32 && (mask << n) & 0x80000000u)
		n++;
	*prefix = n;
	return true;
}

enum pnet_origin pnet_addr_origin(const struct pnet_if *p)
{
	if (p->has_addr)
		return PNET_ORIGIN_MANUAL;
	if (dhcp_supplied_address(&p->nif))
		return PNET_ORIGIN_DHCP;
	return autoip_supplied_address(&p->nif) ? PNET_ORIGIN_LINK : PNET_ORIGIN_NONE;
}

uint32_t pnet_gateway(const struct pnet_if *p)
{
	if (!p->has_addr && !dhcp_supplied_address(&p->nif))
		return 0;
	return lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(&p->nif)));
}

/* ---- DHCP ---- */

int pnet_dhcp_set(struct pnet_if *p, bool on)
{
	if (on == p->dhcp_on)
		return 0;
	if (!on) {
		/* Releases a lease and takes its address off the netif. */
		dhcp_release_and_stop(&p->nif);
		p->dhcp_on = false;
		return 0;
	}
	if (p->has_addr)
		pnet_addr_clear(p);
	p->dhcp_state = DHCP_STATE_OFF;
	if (dhcp_start(&p->nif) != ERR_OK)
		return -ENOMEM;
	p->dhcp_on = true;
	return 0;
}

bool pnet_dhcp_on(const struct pnet_if *p)
{
	return p->dhcp_on;
}

bool pnet_dhcp_lease(const struct pnet_if *p, struct pnet_lease *out)
{
	const struct dhcp *d = netif_dhcp_data(&p->nif);
	uint32_t age;

	if (!p->dhcp_on || !d || !dhcp_supplied_address(&p->nif))
		return false;
	age = (sys_now() - p->bound_ms) / 1000u;
	if (d->offered_t0_lease == 0xffffffffu)   /* RFC 2132 9.2: infinity */
		out->left_s = UINT32_MAX;
	else
		out->left_s = d->offered_t0_lease > age ? d->offered_t0_lease - age : 0;
	out->server = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&d->server_ip_addr)));
	out->router = lwip_ntohl(ip4_addr_get_u32(&d->offered_gw_addr));
	return true;
}

/* The default route: the first adapter (lowest ifIndex) with a
 * gateway, static (New-NetIPAddress -DefaultGateway) or from its lease
 * (RFC 2132 3.5, the router option lwIP's DHCP client sets). lwIP sends
 * every off-link packet, echo replies too, through netif_default. */
static struct pnet_if *default_route(void)
{
	struct pnet_if *r = NULL;

	for (int i = 0; i < PNET_IF_MAX && !r; i++)
		if (ifs[i].used && pnet_gateway(&ifs[i]))
			r = &ifs[i];
	if (lwip_ready)
		netif_set_default(r ? &r->nif : NULL);
	return r;
}

struct pnet_if *pnet_route(uint32_t ip)
{
	for (int i = 0; i < PNET_IF_MAX; i++) {
		uint32_t a;
		unsigned n;

		if (ifs[i].used && pnet_addr_get(&ifs[i], &a, &n) &&
		    ((a ^ ip) & prefix_mask(n)) == 0)
			return &ifs[i];
	}
	return default_route();
}

/* ---- echo ---- */

/* The identifier of our echo requests (RFC 792: "to aid in matching
 * echos and replies"), and what came back. */
#define PING_ID 0x4876   /* "Hv" */
#define PING_DATA_MAX 1472u  /* an MTU's worth: no fragments */

static struct raw_pcb *ping_pcb;
static uint16_t ping_seq_got;
static bool ping_got;
static uint16_t ping_bytes;

/* Windows fills echo data with the alphabet, a..w repeated. */
static uint8_t ping_byte(unsigned i)
{
	return (uint8_t)('a' + i % 23);
}

static bool ping_data_ok(struct pbuf *pb, uint16_t off)
{
	for (unsigned i = 0; i < ping_bytes; i++)
		if (pbuf_get_at(pb, (u16_t)(off + i)) != ping_byte(i))
			return false;
	return true;
}

/* Every ICMP packet the stack receives passes here first (raw PCBs see
 * the IPv4 header too): an echo reply of ours is eaten (1), anything
 * else goes on to lwIP's ICMP (0), which answers echo requests. */
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *pb, const ip_addr_t *addr)
{
	struct icmp_echo_hdr h;
	uint16_t hl;

	(void)arg;
	(void)pcb;
	(void)addr;
	if (pb->tot_len < IP_HLEN)
		return 0;
	hl = (uint16_t)((pbuf_get_at(pb, 0) & 0x0f) * 4);
	if (hl < IP_HLEN || pb->tot_len < hl + sizeof(h) + ping_bytes)
		return 0;
	pbuf_copy_partial(pb, &h, sizeof(h), hl);
	if (h.type != ICMP_ER || h.code != 0 || lwip_ntohs(h.id) != PING_ID)
		return 0;
	if (!ping_data_ok(pb, (uint16_t)(hl + sizeof(h))))
		return 0;
	ping_seq_got = lwip_ntohs(h.seqno);
	ping_got = true;
	pbuf_free(pb);
	return 1;
}

static int ping_open(void)
{
	if (ping_pcb)
		return 0;
	ping_pcb = raw_new(IP_PROTO_ICMP);
	if (!ping_pcb)
		return -ENOMEM;
	raw_recv(ping_pcb, ping_recv, NULL);
	return 0;
}

static struct pbuf *ping_build(uint16_t seq, uint16_t bytes)
{
	struct pbuf *pb = pbuf_alloc(PBUF_IP, (u16_t)(sizeof(struct icmp_echo_hdr) + bytes), PBUF_RAM);
	struct icmp_echo_hdr *h;

	if (!pb)
		return NULL;
	h = pb->payload;   /* PBUF_RAM: one contiguous buffer */
	h->type = ICMP_ECHO;
	h->code = 0;
	h->chksum = 0;
	h->id = lwip_htons(PING_ID);
	h->seqno = lwip_htons(seq);
	for (unsigned i = 0; i < bytes; i++)
		((uint8_t *)(h + 1))[i] = ping_byte(i);
	h->chksum = inet_chksum(h, (u16_t)(sizeof(*h) + bytes));
	return pb;
}

int pnet_ping_send(uint32_t dst, uint16_t seq, uint16_t bytes, uint8_t ttl)
{
	struct pbuf *pb;
	ip4_addr_t to;
	err_t e;

	if (bytes > PING_DATA_MAX)
		return -EINVAL;
	if (!pnet_route(dst))
		return -EHOSTUNREACH;
	if (ping_open())
		return -ENOMEM;
	pb = ping_build(seq, bytes);
	if (!pb)
		return -ENOMEM;
	ping_bytes = bytes;
	ping_got = false;
	ping_pcb->ttl = ttl;
	ip4_addr_set_u32(&to, lwip_htonl(dst));
	e = raw_sendto(ping_pcb, pb, &to);
	pbuf_free(pb);
	if (e == ERR_RTE)
		return -EHOSTUNREACH;
	return e == ERR_OK || e == ERR_MEM ? 0 : -EIO;
}

bool pnet_ping_reply(uint16_t seq)
{
	return ping_got && ping_seq_got == seq;
}

void pnet_ping_end(void)
{
	if (ping_pcb)
		raw_remove(ping_pcb);
	ping_pcb = NULL;
	ping_got = false;
}

/* ---- text ---- */

void pnet_ip_format(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* Dotted decimal, four parts of 0..255 (no octal, no short forms). */
int pnet_ip_parse(const char *s, uint32_t *ip)
{
	uint32_t v = 0;

	for (int part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			n = n * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || n > 255)
			return -EINVAL;
		v = v << 8 | n;
		if (part < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	*ip = v;
	return 0;
}
