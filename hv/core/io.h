/* Port I/O policy (hv/core/io.c). */
#ifndef HV_CORE_IO_H
#define HV_CORE_IO_H
#include <hv/arch.h>
#include <hv/vcpu.h>

/* What the parent's vCPU traps: a passthrough vCPU with the ports hv
 * must see. */
void io_parent_config(struct arch_vcpu_config *c);
/* INS/OUTS (hv/core/io_string.c): at the exit, and for a child's
 * element when the parent has answered (value: its IN result), at the
 * next entry with v's state loaded. */
void io_string_exit(struct vcpu *v, const struct hv_io_access *a);
void io_string_finish(struct vcpu *v, uint32_t value);
#endif
