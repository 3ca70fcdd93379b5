/*
 * The parent's IP stack (docs/ARCHITECTURE.md "The parent on the
 * network"): one lwIP interface per internal switch, joined to the switch
 * by the switch's host port. Hyper-V names the management OS's adapter on
 * a switch "vEthernet (S)"; so do we.
 *
 * Portable (vswitch/ and lwIP only): the parent links it with
 * pnet_sys.c, the host test with its own clock. Single-threaded, like
 * lwIP with NO_SYS: every call, and pnet_poll(), from one thread.
 *
 * Frames the switch delivers to the host port are copied into a bounded
 * queue and handed to lwIP by pnet_poll(), never from the delivery
 * itself: lwIP answers an ARP request or an echo at once, and a deliver
 * callback must not send on its own switch (vswitch/vsw.h "Threading").
 *
 * Errors are negative errno values.
 */
#ifndef PARTITION_NET_PNET_H
#define PARTITION_NET_PNET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vsw;
struct pnet_if;

#define PNET_IF_MAX 8          /* one per internal switch (vnet.h) */
#define PNET_ALIAS_MAX 80
#define PNET_RXQ_MAX 64        /* frames waiting for pnet_poll, per interface */
/* Windows numbers interfaces from 1; ours start here, after loopback's 1
 * and the physical adapters' 2.. (partition/pnic.c), one number per
 * adapter in Get-NetAdapter, Get-NetIPAddress and Get-NetIPInterface. */
#define PNET_IFINDEX_BASE 10

struct pnet_if_stats {
	uint64_t rx_frames, rx_bytes;  /* delivered by the switch */
	uint64_t tx_frames, tx_bytes;  /* sent into the switch */
	uint64_t rx_drops;             /* queue full or no memory */
	uint64_t tx_drops;             /* too long, or refused by the switch */
};

/* Joins a new interface to sw through a host port with mac (static: the
 * caller owns the MAC, vnet.c takes it from the dynamic pool): 0,
 * -ENOSPC (PNET_IF_MAX reached), -ENOMEM, -EINVAL, or vsw_port_add's
 * error (-EPERM: a private switch has no host port). */
int pnet_if_add(struct vsw *sw, const char *alias, const uint8_t mac[6],
		struct pnet_if **out);
/* Leaves the switch (no frame is delivered to it after this) and frees
 * the interface with whatever was queued. */
void pnet_if_remove(struct pnet_if *nif);
struct pnet_if *pnet_if_at(int i);             /* NULL when slot i is free */
struct pnet_if *pnet_if_find(const char *alias); /* case-insensitive */
const char *pnet_if_alias(const struct pnet_if *nif);
int pnet_if_index(const struct pnet_if *nif);
void pnet_if_mac(const struct pnet_if *nif, uint8_t mac[6]);
void pnet_if_stats(const struct pnet_if *nif, struct pnet_if_stats *out);

/* The interface's IPv4 address (host byte order; lwIP keeps one per
 * interface), static or leased: set a static one (-EEXIST when it has
 * one, -EBUSY while its DHCP client runs), clear the static one
 * (-ENOENT when it has none, -EBUSY for a lease: pnet_dhcp_set(false)
 * gives that up), get either (false when none). prefix 1..32 (-EINVAL
 * otherwise, or for an address that is not a unicast one of its
 * subnet). gw: a default gateway with the static address, 0 for none
 * (-EDOM unless another unicast address of the same subnet). An APIPA
 * address (169.254/16, RFC 3927) counts as leased. */
int pnet_addr_set(struct pnet_if *nif, uint32_t ip, unsigned prefix, uint32_t gw);
/* Whether pnet_addr_set would take ip/prefix as an address, and gw as
 * its gateway. */
bool pnet_addr_check(uint32_t ip, unsigned prefix);
bool pnet_gateway_check(uint32_t ip, unsigned prefix, uint32_t gw);
int pnet_addr_clear(struct pnet_if *nif);
bool pnet_addr_get(const struct pnet_if *nif, uint32_t *ip, unsigned *prefix);

/* Where the address came from (Get-NetIPAddress's PrefixOrigin). */
enum pnet_origin { PNET_ORIGIN_NONE, PNET_ORIGIN_MANUAL, PNET_ORIGIN_DHCP, PNET_ORIGIN_LINK };
enum pnet_origin pnet_addr_origin(const struct pnet_if *nif);
/* The adapter's default gateway (static, or its lease's router); 0: none. */
uint32_t pnet_gateway(const struct pnet_if *nif);

/* lwIP's DHCP client (RFC 2131) on the interface. Off when it is added.
 * On: its static address goes and the client starts (-ENOMEM when lwIP
 * has no memory for it); off: a lease is released (DHCPRELEASE, RFC 2131
 * 4.4.6) and its address goes. 0 when it was so already. */
int pnet_dhcp_set(struct pnet_if *nif, bool on);
bool pnet_dhcp_on(const struct pnet_if *nif);
/* The lease the client holds: false when none. Seconds left of it
 * (UINT32_MAX for an infinite one), from the last DHCPACK; the server
 * that gave it and the router it named (0: none). */
struct pnet_lease {
	uint32_t left_s;
	uint32_t server, router;
};
bool pnet_dhcp_lease(const struct pnet_if *nif, struct pnet_lease *out);
/* The interface whose subnet holds ip, else the one with the default
 * gateway (where a packet to ip goes), or NULL. */
struct pnet_if *pnet_route(uint32_t ip);

/* Hands queued frames to lwIP and runs its timers. From the idle loop. */
void pnet_poll(void);
/* Frames are queued (the idle loop must not sleep). */
bool pnet_pending(void);

/* ICMP echo (RFC 792) from the parent, one at a time (Test-Connection):
 * pnet_ping_send sends request seq with bytes of data and ttl; 0,
 * -EHOSTUNREACH (no interface's subnet holds dst), -ENOMEM, -EIO.
 * pnet_ping_reply: true once the reply to seq (same identifier, same
 * data) has arrived. pnet_ping_end closes the session. */
int pnet_ping_send(uint32_t dst, uint16_t seq, uint16_t bytes, uint8_t ttl);
bool pnet_ping_reply(uint16_t seq);
void pnet_ping_end(void);

/* Text forms: "10.0.0.1" (buf of 16), and the parse of one (0, -EINVAL). */
void pnet_ip_format(uint32_t ip, char buf[16]);
int pnet_ip_parse(const char *s, uint32_t *ip);
#endif
