/*
 * Intercepts the parent serves (docs/hypercalls.md, GetIntercept and
 * CompleteIntercept): a child's access that hv forwards blocks the child,
 * the parent is notified (HVPART_NOTIFY_VECTOR), fetches the request,
 * emulates it and completes it; the child resumes at its next entry with
 * the result applied. One request per vCPU is outstanding at a time.
 */
#ifndef HV_CORE_INTERCEPT_H
#define HV_CORE_INTERCEPT_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/vcpu.h>

/* Forward a child's port access to the parent (docs/ARCHITECTURE.md
 * rule 3); v blocks until it is completed. */
void intercept_forward_io(struct vcpu *v, uint16_t port, unsigned size, bool is_write,
			  uint32_t value);
/* The parent's answer: value is the IN result (ignored for OUT). */
void intercept_complete_io(struct vcpu *v, uint32_t value);
/* A child vCPU whose access waits unfetched by the parent, or NULL. */
struct vcpu *intercept_unfetched(void);
/* At v's next entry (its state loaded): apply a completed intercept. */
void intercept_finish(struct vcpu *v);
/* A size-byte result written into a general register as x86 writes one:
 * 8- and 16-bit results merge into the low bits, a 32-bit result
 * zero-extends, a 64-bit one replaces (SDM Vol. 1 §3.4.1.1). Used for IN
 * results (SDM Vol. 2A "IN") and emulated loads. */
uint64_t intercept_merge_result(uint64_t reg, unsigned size, uint64_t value);
#endif
