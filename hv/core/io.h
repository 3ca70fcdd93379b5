/* Port I/O policy (hv/core/io.c). */
#ifndef HV_CORE_IO_H
#define HV_CORE_IO_H
#include <hv/arch.h>

/* What the parent's vCPU traps: a passthrough vCPU with the ports hv
 * must see. */
void io_parent_config(struct arch_vcpu_config *c);
#endif
