/*
 * Exit and entry trace, for profiling hv's paths under Bochs, whose TSC
 * counts instructions with `clock: sync=none` (docs/benchmarks.md). Built
 * only into build/hv-trace.elf (`make trace`, docs/benchmarks.md
 * "Profiling"); in hv.elf every call compiles to nothing.
 * Each event is a TSC stamp, the partition, a kind and an argument (the
 * exit reason, the hypercall code, the injected vector, the parent's
 * sampled RIP); hv keeps the last TRACE_RING events and writes them to
 * port 0xE9 when a child stops.
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include <stdint.h>

struct vcpu;

enum trace_kind {
	TRACE_EXIT = 'X',    /* arg: the backend's exit reason */
	TRACE_HCALL = 'H',   /* arg: the hypercall code */
	TRACE_ENTRY = 'E',   /* arg: the vector injected, or 0xffff */
	TRACE_SAMPLE = 'S',  /* arg: the parent's RIP, its low 32 bits */
	TRACE_STACK = 'R',   /* after a sample: the low 32 bits of [RSP] */
	TRACE_STACK32 = 'Q', /* and of [RSP + 32] */
};

/* The parent's profile in hv-trace.elf (VT-x): every TRACE_SAMPLE_TICKS
 * of its run the preemption timer stops it, and hv records where it
 * stood and lets it go on (hv/arch/x86/vmx/vmx_exit.c, trace_sampled). */
#define TRACE_SAMPLE_TICKS 5000u

#ifdef HV_TRACE
void trace_event(const struct vcpu *v, enum trace_kind kind, uint32_t arg);
void trace_dump(void);
#else
static inline void trace_event(const struct vcpu *v, enum trace_kind kind, uint32_t arg)
{
	(void)v;
	(void)kind;
	(void)arg;
}

static inline void trace_dump(void)
{
}
#endif

#endif
