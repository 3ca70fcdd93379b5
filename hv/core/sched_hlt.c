/*
 * A guest's HLT and PAUSE (their exits, from the backends): the parent's
 * HLT is its idle, a child's yields until its next interrupt, and a
 * child's PAUSE yields to a sibling on the same CPU (the scheduler picks
 * it, hv/core/sched.c yielded_to), or is stepped past without hv's lock.
 * And a CPU's own idle: the boot CPU's while the parent halts, an AP's
 * with nothing ready.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/smp.h>
#include "intercept.h"
#include "sched_int.h"
#include "synic.h"

/* A sibling of v here that could run now, the first after v (NULL:
 * none). */
static struct vcpu *sibling_ready_here(const struct vcpu *v)
{
	for (uint32_t k = 1; k < v->part->nvcpus; k++) {
		struct vcpu *s = v->part->vcpus[(v->index + k) % v->part->nvcpus];

		if (sched_here(s) && !s->claimed &&
		    (s->run == VCPU_RUNNABLE || (s->run == VCPU_HALTED && sched_halt_ends(s))))
			return s;
	}
	return NULL;
}

/* A vCPU in a spin-wait loop (PAUSE, SDM Vol. 2B) most likely waits for
 * a sibling of its partition, which on one CPU can only run if it yields:
 * an IPI's acknowledgement, a lock holder. That sibling goes, in v's
 * turn (yielded_to). Only to such a sibling here, as KVM's directed
 * yield (kvm_vcpu_on_spin) looks only at the VM's own vCPUs: beside
 * another child's spinner it gave that one a whole turn per PAUSE, and
 * smp.elf's 300 IPIs to a sibling on another CPU took 12 s of TSC. A
 * one-vCPU child waits for nothing another vCPU could do: it goes on. */
void hv_handle_pause(struct vcpu *v)
{
	arch_vcpu_skip_insn(v);
	if (v->part->privileged || v->part->nvcpus < 2 || !(v->yield_to = sibling_ready_here(v)))
		return;
	v->yield = true;
}

/* A child's PAUSE that hv_handle_pause would only skip, taken without
 * hv's lock (the backend asks before it locks): a vCPU spin-waiting for
 * a sibling on another CPU exits at every PAUSE where the CPU has no pause
 * filter (QEMU's TCG), and each exit took the one lock every CPU's exits
 * take. Under QEMU, with more emulated CPUs than host cores, the lock's
 * holder was often descheduled by the host, and a cross-CPU IPI's round
 * trip took 15.9 M TSC ticks (3.4 M without PAUSE exits). The siblings'
 * states are read unlocked: a stale "none ready" only delays the yield,
 * as whoever readies one here also kicks this CPU (smp_kick_vcpu) and
 * the kick's exit takes the locked way; a kick already sent does so now.
 * The exit is counted, not traced (the trace ring is hv's, locked). */
bool sched_pause_quick(struct vcpu *v)
{
	if (v->part->privileged || v->part->state != HVPART_STATE_RUNNING ||
	    (v->part->nvcpus > 1 && sibling_ready_here(v)) ||
	    __atomic_load_n(&this_cpu()->kicked, __ATOMIC_ACQUIRE))
		return false;
	v->exits_total++;
	v->exits[HVPART_EXIT_OTHER]++;
	arch_vcpu_skip_insn(v);
	return true;
}

/* The parent halts only once it has fetched every intercept it was
 * told of (partition/vm.c, vm_idle checks its notification with
 * interrupts off first): an unfetched one without a notification pending
 * means a notification was lost, and that child would wait for ever
 * (seen under QEMU SVM: a Linux child's console stalled until Connect-VM
 * polled). Say so, and tell the parent again. */
static void parent_check_notified(struct vcpu *parent)
{
	static unsigned lost;
	struct vcpu *c;

	if (!(c = intercept_unfetched()))
		return;
	/* Raised while the parent's interrupts were off (its idle loop's
	 * check, then "sti; hlt", whose STI shadow holds the injection
	 * until the HLT has exited): not lost, as parent_called sees it and
	 * the next entry injects it. It was reported on the console, which
	 * a user then saw after Debug-VMHost -Action SaveRestore. */
	if (parent->notify_pending)
		return;
	if (lost++ < 4)
		hv_err("hv: the parent halted with partition %lu's port 0x%x access unfetched and no notification pending; notified again",
		       c->part->id, c->icpt.port);
	parent->notify_pending = true;
}

/* The boot CPU with nothing to run while the parent waits in HLT, where
 * the backend cannot leave it halted in its guest (SVM: no HLT activity
 * state; arch_cpu_halts_in_guest): the CPU halts here, hv's lock
 * dropped, until an interrupt: the parent's (then accepted for it), a
 * kick from another CPU (a message for the parent, a flush), or hv's
 * timer at due, a child's timer. The caller looks again. Re-entered
 * instead, the parent ran its idle loop and halted again at once, an
 * exit each time: an idle machine kept its boot processor busy, and an
 * emulator's host thread with it. False where the backend has no timer
 * for due (the firmware left the LAPIC off): the parent is re-entered
 * then, and a child's timer is seen at its next exit as before. */
bool sched_parent_idle(uint64_t due)
{
	int vec = -1;
	bool waited;

	hv_unlock();
	waited = arch_cpu_idle(due, &vec);
	smp_service();
	hv_lock();
	smp_honor_releases();
	if (vec >= 0)
		sched_parent_irq_taken(vec);
	return waited;
}

/* An AP takes no interrupt but kicks (hv/core/smp_run.c), which
 * arch_cpu_take_interrupt acknowledges and passes over. */
void sched_drain_kicks(void)
{
	for (int i = 0; i < 4 && arch_cpu_take_interrupt() >= 0; i++)
		;
}

/* Until a kick or the TSC's due: in HLT where the backend can time it
 * (a kick, also another CPU's flush request, wakes it; one already taken
 * is seen in kicked), else interrupts stay off (a kick stays pending
 * until sched_drain_kicks) and other CPUs' flushes are served. */
static void wait_until(uint64_t due)
{
	struct percpu *c = this_cpu();

	if (__atomic_load_n(&c->kicked, __ATOMIC_ACQUIRE))
		return;
	if (arch_cpu_wait_until(due)) {
		c->timed_halts++;
		return;
	}
	while (rdtsc() < due && !__atomic_load_n(&c->kicked, __ATOMIC_ACQUIRE)) {
		smp_service();
		__asm__ volatile("pause");
	}
}

/* An AP with nothing ready waits, hv's lock dropped, for a kick (another
 * CPU made one of its vCPUs ready, raised a SINT for the parent's
 * processor here, or wants one released) or its
 * earliest child timer. The vCPU it ran last stays loaded meanwhile
 * unless claimed. */
struct vcpu *sched_ap_idle(void)
{
	struct vcpu *next;
	uint64_t due;

	for (;;) {
		due = sched_earliest_timer();
		hv_unlock();
		if (due) {
			wait_until(due);
			sched_drain_kicks();
		} else {
			arch_cpu_wait();
		}
		smp_service();
		hv_lock();
		smp_honor_releases();
		__atomic_store_n(&this_cpu()->kicked, 0, __ATOMIC_RELEASE);
		if ((next = sched_first_here()))
			return next;
	}
}

void hv_handle_hlt(struct vcpu *v)
{
	arch_vcpu_skip_insn(v);
	hv_complete_hlt(v);
}

/* A HLT the guest has executed (RIP past it): its exit, or one hv
 * completed for the CPU (an SVM backend's HLT in STI's shadow). */
void hv_complete_hlt(struct vcpu *v)
{
	/* The parent's processor on an AP (hv/core/parent_vp.c) waits for
	 * its next SINT vector; the children there run meanwhile. */
	if (v->part->privileged && v != this_cpu()->parent) {
		if (arch_vcpu_irq_in_flight(v) || synic_parent_vector(v) >= 0)
			return;
		v->run = VCPU_HALTED;
		v->exit_quiet = true;
		return;
	}
	if (v->part->privileged) {
		/* An interrupt offered and not yet taken (a HLT the CPU ran
		 * before it) is one the parent still gets: it is not idle, and
		 * the intercept that notification announces is not lost. */
		if (arch_vcpu_irq_in_flight(v))
			return;
		/* The parent halts in the guest where the CPU can (VT-x
		 * activity state HLT, SDM Vol. 3C §27.7.4): a physical
		 * interrupt, which is not intercepted for it, wakes it
		 * directly. Meanwhile children may run. */
		arch_vcpu_set_halted(v);
		v->run = VCPU_HALTED;
		v->exit_quiet = true;   /* no child's timer moved */
		parent_check_notified(v);
		return;
	}
	/* A child's HLT yields until its next interrupt, unless one is
	 * already waiting and can be taken: also one offered and not taken
	 * yet (SVM's V_IRQ), whose vector has left the vLAPIC's IRR. A HLT in
	 * STI's shadow runs before it ("sti; hlt", SDM Vol. 2B, STI); halted
	 * there, the vCPU waited for an interrupt it already had. */
	if (arch_vcpu_irq_in_flight(v))
		return;
	vlapic_poll_timer(v, rdtsc());
	v->halt_masked = !arch_vcpu_irq_enabled(v);
	if ((vlapic_pending_vector(v) < 0 || v->halt_masked) && !vlapic_nmi_pending(v))
		v->run = VCPU_HALTED;
}
