/*
 * Synthetic timer semantics (Hyper-V TLFS timers.md "Synthetic Timers",
 * "Synthetic Timer Configuration Register", "Synthetic Timer Count
 * Register"), as pure functions of the register values and the
 * partition's reference time (100 ns units). Delivery (a message on a
 * SINT, or a direct vector) is synvp.c's.
 */
#ifndef HV_SYNIC_STIMER_H
#define HV_SYNIC_STIMER_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/abi/tlfs.h>

struct stimer {
	uint64_t config;             /* HV_STIMER_* bits as the guest sees them */
	uint64_t count;              /* one-shot: absolute time; periodic: period */
	uint64_t due;                /* reference time of the next expiry */
	bool armed;                  /* due is meaningful */
};

/* Write CONFIG at reference time now. -EINVAL (#GP): an RsvdZ bit is
 * set, direct mode without direct_ok (not advertised) or with a vector
 * below 16. Enabling a message timer with SINTx 0 clears Enable. */
int stimer_write_config(struct stimer *t, uint64_t val, bool direct_ok, uint64_t now);
/* Write COUNT at reference time now: 0 disables the timer; with
 * AutoEnable a nonzero count enables it. */
void stimer_write_count(struct stimer *t, uint64_t val, uint64_t now);
/* Is t due at now? Compares with wrap-around (the TLFS lets COUNT wrap). */
bool stimer_is_due(const struct stimer *t, uint64_t now);
/* Expire a due timer: *expiration is the time it was due; a one-shot
 * timer clears Enable, a periodic one moves to its next period (periods
 * already missed are skipped, which the TLFS allows). */
void stimer_expire(struct stimer *t, uint64_t now, uint64_t *expiration);
/* HV_MSG_TIMER_EXPIRED message for timer idx (origin 0; the delivery
 * time is filled in when the message enters its slot). */
void stimer_fill_message(struct hv_message *m, unsigned idx, uint64_t expiration);
#endif
