/*
 * Port I/O exits: who answers an access. A child's goes to the parent,
 * which emulates the child's devices (docs/ARCHITECTURE.md rule 3); the
 * parent's own accesses exit only for the ports io_parent_trap_ports
 * lists, and hv performs them for it (rule 2: the parent drives the
 * hardware). Plain IN/OUT of 1, 2 or 4 bytes here; INS and OUTS in
 * io_string.c.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <lib/pio.h>
#include "intercept.h"
#include "io.h"

#define PORT_RESET_CONTROL 0xcf9   /* bit 2: reset (Intel ICH/PCH datasheets) */

/* hv logs a reset the parent asks for, then lets it through. */
static const uint16_t parent_trap_ports[] = { PORT_RESET_CONTROL };

void io_parent_config(struct arch_vcpu_config *c)
{
	c->passthrough = true;
	c->trap_ports = parent_trap_ports;
	c->ntrap_ports = ARRAY_SIZE(parent_trap_ports);
}

static void parent_io(struct vcpu *v, const struct hv_io_access *a)
{
	uint64_t *rax = &v->gpr[GPR_RAX];

	if (a->port == PORT_RESET_CONTROL && !a->in && (*rax & 4))
		hv_warn("hv: parent requested a system reset through port 0xcf9");
	if (a->in)
		*rax = intercept_merge_result(*rax, a->size, pio_in(a->port, a->size));
	else
		pio_out(a->port, a->size, (uint32_t)*rax);
	arch_vcpu_skip_insn(v);
}

void hv_handle_io(struct vcpu *v, const struct hv_io_access *a)
{
	if (a->string) {
		io_string_exit(v, a);
		return;
	}
	if (!v->part->privileged) {
		intercept_forward_io(v, a->port, a->size, !a->in, (uint32_t)v->gpr[GPR_RAX]);
		return;
	}
	parent_io(v, a);
}
