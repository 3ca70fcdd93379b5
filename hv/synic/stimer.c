/*
 * Synthetic timer register semantics (TLFS timers.md); see stimer.h.
 */
#include <errno.h>
#include <string.h>
#include "stimer.h"

/* TLFS "Synthetic Timer Configuration Register": a message-mode timer may
 * not be enabled with SINTx 0; if attempted, Enable is cleared at once. */
static uint64_t stimer_check_sint(uint64_t config)
{
	if ((config & HV_STIMER_ENABLE) && !(config & HV_STIMER_DIRECT) &&
	    HV_STIMER_SINT(config) == 0)
		config &= ~HV_STIMER_ENABLE;
	return config;
}

/* Times are compared by signed distance (stimer_is_due), so a period of
 * 2^63 or more would look like the past after every expiry and the timer
 * would fire without end. Such a period (over 29,000 years of 100 ns
 * units) is clamped to 2^62, which no guest can tell apart. */
#define STIMER_PERIOD_MAX (1ull << 62)

static uint64_t stimer_period(const struct stimer *t)
{
	return t->count < STIMER_PERIOD_MAX ? t->count : STIMER_PERIOD_MAX;
}

/* The first expiry after (re)enabling: COUNT is the absolute time of a
 * one-shot timer, the period of a periodic one, whose first period
 * begins when it is enabled (TLFS "Synthetic Timer Count Register"). */
static void stimer_rearm(struct stimer *t, uint64_t now)
{
	t->armed = (t->config & HV_STIMER_ENABLE) && t->count;
	if (!t->armed)
		return;
	t->due = (t->config & HV_STIMER_PERIODIC) ? now + stimer_period(t) : t->count;
}

int stimer_write_config(struct stimer *t, uint64_t val, bool direct_ok, uint64_t now)
{
	if (val & HV_STIMER_RSVDZ)
		return -EINVAL;
	/* Direct mode only when CPUID offers it (as KVM refuses it), and
	 * with a vector the LAPIC can take (0-15 are invalid, as for SINTs). */
	if ((val & HV_STIMER_DIRECT) &&
	    (!direct_ok || HV_STIMER_VECTOR(val) < HV_SINT_MIN_VECTOR))
		return -EINVAL;
	t->config = stimer_check_sint(val);
	stimer_rearm(t, now);
	return 0;
}

/* TLFS: writing 0 stops the timer whatever AutoEnable says; with
 * AutoEnable a nonzero write sets Enable. */
void stimer_write_count(struct stimer *t, uint64_t val, uint64_t now)
{
	t->count = val;
	if (!val)
		t->config &= ~HV_STIMER_ENABLE;
	else if (t->config & HV_STIMER_AUTO_ENABLE)
		t->config = stimer_check_sint(t->config | HV_STIMER_ENABLE);
	stimer_rearm(t, now);
}

/* "The timer expires when the reference counter is equal to or greater
 * than the specified count value" and the count may wrap: compare the
 * signed distance. A one-shot time in the past expires at once. */
bool stimer_is_due(const struct stimer *t, uint64_t now)
{
	return t->armed && (int64_t)(t->due - now) <= 0;
}

void stimer_expire(struct stimer *t, uint64_t now, uint64_t *expiration)
{
	*expiration = t->due;
	if (!(t->config & HV_STIMER_PERIODIC)) {
		t->config &= ~HV_STIMER_ENABLE;   /* one-shot: marked disabled */
		t->armed = false;
		return;
	}
	t->due += stimer_period(t);
	if ((int64_t)(t->due - now) <= 0)
		t->due = now + stimer_period(t);   /* skip missed periods */
}

void stimer_fill_message(struct hv_message *m, unsigned idx, uint64_t expiration)
{
	struct hv_timer_message_payload p = {
		.timer_index = idx,
		.expiration_time = expiration,
	};

	memset(&m->header, 0, sizeof(m->header));
	m->header.type = HV_MSG_TIMER_EXPIRED;
	m->header.payload_size = sizeof(p);
	memcpy(m->payload, &p, sizeof(p));
}
