/* Shared between nettest's files: the SynIC transport and VMBus client
 * (main.c), the netvsc client (nic.c), the traffic roles (traffic.c) and
 * the hostile checks (hostile.c). */
#ifndef GUEST_NETTEST_H
#define GUEST_NETTEST_H
#include <stdint.h>
#include "vmbus/chan.h"
#include "vmbus/pkt.h"
#include "vswitch/netvsp/nvsp_wire.h"
#include "vswitch/netvsp/rndis_wire.h"

struct vmbus_client;

extern uint64_t nt_tsc_hz;
extern int nt_failed;
/* Prints "nettest: WHAT: ok" or "...: FAILED" (and remembers a failure). */
void nt_check(int ok, const char *what);
/* Sleeps until an interrupt (the host's signal, or the 10 ms tick). */
void nt_idle(void);
/* Feeds the client channel messages until cond(c, arg) or 4 s of silence. */
int nt_pump(struct vmbus_client *c, int (*cond)(struct vmbus_client *, uint32_t), uint32_t arg);
/* Clears SIEF slot 2's flags (before polling rings). */
void nt_take_events(void);

/* ---- the netvsc client (nic.c), Linux hv_netvsc's sequence ---- */
#define NT_RING_PAGES  16
#define NT_RECV_PAGES  64     /* 151 receive sections of 1,728 bytes */
#define NT_SEND_PAGES  24     /* 16 send sections of 6,144 bytes */
#define NT_FRAME_MAX   1514u
#define NT_TX_WINDOW   16u    /* sends in flight */

/* A received frame handed to the role (data in the receive buffer: copy
 * it before returning). */
typedef void (*nt_rx_fn)(void *ctx, const uint8_t *frame, uint32_t len);

struct nt_nic {
	struct vmbus_client *cl;
	uint32_t relid;
	struct vmbus_chan *ch;
	uint32_t recv_gpadl, send_gpadl;
	uint8_t *recv, *send;
	uint32_t recv_bytes, send_sec, send_secs;
	uint32_t version;
	uint8_t mac[6];
	uint32_t link;               /* OID_GEN_MEDIA_CONNECT_STATUS: 0 up */
	uint32_t req_id;
	/* the last of each kind of answer */
	uint32_t n_comp, comp_type, comp_status;
	uint64_t comp_tid;
	uint8_t comp[64];            /* the last NVSP completion */
	uint32_t n_ctrl, ctrl_len;
	uint8_t ctrl[256];
	uint32_t n_table;
	/* sends in flight: send-buffer sections, GPA-direct slots */
	uint32_t sec_busy;           /* bit per section */
	/* pack > 1: up to pack RNDIS PACKETs share a send section, as
	 * Linux's netvsc_send() packs them while more frames follow; the
	 * open section goes out when full or at the next poll. */
	uint32_t pack;
	int open_sec;                /* -1: none open */
	uint32_t open_len, open_n;
	uint32_t tx_busy, tx_bad;    /* in flight; completions not SUCCESS */
	uint32_t rx_frames, rx_bad;  /* frames; malformed from the host */
	uint32_t unexpected;         /* packets a netvsc guest never gets */
	nt_rx_fn rx;
	void *rx_ctx;
};

/* Open the NIC's channel and do NVSP INIT (newest version first), NDIS
 * config and version, the receive and send buffers. 0 or a negative step. */
int nt_nic_open(struct nt_nic *n, struct vmbus_client *c);
/* Open the channel only (no NVSP): for the hostile checks. */
int nt_nic_open_raw(struct nt_nic *n, struct vmbus_client *c);
/* nt_nic_open's steps, for the hostile checks: NVSP INIT (newest version
 * first), NDIS config and version, the buffers' GPADLs, SEND_RECV_BUF
 * and SEND_SEND_BUF. Each 0 or -1. */
int nt_nic_nvsp_init(struct nt_nic *n);
int nt_nic_nvsp_ndis(struct nt_nic *n);
int nt_nic_make_buffers(struct nt_nic *n);
int nt_nic_give_buffers(struct nt_nic *n);
/* How long a request waits for its answer (ms of TSC; default 3000). */
extern uint32_t nt_wait_ms;
/* RNDIS INITIALIZE, MAC and link queries, packet filter. 0 or negative. */
int nt_nic_rndis_up(struct nt_nic *n, uint32_t filter);
/* Raw NVSP request: in-band, completion wanted; waits for the
 * completion (type and status in n->comp_*). 0, or -1 when none came. */
int nt_nvsp_req(struct nt_nic *n, const void *msg, uint32_t len);
/* One RNDIS message through section sec (or page buffers when gpa):
 * returns the NVSP completion status, or -1 when none came. */
int nt_rndis_raw(struct nt_nic *n, const void *msg, uint32_t len, uint32_t channel,
		 int gpa, uint32_t sec);
/* A control request (QUERY/SET/KEEPALIVE...) and its reply in n->ctrl:
 * the reply's RNDIS status, or -1 (no NVSP success or no reply). */
int nt_rndis_ctrl(struct nt_nic *n, const void *msg, uint32_t len, uint32_t want_type);
int nt_query(struct nt_nic *n, uint32_t oid, void *out, uint32_t *out_len);
int nt_set(struct nt_nic *n, uint32_t oid, const void *in, uint32_t in_len);
/* Queue a frame (RNDIS PACKET) without waiting for its completion: in
 * a send section, or in page buffers with gpa; vlan ~0u for none.
 * Waits while NT_TX_WINDOW sends are in flight. 0 or -1. */
int nt_send_frame(struct nt_nic *n, const uint8_t *frame, uint32_t len, uint32_t vlan, int gpa);
#define NT_PACK_MAX 8u        /* netvsp's max_pkt_per_msg */
/* Sends the open packed section, if any. 0 or -1. */
int nt_send_flush(struct nt_nic *n);
/* Polls the channel once (frames to n->rx, completions, replies), after
 * sending the open packed section. */
int nt_nic_poll(struct nt_nic *n);
/* Polls until no send is in flight (or ms pass). */
int nt_nic_drain(struct nt_nic *n, uint32_t ms);
uint64_t nt_ms(uint32_t ms);

/* ---- roles ---- */
#define NT_KIND_FLOOD 4
/* A test frame (traffic.c): addresses, EtherType 0x88B5, header, pattern. */
void nt_build_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t kind,
		    uint32_t seq, uint32_t len);
/* 12 hex digits to 6 bytes: 0 or -1. */
int nt_parse_mac(const char *s, uint8_t *mac);
void nt_echo(struct nt_nic *n);
void nt_send(struct nt_nic *n);
void nt_bench(struct nt_nic *n);
void nt_hostile(struct vmbus_client *c);
void nt_hold(void) __attribute__((noreturn));
#endif
