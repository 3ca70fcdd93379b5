/*
 * lwIP's options for the parent's IP stack (docs/ARCHITECTURE.md "The
 * parent on the network"); lwIP 2.1's src/include/lwip/opt.h documents
 * each and gives the defaults of everything not set here.
 *
 * NO_SYS: no threads, no semaphores. The parent is one thread; its idle
 * loop (partition/vm.c vm_idle) calls pnet_poll(), which feeds received
 * frames to the stack and runs its timers (sys_check_timeouts), so only
 * the raw/callback API exists: no sockets, no netconn.
 */
#ifndef PNET_LWIPOPTS_H
#define PNET_LWIPOPTS_H

#define NO_SYS                 1
#define SYS_LIGHTWEIGHT_PROT   0   /* nothing runs beside the main loop */
#define LWIP_SOCKET            0
#define LWIP_NETCONN           0
#define LWIP_TIMERS            1

/* Memory: newlib's malloc for the heap and the pools (the parent's heap
 * grows through sbrk, partition/lib/syscalls.c), so no static arena. */
#define MEM_LIBC_MALLOC        1
#define MEMP_MEM_MALLOC        1
#define MEM_ALIGNMENT          8

/* IPv4 over Ethernet: ARP, ICMP (echo answered by the stack, pings sent
 * through a raw PCB), UDP and DHCP for the client an external switch
 * will want; no TCP yet, no IPv6. */
#define LWIP_IPV4              1
#define LWIP_IPV6              0
#define LWIP_ARP               1
#define LWIP_ETHERNET          1
#define LWIP_ICMP              1
#define LWIP_RAW               1
#define LWIP_UDP               1
#define LWIP_TCP               0
#define LWIP_DHCP              1
/* APIPA (RFC 3927) as Windows does it: an adapter whose DHCP client
 * gets no answer takes a 169.254/16 address of its own, after lwIP's
 * third DISCOVER (2 + 4 s) and its ARP probes, and keeps asking DHCP
 * (lwIP's DHCP/AUTOIP cooperation; a lease replaces it). */
#define LWIP_AUTOIP            1
#define LWIP_DHCP_AUTOIP_COOP  1
#define LWIP_DHCP_AUTOIP_COOP_TRIES 3
#define LWIP_IGMP              0
#define LWIP_DNS               0
#define IP_FORWARD             0
/* Off-link destinations go to the default gateway of the adapter lwIP
 * has as netif_default (pnet.c, pnet_gateway_update). */
/* Windows' DefaultTTL (128): what a child sees in the parent's echo
 * replies and other packets, as from a Windows management OS. */
#define IP_DEFAULT_TTL         128
#define IP_REASSEMBLY          1
#define IP_FRAG                1
/* One interface per internal switch (vnet.h VNET_SWITCH_MAX). */
#define LWIP_SINGLE_NETIF      0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1
/* ARP: up to 4 frames wait for one resolution (lwIP's ARP_QUEUEING). */
#define ARP_QUEUEING           1
#define ARP_TABLE_SIZE         32

#define LWIP_STATS             0
#define LWIP_NETIF_HOSTNAME    0
#define LWIP_DEBUG             0
#endif
