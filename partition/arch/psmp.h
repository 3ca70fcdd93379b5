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
/* From parent_trap on PSMP_VECTOR. */
void psmp_sint_taken(void);
/* The event flags page of processor vp (its SIEF), NULL if not started. */
volatile struct hv_event_flags_page *psmp_sief(unsigned vp);
#endif
