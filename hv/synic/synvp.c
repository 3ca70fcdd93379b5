/*
 * SynIC and synthetic timer MSRs of one vCPU (TLFS inter-partition-
 * communication.md "SynIC MSRs"; timers.md "Synthetic Timer MSRs"),
 * dispatched through one table whose unhandled entry is -ENOENT.
 *
 * Reserved bits: SCONTROL, SIMP, SIEFP and SINTx mark theirs RsvdP
 * ("value should be preserved", Read / Write), so hv keeps what the
 * guest writes and returns it rather than raising #GP (KVM and OpenVMM
 * do the same). Only the values the TLFS or KVM refuse raise #GP: a write
 * to SVERSION, an unmasked SINT with a vector below 16, a SIMP or SIEFP
 * page the partition does not own (KVM arch/x86/kvm/hyperv.c
 * synic_set_msr fails when it cannot clear it), and the synthetic
 * timers' RsvdZ bits (stimer.c).
 */
#include <errno.h>
#include <string.h>
#include "synvp.h"

void synvp_init(struct synvp *s, const struct synvp_ops *ops, void *ctx,
		bool direct_timers)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
	s->direct_timers = direct_timers;
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
		s->timer_buf[i].kind = SYNIC_BUF_TIMER;
	synvp_reset(s);
}

/* TLFS: at creation and reset SCONTROL, SIMP, SIEFP and the timers are
 * 0, every SINT is 0x10000 (masked) and the message queues are empty. */
void synvp_reset(struct synvp *s)
{
	synvp_drop_charged(s, NULL);
	for (unsigned i = 0; i < HV_SINT_COUNT; i++)
		s->sint[i] = HV_SINT_RESET;
	s->scontrol = s->simp = s->siefp = 0;
	memset(s->timer, 0, sizeof(s->timer));
	synvp_changed(s);
}

void synvp_changed(struct synvp *s)
{
	s->gen++;
}

static uint64_t synvp_now(struct synvp *s)
{
	return s->ops->now ? s->ops->now(s->ctx) : 0;
}

/* Clear a SIM or SIEF page when it is enabled or moved (KVM and OpenVMM
 * vm/hv1/hv1_emulator/src/synic.rs set_simp do so; the TLFS clears them
 * at reset). Rewriting the same enabled value keeps the contents. */
static int synvp_set_page(struct synvp *s, uint64_t *reg, uint64_t val)
{
	bool was_on = *reg & HV_PAGE_MSR_ENABLE;
	void *page;

	if ((val & HV_PAGE_MSR_ENABLE) &&
	    (!was_on || HV_PAGE_MSR_GPA(val) != HV_PAGE_MSR_GPA(*reg))) {
		page = s->ops->map_page(s->ctx, HV_PAGE_MSR_GPA(val));
		if (!page)
			return -EINVAL;
		memset(page, 0, 4096);
	}
	*reg = val;
	return 0;
}

static int rd_scontrol(struct synvp *s, unsigned i, uint64_t *v) { (void)i; *v = s->scontrol; return 0; }
static int rd_sversion(struct synvp *s, unsigned i, uint64_t *v) { (void)s; (void)i; *v = HV_SYNIC_VERSION; return 0; }
static int rd_siefp(struct synvp *s, unsigned i, uint64_t *v) { (void)i; *v = s->siefp; return 0; }
static int rd_simp(struct synvp *s, unsigned i, uint64_t *v) { (void)i; *v = s->simp; return 0; }
static int rd_sint(struct synvp *s, unsigned i, uint64_t *v) { *v = s->sint[i]; return 0; }

/* TLFS "EOM Register": reads always return zero. */
static int rd_eom(struct synvp *s, unsigned i, uint64_t *v) { (void)s; (void)i; *v = 0; return 0; }

static int rd_stimer(struct synvp *s, unsigned i, uint64_t *v)
{
	const struct stimer *t = &s->timer[i / 2];

	*v = (i & 1) ? t->count : t->config;
	return 0;
}

/* Message queuing follows SCONTROL.Enable: rescan when it changes. */
static int wr_scontrol(struct synvp *s, unsigned i, uint64_t v)
{
	(void)i;
	s->scontrol = v;
	synvp_scan_queues(s);
	return 0;
}

/* TLFS "SVERSION Register": writes raise #GP. */
static int wr_sversion(struct synvp *s, unsigned i, uint64_t v) { (void)s; (void)i; (void)v; return -EINVAL; }

static int wr_siefp(struct synvp *s, unsigned i, uint64_t v)
{
	(void)i;
	return synvp_set_page(s, &s->siefp, v);
}

/* A newly enabled SIM page can take what was queued while it was off. */
static int wr_simp(struct synvp *s, unsigned i, uint64_t v)
{
	int rc;

	(void)i;
	rc = synvp_set_page(s, &s->simp, v);
	if (rc == 0)
		synvp_scan_queues(s);
	return rc;
}

/* TLFS "EOM Register": the value is a write-only trigger. */
static int wr_eom(struct synvp *s, unsigned i, uint64_t v)
{
	(void)i;
	(void)v;
	synvp_scan_queues(s);
	return 0;
}

/* TLFS "SINTx Registers": vectors 0-15 are invalid (#GP); refused only
 * when unmasked, as KVM's synic_set_sint does, so a guest may write back
 * the masked reset value 0x10000. */
static int wr_sint(struct synvp *s, unsigned i, uint64_t v)
{
	if (!(v & HV_SINT_MASKED) && HV_SINT_VECTOR(v) < HV_SINT_MIN_VECTOR)
		return -EINVAL;
	s->sint[i] = v;
	synvp_scan_queues(s);
	return 0;
}

static int wr_stimer(struct synvp *s, unsigned i, uint64_t v)
{
	struct stimer *t = &s->timer[i / 2];
	uint64_t now = synvp_now(s);

	if (i & 1) {
		stimer_write_count(t, v, now);
		return 0;
	}
	return stimer_write_config(t, v, s->direct_timers, now);
}

struct synvp_msr {
	uint32_t first, last;
	int (*read)(struct synvp *s, unsigned i, uint64_t *v);
	int (*write)(struct synvp *s, unsigned i, uint64_t v);
};

static const struct synvp_msr synvp_msrs[] = {
	{ HV_MSR_SCONTROL, HV_MSR_SCONTROL, rd_scontrol, wr_scontrol },
	{ HV_MSR_SVERSION, HV_MSR_SVERSION, rd_sversion, wr_sversion },
	{ HV_MSR_SIEFP, HV_MSR_SIEFP, rd_siefp, wr_siefp },
	{ HV_MSR_SIMP, HV_MSR_SIMP, rd_simp, wr_simp },
	{ HV_MSR_EOM, HV_MSR_EOM, rd_eom, wr_eom },
	{ HV_MSR_SINT0, HV_MSR_SINT15, rd_sint, wr_sint },
	{ HV_MSR_STIMER0_CONFIG, HV_MSR_STIMER3_COUNT, rd_stimer, wr_stimer },
};

/* The row for msr, or NULL: the explicit unhandled case (-ENOENT). */
static const struct synvp_msr *synvp_find_msr(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(synvp_msrs) / sizeof(synvp_msrs[0]); i++)
		if (msr >= synvp_msrs[i].first && msr <= synvp_msrs[i].last)
			return &synvp_msrs[i];
	return NULL;
}

int synvp_read_msr(struct synvp *s, uint32_t msr, uint64_t *val)
{
	const struct synvp_msr *m = synvp_find_msr(msr);

	return m ? m->read(s, msr - m->first, val) : -ENOENT;
}

int synvp_write_msr(struct synvp *s, uint32_t msr, uint64_t val)
{
	const struct synvp_msr *m = synvp_find_msr(msr);

	if (!m)
		return -ENOENT;
	synvp_changed(s);   /* even a refused write: cheaper than knowing */
	return m->write(s, msr - m->first, val);
}

/* ---- synthetic timers ---- */

/* A message timer whose previous message still waits in hv keeps its
 * expiry pending: one buffer per timer (TLFS "Message Sources"), and an
 * undelivered message stays pending until acknowledged (KVM stimer_*). */
static bool synvp_timer_blocked(const struct synvp *s, unsigned i)
{
	return !(s->timer[i].config & HV_STIMER_DIRECT) && s->timer_buf[i].queued;
}

static void synvp_fire_timer(struct synvp *s, unsigned i, uint64_t now)
{
	struct stimer *t = &s->timer[i];
	struct synic_msgbuf *b = &s->timer_buf[i];
	uint64_t expiration;
	uint64_t config = t->config;

	stimer_expire(t, now, &expiration);
	if (config & HV_STIMER_DIRECT) {
		s->ops->raise(s->ctx, HV_STIMER_VECTOR(config), false);
		return;
	}
	stimer_fill_message(&b->msg, i, expiration);
	(void)synvp_post_msg(s, HV_STIMER_SINT(config), b);
}

void synvp_poll_timers(struct synvp *s, uint64_t now)
{
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
		if (stimer_is_due(&s->timer[i], now) && !synvp_timer_blocked(s, i))
			synvp_fire_timer(s, i, now);
}

bool synvp_next_timer(const struct synvp *s, uint64_t now, uint64_t *due)
{
	bool found = false;
	int64_t best = 0;

	for (unsigned i = 0; i < HV_STIMER_COUNT; i++) {
		const struct stimer *t = &s->timer[i];
		int64_t d = (int64_t)(t->due - now);

		if (!t->armed || synvp_timer_blocked(s, i))
			continue;
		if (!found || d < best)
			best = d;
		found = true;
	}
	if (found)
		*due = now + (uint64_t)(best < 0 ? 0 : best);
	return found;
}
