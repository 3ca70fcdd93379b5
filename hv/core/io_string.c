/*
 * String port I/O: INS and OUTS, single or REP (SDM Vol. 2A "INS/INSB/
 * INSW/INSD", Vol. 2B "OUTS/OUTSB/OUTSW/OUTSD", "REP"). The exit names
 * the port, size and direction (VT-x: SDM Vol. 3C Table 28-5; SVM: APM
 * Vol. 2 §15.10.2), but the address size and segment only on some CPUs
 * (VT-x with IA32_VMX_BASIC[54], SVM with decode assists), so hv decodes
 * the instruction at RIP itself, the same way on either backend
 * (hv/arch/x86/insn.c), and runs it with the string engine
 * (hv/arch/x86/insn_string.c) over the guest's paging and memory
 * (hv/core/mmio.c): rCX, rSI and rDI in the address size, DF, the
 * segment limits, OUTS's segment override, INS always to ES.
 *
 * A child's ports are the parent's (docs/ARCHITECTURE.md rule 3): each
 * element is one ordinary port intercept. At the exit the element runs
 * up to its port access (the memory operand translated, an OUTS's value
 * read) and stops there; when the parent has answered, the next entry
 * runs it again with the value (io_string_finish), which steps rSI or
 * rDI and rCX and leaves RIP on a REP instruction until rCX is 0, so the
 * CPU runs it again for the next element and interrupts are taken
 * between elements, as the CPU itself may take them (SDM Vol. 2B "REP").
 * A fault (#PF where the memory operand does not translate, #GP/#SS
 * beyond a segment's limit or not canonical) is injected with the
 * registers as the last completed element left them; a GPA that is not
 * the child's RAM is the device there or the empty bus, as for MMIO.
 * The parent's own string I/O (only at the ports it traps, io.c) is done
 * by hv at once, a chunk of elements per exit.
 * Approximations: an OUTS element's memory is read at the exit and again
 * at the answer (the same bytes, unless another vCPU wrote them in
 * between); INS's destination is translated at both, and a fault at the
 * second (another vCPU changed the page tables in between) comes after
 * the port was read.
 */
#include <errno.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <lib/pio.h>
#include "intercept.h"
#include "io.h"
#include "mmio.h"

/* Elements of the parent's REP INS/OUTS per exit, as for MMIO. */
#define IO_STRING_CHUNK 128

/* ---- a child's element, answered by the parent ---- */

/* At the exit: stop the element at its port access (the parent answers
 * later); OUTS leaves its value in icpt_result for the forward. */
static int pending_in(void *ctx, uint16_t port, unsigned size, uint64_t *val)
{
	(void)ctx;
	(void)port;
	(void)size;
	*val = 0;
	return -EAGAIN;
}

static int pending_out(void *ctx, uint16_t port, unsigned size, uint64_t val)
{
	(void)port;
	(void)size;
	((struct vcpu *)ctx)->icpt_result = (uint32_t)val;
	return -EAGAIN;
}

/* At the answer: INS takes the parent's value; OUTS's write is done. */
static int answered_in(void *ctx, uint16_t port, unsigned size, uint64_t *val)
{
	(void)port;
	(void)size;
	*val = ((struct vcpu *)ctx)->icpt_result;
	return 0;
}

static int answered_out(void *ctx, uint16_t port, unsigned size, uint64_t val)
{
	(void)ctx;
	(void)port;
	(void)size;
	(void)val;
	return 0;
}

/* ---- the parent's, done by hv ---- */

static int parent_in(void *ctx, uint16_t port, unsigned size, uint64_t *val)
{
	(void)ctx;
	*val = pio_in(port, size);
	return 0;
}

static int parent_out(void *ctx, uint16_t port, unsigned size, uint64_t val)
{
	(void)ctx;
	pio_out(port, size, (uint32_t)val);
	return 0;
}

/* ---- running it ---- */

/* After a run: RIP past a completed instruction; a fault was injected
 * (-EFAULT); anything else stops the partition. */
static void settle(struct vcpu *v, const struct insn_mem *m, int rc, bool done)
{
	if (!rc) {
		if (done)
			arch_vcpu_advance_rip(v, m->len);
		return;
	}
	if (rc != -EFAULT)
		partition_stop(v->part, "string I/O at port %#lx: cannot emulate (%d), rip %#lx",
			       v->gpr[GPR_RDX] & 0xffff, rc, arch_vcpu_rip(v));
}

static int run(struct vcpu *v, const struct insn_mem *m, unsigned max, bool *done,
	       int (*in)(void *, uint16_t, unsigned, uint64_t *),
	       int (*out)(void *, uint16_t, unsigned, uint64_t))
{
	struct insn_string_state s;
	struct insn_string_ops ops;
	int rc;

	mmio_string_begin(v, m, &s, &ops);
	ops.port_in = in;
	ops.port_out = out;
	rc = insn_string_run(m, &s, &ops, max, done);
	mmio_string_end(v, &s);
	return rc;
}

/* The instruction at RIP is the one that exited (another vCPU may have
 * rewritten it since): its direction, size and port DX. */
static bool matches(struct vcpu *v, const struct insn_mem *m, const struct hv_io_access *a)
{
	return m->kind == (a->in ? INSN_INS : INSN_OUTS) && m->size == a->size &&
	       (uint16_t)v->gpr[GPR_RDX] == a->port;
}

void io_string_exit(struct vcpu *v, const struct hv_io_access *a)
{
	uint8_t b[15] = { 0 };
	struct insn_mem m;
	bool done = false;
	int nb = 0, rc = mmio_fetch_decode(v, &m, b, &nb);

	if (rc == 1)
		return;                          /* the fetch faulted: injected */
	if (rc || !matches(v, &m, a)) {
		partition_stop(v->part, "string I/O at port %#x not decoded (%d), rip %#lx: %02x %02x %02x %02x",
			       a->port, rc, arch_vcpu_rip(v), b[0], b[1], b[2], b[3]);
		return;
	}
	if (v->part->privileged) {
		rc = run(v, &m, IO_STRING_CHUNK, &done, parent_in, parent_out);
		settle(v, &m, rc, done);
		return;
	}
	rc = run(v, &m, 1, &done, pending_in, pending_out);
	if (rc != -EAGAIN) {
		settle(v, &m, rc, done);         /* a count of 0, or a fault */
		return;
	}
	intercept_forward_io(v, a->port, a->size, !a->in, a->in ? 0 : v->icpt_result);
	v->icpt_string = true;
	v->icpt_insn = m;
}

void io_string_finish(struct vcpu *v, uint32_t value)
{
	bool done = false;
	int rc;

	v->icpt_result = value;
	rc = run(v, &v->icpt_insn, 1, &done, answered_in, answered_out);
	settle(v, &v->icpt_insn, rc, done);
}
