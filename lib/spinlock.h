/*
 * spinlock: a ticket lock for code that runs on several of the parent's
 * processors at once (docs/ARCHITECTURE.md, "The parent's processors:
 * locks"). Header only; the host tests run it on threads
 * (tests/unit/lib/test_spinlock.c).
 *
 * A taker draws a ticket and waits until it is served, so processors get
 * the lock in the order they asked: none waits without end behind others
 * that take it again and again (the ticket lock Linux used on x86 until
 * 4.2, arch/x86/include/asm/spinlock.h). Nothing here disables
 * interrupts: no lock is taken in an interrupt handler.
 *
 * Ordering: the load that sees our ticket served is an acquire and the
 * store that serves the next is a release (C11 7.17.3, GCC's __atomic
 * built-ins), so what the holder wrote is seen by the next holder. On x86
 * both are plain moves (SDM Vol. 3A §9.2.2: loads are not reordered with
 * older loads, stores not with older stores); the compiler is what they
 * hold back.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H
#include <stdint.h>

struct spinlock {
	uint32_t next;          /* the ticket the next taker draws */
	uint32_t serving;       /* the ticket that holds the lock */
	uint32_t holder;        /* recursive form: owner id + 1, 0 when free */
	uint32_t depth;         /* recursive form: the holder's takes */
	uint64_t taken;         /* acquisitions (written by the holder) */
	uint64_t contended;     /* of them, those that waited */
};

#define SPINLOCK_INIT { 0, 0, 0, 0, 0, 0 }

/* PAUSE in a spin-wait loop (SDM Vol. 2B, "PAUSE"): it spares the
 * memory-order flush at the loop's exit and yields to a sibling thread.
 * Host tests, with more threads than cores, yield to the host's
 * scheduler instead (SPIN_RELAX): a waiter whose ticket comes up while
 * its thread is off a core would otherwise hold up every other. */
static inline void spin_relax(void)
{
#ifdef SPIN_RELAX
	SPIN_RELAX();
#else
	__builtin_ia32_pause();
#endif
}

static inline void spin_lock(struct spinlock *l)
{
	uint32_t t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	int waited = 0;

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != t) {
		waited = 1;
		spin_relax();
	}
	l->taken++;
	l->contended += (uint64_t)waited;
}

/* 1 if taken, 0 if someone holds it or waits for it (nothing drawn). */
static inline int spin_trylock(struct spinlock *l)
{
	uint32_t s = __atomic_load_n(&l->serving, __ATOMIC_RELAXED), want = s;

	if (!__atomic_compare_exchange_n(&l->next, &want, s + 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return 0;
	l->taken++;
	return 1;
}

static inline void spin_unlock(struct spinlock *l)
{
	/* Only the holder writes serving: a plain read of it is its own. */
	__atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

/* The recursive form, for a lock a holder may take again (newlib's
 * malloc lock: memalign calls malloc). self is the taker's id (a
 * processor's index). holder equals self + 1 only while self holds the
 * lock, as only self writes that value and clears it before it lets go,
 * so a relaxed read of it is enough. */
static inline void spin_lock_rec(struct spinlock *l, uint32_t self)
{
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == self + 1) {
		l->depth++;
		return;
	}
	spin_lock(l);
	__atomic_store_n(&l->holder, self + 1, __ATOMIC_RELAXED);
	l->depth = 1;
}

static inline void spin_unlock_rec(struct spinlock *l)
{
	if (--l->depth)
		return;
	__atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
	spin_unlock(l);
}
#endif
