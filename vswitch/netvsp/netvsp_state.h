/*
 * The saved state of a netvsp (netvsp_save / netvsp_restore, netvsp.h):
 * the NVSP and RNDIS protocol state a guest's hv_netvsc has built with
 * the host, so that after a restore it carries on over the same rings
 * and the same receive and send buffers (guest memory, saved with the
 * VM). Every struct of the format is here with its size asserted;
 * fields are little-endian (both ends are x86, the structs are copied
 * as they are) and every padding byte is explicit and must be 0.
 *
 * Layout: a struct netvsp_st_hdr, a struct netvsp_st_main, (version 2)
 * a struct netvsp_st_rss, then n_held uint64_t transaction ids of the
 * receive allocations the guest holds (ascending by first section), then
 * n_pend struct netvsp_st_pend (replies waiting for ring room, oldest
 * first). total is exact. Version 1 (before sub-channels) has no RSS
 * record and zeros where version 2 keeps sub-channels; restore takes
 * both.
 * vswitch/netvsp/README.md ("Saved state") says what is kept and why.
 */
#ifndef NETVSP_STATE_H
#define NETVSP_STATE_H

#include <stdint.h>

#define NETVSP_ST_MAGIC   0x5353564eu   /* "NVSS" */
#define NETVSP_ST_VERSION 2u
#define NETVSP_ST_VERSION_1 1u
/* Multicast addresses kept (NETVSP_MCAST_MAX); unused entries are 0. */
#define NETVSP_ST_MCAST   32u
/* Largest reply kept (NETVSP_CTRL_MAX); data past len is 0. */
#define NETVSP_ST_REPLY   256u

struct netvsp_st_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t total;               /* bytes, this header included */
	uint32_t pad;
};
_Static_assert(sizeof(struct netvsp_st_hdr) == 16, "netvsp_st_hdr is 16 bytes");

/* A receive or send buffer the guest gave (SEND_RECV_BUF /
 * SEND_SEND_BUF); all 0 when it has none. */
struct netvsp_st_buf {
	uint32_t gpadl;               /* the GPADL handle it named */
	uint32_t bytes;               /* the GPADL's size */
	uint32_t sections;            /* bytes / section size */
	uint16_t id;                  /* its id (the receive page-set id) */
	uint8_t open;
	uint8_t pad;
};
_Static_assert(sizeof(struct netvsp_st_buf) == 16, "netvsp_st_buf is 16 bytes");

struct netvsp_st_main {
	uint32_t nvsp_version;        /* negotiated; 0 = none */
	uint32_t ndis_major, ndis_minor;  /* SEND_NDIS_VER, as the guest sent */
	uint32_t guest_mtu;           /* SEND_NDIS_CONFIG, as the guest sent */
	uint32_t recv_sec_size;       /* 0 or the configured section sizes */
	uint32_t send_sec_size;
	struct netvsp_st_buf rbuf, sbuf;
	uint32_t rx_cursor;           /* next-fit start of the allocator */
	uint32_t filter;              /* OID_GEN_CURRENT_PACKET_FILTER */
	uint8_t has_channel;          /* the VMBus channel was open */
	uint8_t rndis_up;             /* INITIALIZED and not halted */
	uint8_t link_up;              /* what the guest was last told */
	uint8_t n_subch;              /* sub-channels granted (v1: 0) */
	uint8_t cur_mac[6];           /* NetworkAddress, or the port's MAC */
	uint8_t pad1[2];
	uint32_t n_mcast;             /* OID_802_3_MULTICAST_LIST */
	uint8_t mcast[NETVSP_ST_MCAST][6];
	uint32_t n_held;              /* uint64_t tids after this struct */
	uint32_t n_pend;              /* struct netvsp_st_pend after those */
};
_Static_assert(sizeof(struct netvsp_st_main) == 280, "netvsp_st_main is 280 bytes");

/* RSS as the guest set it (OID_GEN_RECEIVE_SCALE_PARAMETERS); all 0
 * when it never did. Kept while disabled (a later SET may mark the
 * table or key unchanged). */
#define NETVSP_ST_RSS_KEY 40u
#define NETVSP_ST_RSS_TAB 128u
struct netvsp_st_rss {
	uint8_t on;                   /* enabled */
	uint8_t pad;
	uint16_t n_table;             /* 0, or a power of two up to 128 */
	uint32_t hashinfo;            /* NDIS_HASH_*, Toeplitz */
	uint8_t key[NETVSP_ST_RSS_KEY];
	uint8_t table[NETVSP_ST_RSS_TAB]; /* channel per entry; 0 past n_table */
};
_Static_assert(sizeof(struct netvsp_st_rss) == 176, "netvsp_st_rss is 176 bytes");

enum { NETVSP_ST_COMP = 0, NETVSP_ST_CTRL = 1, NETVSP_ST_INBAND = 2 };

/* A reply the ring had no room for: a completion echoing tid, an RNDIS
 * control message for the receive buffer, or the in-band indirection
 * table (tid 0 for the last two). */
struct netvsp_st_pend {
	uint8_t kind;                 /* NETVSP_ST_* */
	uint8_t chan;                 /* completion: its channel (v1: 0) */
	uint16_t len;                 /* bytes of data used */
	uint32_t pad2;
	uint64_t tid;
	uint8_t data[NETVSP_ST_REPLY];
};
_Static_assert(sizeof(struct netvsp_st_pend) == 272, "netvsp_st_pend is 272 bytes");

#endif /* NETVSP_STATE_H */
