/*
 * Scheduling the parent and the children on each physical CPU (the boot
 * CPU has the parent's vCPU; an AP only children's, hv/core/smp_run.c),
 * and the
 * generic part of every exit and entry (the backend calls
 * sched_finish_exit after its exit dispatch, and sched_prepare_entry
 * before every entry).
 * - Turns are enforced with the backend's timer (arch_vcpu_set_timer;
 *   VT-x: the VMX-preemption timer) and measured from their start, so
 *   re-entering does not renew them. A child's HLT yields until its next
 *   interrupt (its vLAPIC timer); with nothing runnable the parent idles in
 *   the HLT activity state and the timer wakes hv for the earliest child
 *   timer.
 * - The parent owns the physical interrupts (docs/ARCHITECTURE.md rule 2)
 *   and takes each within its interrupt latency, whatever the children
 *   do. The latency is the parent's choice (HvpartSetInterruptLatency:
 *   short while its console is in use), as each look costs the children
 *   an exit.
 *   - A physical interrupt while a child runs exits to hv (external-
 *     interrupt exiting) and the parent runs next, taking it natively.
 *   - No child runs longer than the latency without hv looking for a
 *     pending interrupt itself (arch_cpu_take_interrupt); one it accepts
 *     is injected into the parent, which runs next. When the look finds
 *     nothing the child goes on at once (look_only). The exit alone is
 *     not enough: Bochs 2.7 does not exit for a guest entered with
 *     RFLAGS.IF = 0 (it computes the interrupt mask at VM entry before it
 *     is in non-root mode), so a child spinning with interrupts off kept
 *     the CPU, and with the parent halted, for ever. Where hv's timer is
 *     itself an interrupt (SVM, arch_timer_is_interrupt) a look finds
 *     nothing that would not have exited by itself: none is made, and a
 *     child runs to the end of its turn or the next interrupt (on QEMU
 *     TCG the looks, an exit a millisecond, cost a CPU-bound child 8 %).
 *   - A parent that has work waits at most one child turn of the latency:
 *     it may sit in an interrupt handler or with interrupts off, where no
 *     new interrupt shows, while its UART fills. It then runs its turn,
 *     SLICE_PARENT_US, before the next child's.
 *   - While the parent waits in HLT, the children take turns of
 *     SLICE_CHILD among themselves.
 *   hv's messages to the parent (intercepts, stopped children) switch to
 *   it at once too.
 *   - A child whose turn the parent takes (an intercept it serves, a
 *     message, a physical interrupt) keeps the rest of that turn, paused
 *     while the parent runs, and goes on as soon as the parent is done
 *     (kept_turn), as a Hyper-V virtual
 *     processor does after its worker process completes an intercept.
 *     Otherwise every port access, each COM1 byte of a Linux boot, would
 *     cost it a whole turn of every other ready child.
 * Each CPU's run queue is every child vCPU placed on it (a slot each,
 * sched_here(v)), its state per CPU (this_cpu()); the lock the exit path
 * holds (hv/include/hv/smp.h) serialises them.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include "hypercall.h"
#include "intercept.h"
#include "synic.h"
#include "msr.h"
#include "sched_int.h"
#include <hv/smp.h>

#define SLICE_PARENT_US  4000
#define LOOK_MIN         64             /* ticks: less is not worth an entry */
#define AP_WAIT_LOOK_US  50
#define TSC_HZ_DEFAULT   1000000000ull  /* until the parent has measured it */

uint64_t hv_tsc_hz;
/* Kept with hv_tsc_hz: the conversions run several times on every VMBus
 * round trip, and the division they were cost it ticks it has none of to
 * spare (docs/benchmarks.md, signal_event_roundtrip). */
uint64_t sched_tsc_per_us = TSC_HZ_DEFAULT / 1000000;

static void latency_update(struct percpu *c)
{
	c->latency_tsc = sched_us_to_tsc(c->latency_us ? c->latency_us : HVPART_LATENCY_DEFAULT_US);
}

static uint64_t latency_ticks(void)
{
	struct percpu *c = this_cpu();

	if (!c->latency_tsc)
		latency_update(c);
	return c->latency_tsc;
}

/* The parent's measure of the TSC (HvpartSetTscFrequency). */
void sched_set_tsc_hz(uint64_t hz)
{
	hv_tsc_hz = hz;
	sched_tsc_per_us = hz / 1000000;
	for (uint32_t i = 0; i < HV_MAX_CPUS; i++)
		if (hv_percpu[i].self)
			latency_update(&hv_percpu[i]);
}

uint16_t hc_set_interrupt_latency(struct hc_args *a)
{
	if (a->fast_in < HVPART_LATENCY_MIN_US || a->fast_in > HVPART_LATENCY_MAX_US)
		return HV_STATUS_INVALID_PARAMETER;
	this_cpu()->latency_us = a->fast_in;
	latency_update(this_cpu());
	return HV_STATUS_SUCCESS;
}

void sched_set_parent(struct vcpu *v)
{
	this_cpu()->parent = v;
}

/* The parent's vCPU is the boot CPU's (hv/core/smp_run.c): a child on
 * an AP tells it there. */
void sched_notify_parent(void)
{
	hv_percpu[0].parent->notify_pending = true;
	smp_kick(0);
}

/* earliest_child_timer's and lone_child's answers are kept while this
 * stands still. It
 * moves on every exit but a VMBus call (HvPostMessage, HvSignalEvent,
 * which reach a child only through its SynIC's flags, messages and
 * interrupts) and the parent's HLT: a child's exit may write its timers
 * or stop it, the parent's hypercalls start, stop and suspend children,
 * set their shares and the TSC rate. It also moves when a child's timer
 * fires or is polled (sched_timers_changed), when a child starts, stops
 * or gets a vCPU, and at a new accounting period. Never 0, which
 * fire_gen uses for none. */
static uint64_t timers_gen = 1;

void sched_timers_changed(void)
{
	timers_gen++;
}

/* The CPUs p's vCPUs run on, as a bit set. */
static uint32_t part_cpus(const struct partition *p)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < p->nvcpus; i++)
		m |= 1u << p->vcpus[i]->cpu;
	return m;
}

/* children_running counts, on each CPU, the started, unsuspended
 * children with a vCPU there. */
void sched_child_started(struct partition *p)
{
	for (uint32_t m = part_cpus(p); m; m &= m - 1) {
		hv_percpu[__builtin_ctz(m)].children_running++;
		smp_kick((uint32_t)__builtin_ctz(m));
	}
	sched_timers_changed();
}

void sched_child_stopped(struct partition *p)
{
	for (uint32_t m = part_cpus(p); m; m &= m - 1) {
		struct percpu *c = &hv_percpu[__builtin_ctz(m)];

		if (c->children_running)
			c->children_running--;
		smp_kick((uint32_t)__builtin_ctz(m));
	}
	sched_timers_changed();
}

/* An AP has no parent's vCPU (hv/core/smp_run.c). */
static bool parent_alive(void)
{
	struct vcpu *p = sched_parent();

	return p && p->part->state == HVPART_STATE_RUNNING;
}

/* hv has something for the parent: a notification or a SINT vector
 * (hv/core/synic_vp.c). */
static bool parent_has_message(const struct vcpu *p)
{
	return p->notify_pending || synic_parent_vector(p) >= 0;
}

static bool parent_ready(void)
{
	struct vcpu *p = sched_parent();

	return parent_alive() && (p->run == VCPU_RUNNABLE || parent_has_message(p));
}

/* An AP: the parent's processor here (hv/core/parent_vp.c) if it has
 * something to do: it runs, or hv has a SINT vector for it. It goes
 * before the children, as the boot CPU's parent does when called. */
static struct vcpu *parent_ap_ready(void)
{
	struct vcpu *v = this_cpu()->parent_ap;

	if (!v || v->claimed || v->part->state != HVPART_STATE_RUNNING || v->run == VCPU_WAIT_SIPI)
		return NULL;
	return v->run == VCPU_RUNNABLE || synic_parent_vector(v) >= 0 ? v : NULL;
}

static bool child_ready(struct vcpu *v, uint64_t now)
{
	/* cap.wait: its guest wrote a page a live capture must copy first,
	 * and the stash has no room until the parent drains (capture.c). */
	if (v->part->privileged || v->part->state != HVPART_STATE_RUNNING || v->part->suspended ||
	    v->part->cap.wait || sched_capped(v) || !sched_here(v) || v->claimed)
		return false;
	if (v->sipi_pending)
		ipi_take_sipi(v);
	if (v->run == VCPU_HALTED) {
		vlapic_poll_timer(v, now);
		synic_poll(v);
		if (sched_halt_ends(v)) {
			v->run = VCPU_RUNNABLE;
			v->woke = true;
		}
	}
	return v->run == VCPU_RUNNABLE;
}

#define NSLOTS (MAX_PARTITIONS * PARTITION_MAX_VCPUS)

/* The child vCPU in a slot (NULL: none). */
static struct vcpu *slot_vcpu(uint64_t slot)
{
	struct partition *p = partition_by_id(slot / PARTITION_MAX_VCPUS);
	uint32_t i = (uint32_t)(slot % PARTITION_MAX_VCPUS);

	return p && !p->privileged && i < p->nvcpus ? p->vcpus[i] : NULL;
}

static uint64_t slot_of(const struct vcpu *v)
{
	return v->part->id * PARTITION_MAX_VCPUS + v->index;
}

/* Partitions after id, cyclically, before the next child's (id's own
 * if it is the only one); MAX_PARTITIONS if there is no child. */
static uint32_t partitions_to_next_child(uint32_t id)
{
	uint32_t m = partition_children, r;

	if (!m)
		return MAX_PARTITIONS;
	id = (id + 1) % MAX_PARTITIONS;
	r = (m >> id) | (m << ((MAX_PARTITIONS - id) % MAX_PARTITIONS));
	return (uint32_t)__builtin_ctz(r);
}

/* The next ready child vCPU in turn after the last one, not v (NULL:
 * none); only one under its reserve if reserve. Slots of partitions that
 * are absent or the parent, and a child's slots beyond its vCPUs, are
 * passed over together (partition_children): this runs on most entries,
 * and slot by slot it was most of a VMBus signal's round trip in hv
 * (docs/benchmarks.md). */
static struct vcpu *scan_children(struct vcpu *v, uint64_t now, bool reserve)
{
	for (uint32_t i = 1; i <= NSLOTS; i++) {
		uint64_t slot = (this_cpu()->rr_last + i) % NSLOTS;
		uint32_t id = (uint32_t)(slot / PARTITION_MAX_VCPUS);
		uint32_t k = (uint32_t)(slot % PARTITION_MAX_VCPUS);
		struct partition *p = partition_by_id(id);
		struct vcpu *c;

		if (!(partition_children & (1u << id)) || k >= p->nvcpus) {
			i += PARTITION_MAX_VCPUS - 1 - k +
			     PARTITION_MAX_VCPUS * partitions_to_next_child(id);
			continue;
		}
		c = p->vcpus[k];
		if (c != v && (!reserve || sched_under_reserve(c)) && child_ready(c, now))
			return c;
	}
	return NULL;
}

/* The vCPU of the only running child on this CPU (children_running
 * counts the started, unsuspended children with a vCPU here) if it has
 * one vCPU; NULL otherwise. */
static struct vcpu *find_lone_child(void)
{
	uint32_t me = 1u << this_cpu()->index;

	if (this_cpu()->children_running != 1)
		return NULL;
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		if (p->state == HVPART_STATE_RUNNING && !p->suspended && (part_cpus(p) & me))
			return p->nvcpus == 1 ? p->vcpus[0] : NULL;
	}
	return NULL;
}

/* Asked on most exits and entries; what it depends on (children_running,
 * the children's states and vCPUs) moves timers_gen. */
static struct vcpu *lone_child(void)
{
	struct percpu *c = this_cpu();

	if (c->lone_gen != timers_gen) {
		c->lone = find_lone_child();
		c->lone_gen = timers_gen;
	}
	return c->lone;
}

/* The next child vCPU in turn after the last one, v itself last (NULL:
 * none is ready); one under its reserve goes first. */
static struct vcpu *next_child(struct vcpu *v, uint64_t now)
{
	struct vcpu *r;

	/* This runs on most entries of a child (sched_budget, turn_length)
	 * and on the parent's HLT; slot by slot the scan was 1,274 ticks of
	 * every xAPIC EOI's 2,089 (docs/benchmarks.md). A lone running child
	 * with one vCPU has nobody beside it: it is the answer if it is ready
	 * (v itself, or v is not a running child's), else nobody is. */
	if ((r = lone_child()))
		return child_ready(r, now) ? r : NULL;
	if ((r = scan_children(v, now, true)))
		return r;
	if (v && v != sched_parent() && sched_under_reserve(v) && child_ready(v, now))
		return v;
	if ((r = scan_children(v, now, false)))
		return r;
	return v && v != sched_parent() && child_ready(v, now) ? v : NULL;
}

/* The parent takes cur's turn: cur keeps what is left of it, paused
 * while the parent runs. Counting the parent's time against it (the turn
 * ending at its old TSC) made a Linux child beside a CPU-bound one crawl
 * on QEMU SVM: serving one port access took longer than the rest of its
 * turn, so each COM1 byte cost a whole turn of the other child (make run
 * with spin.elf started; Linux stopped 2 s into its boot, its RCU stall
 * report printing byte by byte). A Hyper-V virtual processor is not
 * charged for the root's work on its intercepts either. */
static void keep_turn(struct vcpu *cur, uint64_t now)
{
	if (!cur->part->privileged && cur->slice_end > now) {
		this_cpu()->kept_turn = 1 + slot_of(cur);
		cur->kept_left = cur->slice_end - now;
	}
}

static bool turn_kept(const struct vcpu *v)
{
	return !v->part->privileged && 1 + slot_of(v) == this_cpu()->kept_turn;
}

/* The child whose turn the parent took, if it can go on with it now. It
 * stays kept while it waits for its intercept. */
static struct vcpu *kept_child(uint64_t now)
{
	struct percpu *c = this_cpu();
	struct vcpu *v = c->kept_turn ? slot_vcpu(c->kept_turn - 1) : NULL;

	/* Moved to another CPU (smp_balance), it keeps nothing here. */
	if (!v || v->part->state != HVPART_STATE_RUNNING || !sched_here(v)) {
		c->kept_turn = 0;
		return NULL;
	}
	if (!child_ready(v, now))
		return NULL;
	c->kept_turn = 0;
	v->slice_end = now + v->kept_left;
	/* A parent with work waits at most one child turn of the latency
	 * (above): the rest of a turn that began while it slept shrinks to
	 * that, as a new turn would be (turn_length). Without this, four
	 * spinners each kept 2^21-tick turns while the parent echoed a paste,
	 * and its UART overran (test_console_input). */
	if (parent_ready() && v->kept_left > latency_ticks())
		v->slice_end = now + latency_ticks();
	return v;
}

/* A child vCPU, other than the kept one k, that the parent's work has
 * just made ready from HLT and that has not run since (an event the
 * parent signalled it, a message). It goes before k's turn resumes:
 * otherwise a receiver woken for every frame waited for the whole turn
 * of a sender that the parent served frame after frame, and its receive
 * buffer overflowed (two nettest guests, 53 of 300 frames dropped in
 * test_vmbus; tests/bench/netvsp/bench_netvsp_wire.py). It is the boost
 * a Xen credit vCPU gets when it wakes. It takes a turn of its own, and
 * k keeps the rest of its (kept_turn stays): k is not charged for it,
 * and a CPU-bound child, which never halts, is never one. A test of the
 * two children's shares this period kept the echoer from its boost
 * after it had served another sender's flood, and it dropped frames
 * again; with the turns as they are, k still gets one between any two
 * of the woken child's. */
static struct vcpu *woken_child(uint64_t now)
{
	struct percpu *c = this_cpu();
	struct vcpu *k, *v;

	/* A lone child has nobody to wake beside it: the VMBus round trip's
	 * case, which is measured to the tick (docs/benchmarks.md). */
	if (!c->kept_turn || c->children_running < 2)
		return NULL;
	if (!(k = slot_vcpu(c->kept_turn - 1)))
		return NULL;
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus; i++) {
			v = p->vcpus[i];
			/* child_ready first: it is what sets woke. */
			if (v != k && child_ready(v, now) && v->woke)
				return v;
		}
	}
	return NULL;
}

/* The parent's accepted interrupts: the lowest vector goes first, as
 * the 8259's IRQ 0 before IRQ 7 (the parent's IRQ_BASE vectors), so that
 * its non-specific EOI ends the one it handled (8259A datasheet, fully
 * nested mode). */
static int parent_irq_first(const struct percpu *c)
{
	for (unsigned i = 0; i < 4; i++)
		if (c->parent_irqs[i])
			return (int)(i * 64 + (unsigned)__builtin_ctzll(c->parent_irqs[i]));
	return -1;
}

static bool parent_irq_take(struct percpu *c, int vec)
{
	uint64_t bit = 1ull << (vec % 64);

	if (vec < 0 || !(c->parent_irqs[vec / 64] & bit))
		return false;
	c->parent_irqs[vec / 64] &= ~bit;
	return true;
}

/* Whether the parent must run now: hv has a message for it, or a physical
 * interrupt is waiting. One pending in the CPU is accepted here every
 * time, also while others wait: left pending, it would make the parent
 * exit again at once (INTR intercepted, svm_timer.c) before it could take
 * the one offered it (a physical interrupt goes before a virtual one,
 * APM Vol. 2 §15.21.4), for ever. */
void sched_parent_irq_taken(int vec)
{
	struct percpu *c = this_cpu();

	/* Only the boot CPU's LINT0 carries the 8259's (an AP has no
	 * parent): there is nobody else to give it to. */
	if (!c->parent || vec < 0 || vec > 255) {
		hv_err("hv: interrupt vector %d accepted on CPU %u with no parent; dropped", vec, c->index);
		return;
	}
	c->parent_irqs[vec / 64] |= 1ull << (vec % 64);
	c->parent->run = VCPU_RUNNABLE;
}

static bool parent_called(void)
{
	struct percpu *c = this_cpu();
	int vec;

	if (!parent_alive())
		return false;
	vec = arch_cpu_take_interrupt();
	if (vec >= 0)
		sched_parent_irq_taken(vec);
	return parent_has_message(c->parent) || c->parent_woken || parent_irq_first(c) >= 0;
}

static bool timer_due(uint64_t now)
{
	uint64_t t = this_cpu()->next_fire;

	return t && t <= now;
}

/* An AP: a vCPU of its own whose port access the parent has answered
 * goes before the others, in a turn of its own (only one keeps the rest
 * of its turn, kept_turn): four children printing their first lines
 * beside two spinning with interrupts off each waited two whole turns a
 * byte. Whether any vCPU here still waits for the parent is kept for
 * the looks (sched_budget). */
static struct vcpu *answered_child(uint64_t now)
{
	struct percpu *c = this_cpu();
	struct vcpu *found = NULL;

	c->parent_waited = false;
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus; i++) {
			struct vcpu *v = p->vcpus[i];

			if (!sched_here(v))
				continue;
			c->parent_waited |= v->run == VCPU_BLOCKED;
			if (!found && v->answered && child_ready(v, now))
				found = v;
		}
	}
	if (found) {
		found->answered = false;
		found->slice_end = 0;
	}
	return found;
}

/* On an AP (no parent's vCPU): a ready vCPU of its own, in turn, or
 * NULL. */
struct vcpu *sched_first_here(void)
{
	uint64_t now = rdtsc();
	struct vcpu *v;

	sched_period_roll(now);
	if ((v = parent_ap_ready()))
		return v;
	if ((v = kept_child(now)) || (v = answered_child(now)))
		return v;
	v = next_child(NULL, now);
	if (v) {
		if (!sched_under_reserve(v))
			this_cpu()->rr_last = slot_of(v);
		v->slice_end = 0;
	}
	return v;
}

/* An AP: a vCPU here that an interrupt has just woken from HLT (an IPI
 * from a sibling on another CPU, its timer) goes ahead of cur, which
 * keeps the rest of its turn (kept_turn) and is not charged for the
 * other's. Without it the woken vCPU waited for a spinner's turn to end:
 * each IPI of a two-vCPU child whose BSP shared an AP with a spinner took
 * about 10 ms under QEMU (test_smp's balance case). Xen's credit
 * scheduler boosts a waking vCPU the same way. Only one turn is kept at a
 * time, so a vCPU already boosted is not preempted by the next woken. */
static struct vcpu *boosted_child(struct vcpu *cur, uint64_t now)
{
	struct vcpu *v;

	if (this_cpu()->kept_turn || cur->slice_end <= now || !child_ready(cur, now))
		return NULL;
	keep_turn(cur, now);
	if ((v = woken_child(now)))
		return v;
	this_cpu()->kept_turn = 0;
	return NULL;
}

/* The sibling cur's PAUSE yields to (hv_handle_pause), if it is still
 * ready here. It goes at once, as KVM's kvm_vcpu_on_spin yields to the
 * one it picked, not to the next in turn: on one AP with two spinners,
 * each of smp.elf's IPIs to a sibling there waited for the spinners'
 * turns, 4.2 M ticks a round trip. The two share cur's turn: the sibling
 * runs to its end, and cur keeps what is left of it for when the sibling
 * halts (the acknowledgement it waited for is then there), unless a turn
 * is kept already. Yielding back to the kept one hands it the turn
 * without keeping another, so two siblings spinning for each other
 * ping-pong within one turn and then give the CPU to the others. */
static struct vcpu *yielded_to(struct vcpu *cur, uint64_t now)
{
	struct percpu *c = this_cpu();
	struct vcpu *t = cur->yield_to;

	cur->yield_to = NULL;
	if (!t || cur == sched_parent() || !child_ready(t, now))
		return NULL;
	if (c->kept_turn == 1 + slot_of(t))
		c->kept_turn = 0;
	else if (!c->kept_turn)
		keep_turn(cur, now);
	t->slice_end = cur->slice_end > now ? cur->slice_end : 0;
	return t;
}

struct vcpu *sched_next(struct vcpu *cur)
{
	struct vcpu *parent_v = sched_parent(), *next;
	uint64_t now;

again:
	now = rdtsc();
	/* What other CPUs changed for this one is looked at now. */
	if (smp_on)
		__atomic_store_n(&this_cpu()->kicked, 0, __ATOMIC_RELEASE);
	sched_period_roll(now);
	if (parent_called()) {
		this_cpu()->parent_woken = false;
		keep_turn(cur, now);
		/* Called, the parent gets a turn of its own: one left from
		 * before (over, or cut short by the child it now preempts)
		 * gave it a 1-tick budget at each entry, the crawl that
		 * overdue_budget describes. */
		if (cur != parent_v || parent_v->slice_end <= now)
			parent_v->slice_end = 0;
		return parent_v;
	}
	/* An AP: a vCPU whose port access the parent serves (on the boot
	 * CPU) keeps the rest of its turn and goes on as soon as the answer
	 * comes, ahead of whoever ran meanwhile, as on the boot CPU: there
	 * a Linux child's console would wait a whole turn of a spinning
	 * sibling per byte, here smp.elf's AP missed its start-up report
	 * (test_smp, two processors). */
	if (!parent_v) {
		if ((next = parent_ap_ready())) {
			keep_turn(cur, now);
			return next;
		}
		if (cur->run == VCPU_BLOCKED)
			keep_turn(cur, now);
		if ((next = kept_child(now)) || (next = answered_child(now)))
			return next;
		if ((next = boosted_child(cur, now))) {
			next->slice_end = 0;
			return next;
		}
	}
	if (cur->yield_to && (next = yielded_to(cur, now)))
		return next;
	/* A child's timer that is due ends the turn, so that its vCPU can
	 * be picked: going on, cur exited at every tick (its budget, which
	 * the due timer cut to 1) until its turn ended. */
	if (cur != parent_v && cur->slice_end > now && child_ready(cur, now) && !timer_due(now))
		return cur;   /* hv looked and found nothing: the turn goes on */
	if (cur != parent_v && parent_ready()) {
		keep_turn(cur, now);
		next = parent_v;
	} else if ((next = woken_child(now))) {
		/* Its own turn; the kept one's waits until it ends. */
	} else if ((next = kept_child(now))) {
		return next;   /* the rest of its turn */
	} else if ((next = next_child(cur, now))) {
		/* A pick for its reserve leaves the round where it was, or
		 * the others after it would be passed over every period. */
		if (!sched_under_reserve(next))
			this_cpu()->rr_last = slot_of(next);
	} else if (parent_alive()) {
		next = parent_v;   /* idle: the parent waits in HLT */
		if (parent_v->run == VCPU_HALTED && !arch_cpu_halts_in_guest() &&
		    sched_parent_idle(sched_earliest_timer()))
			goto again;
	} else if (!parent_v) {
		return sched_ap_idle();   /* an AP */
	} else {
		hv_err("hv: no partition left to run; the machine is halted");
		hv_halt();
	}
	next->slice_end = 0;   /* a new turn, also when cur keeps the CPU */
	return next;
}

static uint64_t min_budget(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* The earliest child timer, as the last entry worked it out if nothing
 * that moves it happened since (timers_gen): a VMBus round trip's three
 * entries all ask, and only the first would find anything new. Not kept
 * while a child has a maximum share: whether it is capped moves with
 * every tick it runs. */
uint64_t sched_earliest_timer(void)
{
	struct percpu *c = this_cpu();
	uint64_t best = 0;
	bool shares = false;

	if (c->fire_gen == timers_gen)
		return c->next_fire;
	/* By child partition, then its vCPUs. */
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		if (p->state != HVPART_STATE_RUNNING || p->suspended || p->cap.wait)
			continue;
		for (uint32_t i = 0; i < p->nvcpus; i++) {
			struct vcpu *v = p->vcpus[i];

			if (!sched_here(v))
				continue;
			shares |= p->max_pct < 100;
			/* At its maximum: ready again in the next period, not
			 * at its timers (one of them overdue meanwhile cut
			 * everyone else's budgets to 1 tick until then). */
			if (sched_capped(v)) {
				best = min_budget(best, c->period_start + sched_period_ticks());
				continue;
			}
			best = min_budget(best, vlapic_next_fire(v));
			best = min_budget(best, synic_next_tsc(v));   /* synthetic timers */
		}
	}
	c->fire_gen = shares ? 0 : timers_gen;
	return best;
}

/* Whether any child vCPU is ready: next_child(NULL, now) != NULL, without
 * its turn order (two passes over the run queue). */
static bool any_child_ready(uint64_t now)
{
	struct vcpu *r = lone_child();

	if (r)   /* the only running child, one vCPU */
		return child_ready(r, now);
	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus; i++)
			if (child_ready(p->vcpus[i], now))
				return true;
	}
	return false;
}

/* How long v's turn lasts, from its start (0: no end, nobody waits). */
static uint64_t turn_length(struct vcpu *v, uint64_t now)
{
	if (v == sched_parent())
		return any_child_ready(now) ? sched_us_to_tsc(SLICE_PARENT_US) : 0;
	if (parent_ready())
		return latency_ticks();
	return next_child(v, now) != v ? sched_weighted_slice(v) : 0;
}

/* The budget at an entry when a child's timer is already due. A child
 * exits at once, so that the timed one can be picked. The parent runs
 * again only when it was called (an interrupt, a message: it goes before
 * the children), and a 1-tick budget then gave it a few instructions per
 * entry for as long as it stayed called: with its interrupts off in a PIT
 * tick's handler and a notification waiting for them, it spent minutes
 * in that handler, IRQ0 in service at the PIC, its console unanswered,
 * under two nettest guests' traffic (the timed child never ran, as the
 * parent was called at each exit; tests/bench/netvsp/bench_netvsp_wire.py).
 * It now gets its interrupt latency, the bound it set for taking its own
 * interrupts, before the timed child goes. */
static uint64_t overdue_budget(const struct vcpu *v)
{
	return v == sched_parent() ? latency_ticks() : 1;
}

/* TSC ticks v may run from now (0: no limit needed). */
uint64_t sched_budget(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	uint64_t now = rdtsc(), budget = 0, len;

	/* The parent's processor on an AP runs until it halts: the kicks
	 * that would end it exit whatever its guest does (hv/core/parent_vp.c). */
	if (!c->children_running || (v->part->privileged && v != c->parent))
		return 0;
	if (!v->slice_end) {
		len = turn_length(v, now);
		v->slice_end = len ? now + len : 0;
	}
	if (v->slice_end)
		budget = v->slice_end > now ? v->slice_end - now : 1;
	if (v != c->parent && parent_alive() && !arch_timer_is_interrupt())
		budget = min_budget(budget, latency_ticks());
	/* On an AP a bound lets a kick be seen where the emulator does not
	 * exit for an interrupt while the guest's IF is clear (Bochs 2.7,
	 * above): the interrupt latency, or AP_WAIT_LOOK_US while a vCPU
	 * here waits for the parent's answer to a port access (kept_turn,
	 * parent_waited), whose kick would otherwise cost each access up to
	 * a millisecond beside a child spinning with interrupts off
	 * (test_smp). */
	if (!c->parent && !arch_timer_is_interrupt())
		budget = min_budget(budget, c->kept_turn || c->parent_waited ? sched_us_to_tsc(AP_WAIT_LOOK_US) :
							    latency_ticks());
	if (v != c->parent && v->part->max_pct < 100)
		budget = min_budget(budget, sched_cap_left(v));
	c->next_fire = sched_earliest_timer();
	if (c->next_fire)
		budget = min_budget(budget, c->next_fire > now ? c->next_fire - now : overdue_budget(v));
	return budget;
}

/* The timer fired in a child for hv's look at the parent's interrupts:
 * if none is waiting and its turn goes on, the ticks to the next look;
 * 0 if hv must schedule. Others became ready since the entry only through
 * a child timer (next_fire) or the parent (parent_called). */
static uint64_t look_again(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	uint64_t now, end;

	if (v->part->privileged || v->run != VCPU_RUNNABLE || v->part->state != HVPART_STATE_RUNNING ||
	    parent_called() || __atomic_load_n(&c->kicked, __ATOMIC_ACQUIRE))
		return 0;
	now = rdtsc();
	end = now + (!c->parent && (c->kept_turn || c->parent_waited) ? sched_us_to_tsc(AP_WAIT_LOOK_US) :
		     latency_ticks());
	if (v->slice_end && v->slice_end < end)
		end = v->slice_end;
	if (c->next_fire && c->next_fire < end)
		end = c->next_fire;
	return end > now + LOOK_MIN ? end - now : 0;
}

/* Pick who runs next, make its state current, and prepare its entry. */
struct vcpu *sched_switch(struct vcpu *v)
{
	struct vcpu *next = v, *p = sched_parent();
	/* Another CPU's kick is answered here, by whatever it changed: on
	 * the boot CPU a message for the parent, which its next entry
	 * delivers; on an AP a vCPU of its own made ready, which may go
	 * first (sched_next). Cleared at every look, so that the next kick
	 * is sent: left set on the boot CPU, where the parent's own exits
	 * rarely reach sched_next, it stopped the kicks, and each port
	 * access of a child on an AP waited for the parent's next PIT tick. */
	bool kicked = smp_on && __atomic_exchange_n(&this_cpu()->kicked, 0, __ATOMIC_ACQ_REL);
	bool notified = p ? v != p && parent_has_message(p) :
			    v != this_cpu()->parent_ap && parent_ap_ready();

	/* Released for another CPU (hv/core/smp_run.c), v is not current
	 * any more and does not run until it is given back. */
	smp_honor_releases();
	if (v->part->state != HVPART_STATE_RUNNING || v->run != VCPU_RUNNABLE || v->yield ||
	    notified || this_cpu()->current != v || (kicked && !p))
		next = sched_next(v);
	v->yield = false;
	v->yield_to = NULL;   /* the parent, called, may have gone first */
	if (next != v && !turn_kept(v))
		v->slice_end = 0;
	if (this_cpu()->current != next)
		smp_vcpu_load(next);
	sched_prepare_entry(next);
	return next;
}

struct vcpu *sched_finish_exit(struct vcpu *v, uint64_t t0)
{
	struct vcpu *next;

	if (!v->exit_quiet)
		sched_timers_changed();
	v->exit_quiet = false;
	sched_account_exit(v, t0);
	/* The boot CPU's parent exits at least at each HLT (its 100 Hz
	 * tick's): the look by load needs no timer of its own. It may drop
	 * hv's lock (a move claims the vCPU), before anything here is
	 * picked. */
	if (v == this_cpu()->parent)
		smp_balance_load(t0);
	if (this_cpu()->look_only) {
		this_cpu()->look_only = false;
		v->entered_tsc = rdtsc();   /* no sched_prepare_entry on this way back */
		return v;   /* sched_yield re-armed the timer; nothing else changed */
	}
	next = sched_switch(v);

	if (next != v) {
		this_cpu()->switches++;
		this_cpu()->switch_ticks += rdtsc() - t0;
	}
	return next;
}

/* The interrupt stays pending (no acknowledge-on-exit); resuming the
 * parent lets it take it natively (docs/ARCHITECTURE.md rule 2). */
void sched_yield_to_parent(struct vcpu *v)
{
	if (!sched_parent()) {
		sched_drain_kicks();   /* an AP */
		v->yield = true;
		return;
	}
	sched_parent()->run = VCPU_RUNNABLE;
	this_cpu()->parent_woken = true;
	v->yield = true;
}

void sched_yield(struct vcpu *v)
{
	uint64_t budget;

	/* An AP's timer vector (SVM) or a kick waits in its LAPIC: taken
	 * here, as the boot CPU's parent_called takes its interrupts. */
	if (!sched_parent())
		sched_drain_kicks();
	/* A vCPU still halted in the guest has taken no interrupt. */
	if (arch_vcpu_halted(v)) {
		v->run = VCPU_HALTED;
		v->halt_masked = !arch_vcpu_irq_enabled(v);
	}
	budget = look_again(v);
	if (budget) {
		arch_vcpu_set_timer(v, budget);
		this_cpu()->look_only = true;
	} else {
		v->yield = true;
	}
}

/* The interrupt v should get next: the parent's notification, then its
 * SINT vectors, or the highest deliverable vector of a child's vLAPIC;
 * -1 if none. */
static int pending_vector(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	int irq;

	if (!v->part->privileged)
		return vlapic_pending_vector(v);
	irq = v == c->parent ? parent_irq_first(c) : -1;
	if (irq >= 0)
		return irq;   /* a physical one comes first */
	return v->notify_pending ? HVPART_NOTIFY_VECTOR : synic_parent_vector(v);
}

/* The parent took vec: a physical one, its notification or a SINT's. */
static void parent_accept(struct percpu *c, struct vcpu *v, int vec)
{
	if (parent_irq_take(c, vec))
		return;
	if (v->notify_pending)
		v->notify_pending = false;
	else
		synic_parent_accept(v, vec);
}

void sched_prepare_entry(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	int vec;

	xstate_load(v);
	msr_load(v);
	if (v->icpt_done)
		intercept_finish(v);
	if (!v->part->privileged) {
		vlapic_poll_timer(v, rdtsc());
		v->woke = false;
	}
	synic_poll(v);
	/* An NMI goes before any maskable interrupt (SDM Vol. 3A §6.9). */
	if (!v->part->privileged && vlapic_nmi_pending(v) && arch_vcpu_inject_nmi(v))
		vlapic_nmi_taken(v);
	vec = pending_vector(v);
	trace_event(v, TRACE_ENTRY, vec >= 0 ? (uint32_t)vec : 0xffff);
	if (vec >= 0 && arch_vcpu_inject_irq(v, vec)) {
		/* The parent takes an interrupt: it runs again. A message that
		 * woke it left run at VCPU_HALTED, and at its next exit hv took
		 * it for idle and gave the CPU to a ready child mid-work (after
		 * each CompleteIntercept, say) until its next interrupt: under
		 * QEMU SVM the demo's Linux child then crawled, one port access
		 * per PIT tick of the parent, until Connect-VM kept the parent
		 * busy (make run; Debug-VMHost -Action DumpVM showed it). */
		if (v->part->privileged)
			v->run = VCPU_RUNNABLE;
		if (!v->part->privileged)
			vlapic_accept(v, vec);
		else
			parent_accept(c, v, vec);
		/* Another one waiting asks for the interrupt window (the
		 * backend cannot inject two at one entry). */
		vec = pending_vector(v);
		if (vec >= 0)
			arch_vcpu_inject_irq(v, vec);
	}
	if (c->children_running || v->timer_dirty) {
		arch_vcpu_set_timer(v, sched_budget(v));
		v->timer_dirty = c->children_running != 0;
	}
	v->entered_tsc = rdtsc();
}
