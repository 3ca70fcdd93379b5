/*
 * The parent's processors beyond its first (docs/ARCHITECTURE.md, "The
 * parent's processors"): hv gives the parent one on each AP, stopped;
 * the parent starts each with HvCallStartVirtualProcessor and it then
 * waits in HLT for its SINT (PSMP_SINT, vector PSMP_VECTOR).
 */
#ifndef PARENT_PSMP_H
#define PARENT_PSMP_H
#include <stdint.h>

#define PSMP_MAX_VPS 4       /* a partition's limit in hv (PARTITION_MAX_VCPUS) */
#define PSMP_SINT    3
#define PSMP_VECTOR  0x32    /* injected by hv, as VSP_VECTOR */
/* Each processor's kick: our connection PSMP_KICK_CONN + vp to its port
 * PSMP_KICK_PORT + vp, flag PSMP_KICK_FLAG of its SINT (flag 0 is left
 * to the self-test's signals, hvcheck_psmp.c). */
#define PSMP_KICK_PORT 0x190u
#define PSMP_KICK_CONN 0x290u
#define PSMP_KICK_FLAG 1

/* At boot: starts every processor hv gave the parent beyond the first;
 * the number running afterwards (1: none started). */
unsigned psmp_start_all(void);
/* Processors running, the first included. */
unsigned psmp_online(void);
/* SINT interrupts processor vp has taken (0 for vp 0 or one not started). */
uint64_t psmp_sints(unsigned vp);
/* This processor's state for another to start in, but for RIP and RSP
 * (HvCallStartVirtualProcessor's context). */
struct hv_initial_vp_context;
void psmp_context(struct hv_initial_vp_context *c, uint64_t rip, uint64_t rsp);
/* Has processor vp (not the first) run fn(arg) once, and returns at
 * once: 0, -EBUSY while its last work runs, -EINVAL, -EIO (no kick).
 * fn runs with interrupts off and may use what is safe on any processor:
 * the heap, hvcall, lib/spinlock.h; not stdio, the console or the VSPs
 * (docs/ARCHITECTURE.md, "The parent's processors"). */
int psmp_run(unsigned vp, void (*fn)(void *arg), void *arg);
/* Waits until processor vp's work has returned: 0, -EINVAL (no such
 * processor), or -ETIMEDOUT after ticks TSC ticks. */
int psmp_wait(unsigned vp, uint64_t ticks);
/* From parent_trap on PSMP_VECTOR. */
void psmp_sint_taken(void);
/* The event flags page of processor vp (its SIEF), NULL if not started. */
volatile struct hv_event_flags_page *psmp_sief(unsigned vp);
#endif
