/* A vCPU's whole context in and out, and pausing a child (hv/core/vpctx.c,
 * hv/core/vpctx_check.c; docs/hypercalls.md "vCPU context"). */
#ifndef HV_CORE_VPCTX_H
#define HV_CORE_VPCTX_H
#include <hv/vcpu.h>

/* The registers, events and debug registers of an imported context as
 * the architecture and the backend would take them: NULL, or which part
 * is refused (for hv's log). */
const char *vpctx_check_cpu(const struct hvpart_vp_context_body *c);
/* StartPartition of a partition whose time stands still (an imported
 * context): the guest's time goes on from where it stopped. */
void vpctx_time_resume(struct partition *p);
#endif
