/*
 * Children's virtual processors on the application processors
 * (docs/ARCHITECTURE.md, "Processors"). The parent keeps the boot CPU;
 * each child vCPU is placed on the AP with the fewest vCPUs and runs
 * only there, under that CPU's scheduler (hv/core/sched.c, which looks
 * at the vCPUs of its own CPU). What crosses CPUs:
 * - hv's one lock, held from each VM exit to the next entry on every
 *   CPU, so hv's state is never changed by two CPUs at once;
 * - kicks: a CPU that changed what another runs (an interrupt for one of
 *   its vCPUs, a message for the parent, a partition started or
 *   stopped) sends it a fixed IPI; it exits from the guest or wakes from
 *   its wait and looks again;
 * - flushes: an EPT that lost pages is flushed on every CPU before the
 *   pages go anywhere (smp_ept_flush waits for each CPU's answer);
 * - a vCPU's hardware state (VT-x: its VMCS, which is active on one CPU
 *   at a time, SDM Vol. 3C §25.11.1) borrowed by the parent's CPU to
 *   read or write registers: the CPU holding it lets it go first.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/smp.h>
#include <hv/x86.h>
#include "msr.h"
#include "smp.h"
#include "sched_int.h"
#include "smp_place.h"

/* A ticket lock: CPUs get it in the order they asked. */
static struct {
	volatile uint32_t next, owner;
} big;
bool smp_on;
static volatile uint64_t flush_gen;

void hv_lock_slow(void)
{
	uint32_t t = __atomic_fetch_add(&big.next, 1, __ATOMIC_ACQ_REL);

	while (__atomic_load_n(&big.owner, __ATOMIC_ACQUIRE) != t) {
		smp_service();
		__asm__ volatile("pause");
	}
}

void hv_unlock_slow(void)
{
	__atomic_store_n(&big.owner, big.owner + 1, __ATOMIC_RELEASE);
}

static bool cpu_online(uint32_t i)
{
	return i < HV_MAX_CPUS && hv_percpu[i].self && hv_percpu[i].online == SMP_AP_ONLINE;
}

void smp_runtime_init(void)
{
	uint32_t n = percpu_online_count();

	if (n < 2)
		return;
	if (!arch_cpu_lapic_enabled()) {
		hv_info("hv: the boot processor's LAPIC is disabled: children run on it");
		return;
	}
	smp_on = true;
	hv_info("hv: children's virtual processors run on the %u application processors", n - 1);
}

bool smp_children_on_aps(void)
{
	return smp_on;
}

/* ---- placement ---- */

/* Each CPU's child vCPUs placed, and the online ones as a bit set. */
static uint32_t cpu_loads(uint32_t *homed)
{
	uint32_t online = 0;

	for (uint32_t i = 0; i < HV_MAX_CPUS; i++) {
		homed[i] = hv_percpu[i].homed;
		online |= (uint32_t)cpu_online(i) << i;
	}
	return online;
}

void smp_place(struct vcpu *v)
{
	uint32_t best = 0, me = this_cpu()->index, homed[HV_MAX_CPUS];

	if (smp_on)
		best = smp_pick_cpu(homed, cpu_loads(homed), HV_MAX_CPUS);
	v->cpu = best;
	hv_percpu[best].homed++;
	/* arch_vcpu_create left its state active here. */
	v->loaded_cpu = me;
	if (best != me)
		smp_release_here(v);
}

void smp_unplace(struct vcpu *v)
{
	if (hv_percpu[v->cpu].homed)
		hv_percpu[v->cpu].homed--;
}

/* The last vCPU, of the live partition with the highest ID, placed on
 * cpu. */
static struct vcpu *vcpu_on(uint32_t cpu)
{
	struct vcpu *found = NULL;

	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus && !p->deleting; i++)
			if (p->vcpus[i]->cpu == cpu)
				found = p->vcpus[i];
	}
	return found;
}

/* v goes to CPU to: its CPU lets its state go (claim), the run counts
 * of a running child follow it (sched.c), and to's scheduler finds it
 * at the kick (smp_vcpu_return). Its translations cached where it was
 * are flushed when it arrives (the backend's, on entry). */
static void move_vcpu(struct vcpu *v, uint32_t to)
{
	struct partition *p = v->part;
	bool counted;

	smp_vcpu_claim(v);   /* may drop hv's lock: p's state is read after */
	counted = p->state == HVPART_STATE_RUNNING && !p->suspended;
	if (counted)
		sched_child_stopped(p);
	hv_percpu[v->cpu].homed--;
	v->cpu = to;
	hv_percpu[to].homed++;
	v->bal_moved = rdtsc();   /* settles there before a move by load */
	if (counted)
		sched_child_started(p);
	this_cpu()->vcpu_moves++;
	smp_vcpu_return(v);
}

void smp_balance(void)
{
	uint32_t homed[HV_MAX_CPUS], from, to;
	struct vcpu *v;

	if (!smp_on)
		return;
	for (uint32_t moves = 0; moves < MAX_PARTITIONS * PARTITION_MAX_VCPUS; moves++) {
		from = smp_pick_move(homed, cpu_loads(homed), HV_MAX_CPUS, &to);
		if (!from || !(v = vcpu_on(from)))
			return;
		hv_info("hv: vCPU %u of partition %lu (%s) moves from CPU %u to CPU %u",
			v->index, v->part->id, v->part->name, from, to);
		move_vcpu(v, to);
	}
}

/* ---- by load ---- */

/* Looks two accounting periods apart (200 ms), and a vCPU moved (by
 * either rule) stays where it went for four looks: long enough to be
 * seen there. A claimed one (the parent's CPU has its state) stays too. */
#define BALANCE_PERIODS 2
#define BALANCE_SETTLE  4

static bool bal_counted(const struct partition *p)
{
	return p->state == HVPART_STATE_RUNNING && !p->suspended && !p->deleting;
}

/* Each running child vCPU's time in the guest since the last look. */
static uint32_t bal_uses(uint64_t now, uint64_t interval, struct smp_use *use, struct vcpu **vs)
{
	uint32_t n = 0;

	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus && bal_counted(p); i++) {
			struct vcpu *v = p->vcpus[i];
			uint64_t r = sched_run_ticks(v, now);

			use[n] = (struct smp_use){ v->cpu, r - v->bal_run,
						   v->claimed || (v->bal_moved &&
						   now - v->bal_moved < BALANCE_SETTLE * interval) };
			v->bal_run = r;
			vs[n++] = v;
		}
	}
	return n;
}

void smp_balance_load(uint64_t now)
{
	static uint64_t last;
	static struct smp_use use[MAX_PARTITIONS * PARTITION_MAX_VCPUS];
	static struct vcpu *vs[MAX_PARTITIONS * PARTITION_MAX_VCPUS];
	uint64_t interval = BALANCE_PERIODS * sched_period_ticks();
	uint32_t homed[HV_MAX_CPUS], n, to;
	int k;

	if (!smp_on || now - last < interval)
		return;
	interval = last ? now - last : 0;   /* none yet at the first look */
	last = now;
	n = bal_uses(now, interval, use, vs);
	k = smp_pick_busy_move(use, n, cpu_loads(homed), HV_MAX_CPUS, interval, &to);
	if (k < 0)
		return;
	hv_info("hv: vCPU %u of partition %lu (%s) moves from CPU %u to CPU %u (by load)",
		vs[k]->index, vs[k]->part->id, vs[k]->part->name, vs[k]->cpu, to);
	move_vcpu(vs[k], to);
}

/* ---- kicks and flushes ---- */

void smp_kick(uint32_t cpu)
{
	struct percpu *t = &hv_percpu[cpu];

	if (!smp_on || cpu == this_cpu()->index || !cpu_online(cpu))
		return;
	/* One kick outstanding is enough: the CPU clears kicked when it
	 * looks, under hv's lock, after whatever this CPU changed. */
	if (__atomic_exchange_n(&t->kicked, 1, __ATOMIC_ACQ_REL))
		return;
	this_cpu()->kicks_sent++;
	arch_cpu_kick(t->apic_id);
}

void smp_kick_vcpu(const struct vcpu *v)
{
	smp_kick(v->cpu);
}

void smp_service(void)
{
	struct percpu *c = this_cpu();
	uint64_t gen = __atomic_load_n(&flush_gen, __ATOMIC_ACQUIRE);

	if (c->flush_seen == gen)
		return;
	arch_ept_flush();
	__atomic_store_n(&c->flush_seen, gen, __ATOMIC_RELEASE);
}

/* A CPU in the guest exits at the kick (or, where the emulator does not
 * exit for a guest with interrupts off, at its timer's next look,
 * sched.c); one waiting wakes; one waiting for hv's lock flushes there.
 * Each answers after it flushed, so no CPU uses an old translation once
 * this returns. */
void smp_ept_flush(void)
{
	uint64_t gen;

	arch_ept_flush();
	if (!smp_on)
		return;
	gen = __atomic_add_fetch(&flush_gen, 1, __ATOMIC_ACQ_REL);
	this_cpu()->flush_seen = gen;
	for (uint32_t i = 0; i < HV_MAX_CPUS; i++) {
		if (i == this_cpu()->index || !cpu_online(i))
			continue;
		this_cpu()->flushes_sent++;
		__atomic_store_n(&hv_percpu[i].kicked, 0, __ATOMIC_RELEASE);
		smp_kick(i);
	}
	for (uint32_t i = 0; i < HV_MAX_CPUS; i++)
		while (cpu_online(i) && __atomic_load_n(&hv_percpu[i].flush_seen, __ATOMIC_ACQUIRE) < gen)
			__asm__ volatile("pause");
}

/* ---- a vCPU's state between CPUs ---- */

void smp_release_here(struct vcpu *v)
{
	xstate_release(v);
	msr_release(v);
	arch_vcpu_release(v);
	v->release_req = false;
	__atomic_store_n(&v->loaded_cpu, SMP_NO_CPU, __ATOMIC_RELEASE);
}

void smp_vcpu_load(struct vcpu *v)
{
	arch_vcpu_load(v);
	v->loaded_cpu = this_cpu()->index;
}

void smp_honor_releases(void)
{
	uint32_t me = this_cpu()->index;

	if (!smp_on || !__atomic_exchange_n(&this_cpu()->release_asked, 0, __ATOMIC_ACQ_REL))
		return;

	for (uint32_t m = partition_children; m; m &= m - 1) {
		struct partition *p = &partition_table[__builtin_ctz(m)];

		for (uint32_t i = 0; i < p->nvcpus; i++)
			if (p->vcpus[i]->release_req && p->vcpus[i]->loaded_cpu == me)
				smp_release_here(p->vcpus[i]);
	}
}

/* The holder lets go at its next look (smp_honor_releases); hv's lock is
 * dropped meanwhile so that it can take it. Only the parent's CPU
 * claims, and claimed vCPUs do not run (child_ready), so the holder
 * never waits for this CPU. */
void smp_vcpu_claim(struct vcpu *v)
{
	uint32_t me = this_cpu()->index, h;

	if (!smp_on)
		return;
	v->claimed = true;
	while ((h = __atomic_load_n(&v->loaded_cpu, __ATOMIC_ACQUIRE)) != SMP_NO_CPU && h != me) {
		v->release_req = true;
		__atomic_store_n(&hv_percpu[h].release_asked, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&hv_percpu[h].kicked, 0, __ATOMIC_RELEASE);
		smp_kick(h);
		hv_unlock();
		while (__atomic_load_n(&v->loaded_cpu, __ATOMIC_ACQUIRE) == h) {
			smp_service();
			__asm__ volatile("pause");
		}
		hv_lock();
	}
	v->loaded_cpu = me;   /* the backend may load it here now */
}

void smp_vcpu_return(struct vcpu *v)
{
	if (!smp_on)
		return;
	if (v->cpu != this_cpu()->index)
		smp_release_here(v);
	v->claimed = false;
	smp_kick_vcpu(v);
}

void smp_quiesce(struct partition *p)
{
	for (uint32_t i = 0; i < p->nvcpus; i++) {
		smp_vcpu_claim(p->vcpus[i]);
		smp_vcpu_return(p->vcpus[i]);
	}
}

/* ---- the APs ---- */

/* An AP with nothing to run yet waits for a kick, hv's lock dropped; the
 * scheduler's first pick runs for ever after (arch_vcpu_run), and its
 * later waits are in sched.c. */
void smp_ap_run(void)
{
	struct vcpu *v;

	while (!smp_on)
		arch_cpu_wait();
	for (;;) {
		hv_lock();
		smp_honor_releases();
		__atomic_store_n(&this_cpu()->kicked, 0, __ATOMIC_RELEASE);
		v = sched_first_here();
		if (v)
			break;
		hv_unlock();
		arch_cpu_wait();
		smp_service();
	}
	v->loaded_cpu = this_cpu()->index;
	arch_vcpu_run(v);   /* hv's lock held, as it wants */
	hv_panic("arch_vcpu_run returned");
}
