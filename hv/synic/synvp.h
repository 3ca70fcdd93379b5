/*
 * The SynIC of one virtual processor (Hyper-V TLFS, inter-partition-
 * communication.md "SynIC MSRs", "SynIC Messages", "SynIC Event Flags";
 * timers.md "Synthetic Timers"): its MSRs, its per-SINT message queues
 * and SIM-page delivery, event flags in the SIEF page, and the four
 * synthetic timers.
 *
 * Portable: guest memory is reached only through ops->map_page, the
 * virtual LAPIC only through ops->raise, time only through ops->now, so
 * the same code runs in hv (freestanding, no SSE) and in host tests.
 * Nothing here allocates: message buffers come from a bounded
 * struct synic_pool the caller provides (hvport.c gives each message
 * port 16 of its partition's buffers, as the TLFS does).
 *
 * Locking: the caller serialises every call that touches one synvp (and
 * the pool of its partition), e.g. with one SynIC lock in hv. The guest
 * may touch its SIM and SIEF pages concurrently from any CPU; the code
 * that writes them is safe against that (see synvp_msg.c).
 */
#ifndef HV_SYNIC_SYNVP_H
#define HV_SYNIC_SYNVP_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/abi/tlfs.h>
#include "stimer.h"

struct synic_pool;

enum synic_buf_kind { SYNIC_BUF_POOL, SYNIC_BUF_TIMER };

/* One message waiting for its SIM slot. */
struct synic_msgbuf {
	struct synic_msgbuf *next;
	struct synic_pool *pool;     /* SYNIC_BUF_POOL: where it returns */
	uint32_t *charge;            /* SYNIC_BUF_POOL: its port's in-use count */
	uint8_t kind;                /* enum synic_buf_kind */
	bool queued;
	struct hv_message msg;
};

/* A partition's bounded set of message buffers. */
struct synic_pool {
	struct synic_msgbuf *free;
	uint32_t total, nfree;
	uint32_t reserved;           /* promised to ports (synic_pool_reserve) */
};

struct synvp_ops {
	/* The guest's 4 KiB page at gpa (page aligned), writable by hv, or
	 * NULL if the partition does not own it. */
	void *(*map_page)(void *ctx, uint64_t gpa);
	/* Edge-trigger vector in this vCPU's virtual LAPIC. */
	void (*raise)(void *ctx, uint8_t vector, bool auto_eoi);
	/* The partition's reference time (100 ns units). */
	uint64_t (*now)(void *ctx);
	/* Optional: a number that moves whenever a page map_page gave may no
	 * longer be the guest's (hv: the EPT's generation). While it stands
	 * still, a signal's route may keep the SIEF page (hvport.c). */
	uint64_t (*map_gen)(void *ctx);
};

struct synvp {
	const struct synvp_ops *ops;
	void *ctx;
	uint64_t scontrol, simp, siefp;
	uint64_t sint[HV_SINT_COUNT];
	struct synic_msgbuf *head[HV_SINT_COUNT], *tail[HV_SINT_COUNT];
	struct stimer timer[HV_STIMER_COUNT];
	struct synic_msgbuf timer_buf[HV_STIMER_COUNT]; /* one each (TLFS) */
	bool direct_timers;          /* CPUID 0x40000003 EDX bit 19 offered */
	/* Moved by every write of a SynIC or timer MSR, reset and
	 * synvp_changed: a signal's kept route is checked against it. */
	uint32_t gen;
};

/* ---- registers (synvp.c) ---- */
void synvp_init(struct synvp *s, const struct synvp_ops *ops, void *ctx,
		bool direct_timers);
/* Reset values; queued messages are dropped, their buffers returned. */
void synvp_reset(struct synvp *s);
/* 0 and *val; -ENOENT: not a SynIC or synthetic timer MSR. */
int synvp_read_msr(struct synvp *s, uint32_t msr, uint64_t *val);
/* 0; -ENOENT: not a SynIC or timer MSR; -EINVAL: the value is refused
 * (the caller injects #GP). */
int synvp_write_msr(struct synvp *s, uint32_t msr, uint64_t val);
/* The caller changed the registers itself (an imported state). */
void synvp_changed(struct synvp *s);

/* ---- messages (synvp_msg.c) ---- */
void synic_pool_init(struct synic_pool *p, struct synic_msgbuf *bufs, uint32_t n);
/* Add n more buffers (another chunk of memory) to an initialised pool,
 * before any port reserves from it: hv builds a pool from pages. */
void synic_pool_add(struct synic_pool *p, struct synic_msgbuf *bufs, uint32_t n);
/* Promise n buffers to a port: 0, or -ENOMEM if fewer are unpromised. */
int synic_pool_reserve(struct synic_pool *p, uint32_t n);
void synic_pool_unreserve(struct synic_pool *p, uint32_t n);
/* A free buffer charged to *charge (incremented now, decremented when the
 * buffer returns), or NULL if none is free. */
struct synic_msgbuf *synic_pool_take(struct synic_pool *p, uint32_t *charge);
/* Return a buffer that is not queued (taken, then not posted); a
 * vCPU's timer buffer just becomes free. */
void synic_msgbuf_put(struct synic_msgbuf *b);

/* SCONTROL and SIMP are enabled: the vCPU can be a message target. */
bool synvp_msg_ready(const struct synvp *s);
/* SCONTROL and SIEFP are enabled and the SINT is not masked. */
bool synvp_event_ready(const struct synvp *s, unsigned sint);
/* Queue b (header and payload filled, payload_size <= 240) on sint and
 * deliver what the slot allows: 0, or -EINVAL (bad sint/size, b already
 * queued: b is untouched). */
int synvp_post_msg(struct synvp *s, unsigned sint, struct synic_msgbuf *b);
/* Try to deliver the head of every queue: EOM, SINT/SIMP/SCONTROL
 * writes, and the APIC EOI of a SINT vector call it. Also retries timer
 * messages that were waiting for their buffer. */
void synvp_scan_queues(struct synvp *s);
/* APIC EOI of vector: rescan if an unmasked SINT uses it (TLFS: EOI is a
 * redelivery trigger, like EOM). */
void synvp_notify_eoi(struct synvp *s, uint8_t vector);
/* Drop queued messages charged to *charge (their port is deleted), or
 * every queued message if charge is NULL. */
void synvp_drop_charged(struct synvp *s, const uint32_t *charge);
/* Queued messages on sint (tests and statistics). */
unsigned synvp_count_queued(const struct synvp *s, unsigned sint);

/* Set event flag `flag` of sint in the SIEF page. 1: newly set (the SINT
 * is raised unless it polls); 0: it was already set (no interrupt);
 * -ENODEV: SynIC or SIEF disabled or SINT masked; -EFAULT: the SIEF page
 * is not the partition's; -EINVAL: sint or flag out of range. */
int synvp_signal_event(struct synvp *s, unsigned sint, unsigned flag);
/* The same, and *page: the SIEF page it used (NULL unless it got one). */
int synvp_signal_event_page(struct synvp *s, unsigned sint, unsigned flag, void **page);
/* The same through a SIEF page the caller kept from an earlier call,
 * while nothing it depends on changed (s->gen, map_gen; hvport.c):
 * sint and flag in range, s ready for events. 1 or 0 as above. */
int synvp_signal_mapped(struct synvp *s, void *page, unsigned sint, unsigned flag);

/* ---- synthetic timers (synvp.c, semantics in stimer.c) ---- */
/* Fire every timer due at `now`: a direct timer raises its vector, a
 * message timer queues HV_MSG_TIMER_EXPIRED on its SINT (a timer whose
 * previous message is still queued waits for it). */
void synvp_poll_timers(struct synvp *s, uint64_t now);
/* The earliest reference time a timer is due (a timer waiting for its
 * message buffer is not counted): true and *due, or false if none. */
bool synvp_next_timer(const struct synvp *s, uint64_t now, uint64_t *due);
#endif
