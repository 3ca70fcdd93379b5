/* Linear and guest-physical accesses for emulation; see guestmem.h. */
#include <errno.h>
#include <hv/lib.h>
#include "cpuid.h"
#include "guestmem.h"

/* Page tables read through the partition's EPT: a table the partition
 * does not own fails the walk (hv never reads another's memory). */
static int table_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned size)
{
	const void *p = partition_gpa_ptr(ctx, gpa, size, false);

	if (!p || (gpa & (size - 1)))
		return -1;
	*val = size == 4 ? *(const volatile uint32_t *)p : *(const volatile uint64_t *)p;
	return 0;
}

/* The CPU sets A/D with a locked OR (SDM Vol. 3A §4.8). */
static void table_set(void *ctx, uint64_t gpa, uint64_t bits, unsigned size)
{
	void *p = partition_gpa_ptr(ctx, gpa, size, true);

	if (!p)
		return;
	if (size == 4)
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_SEQ_CST);
}

/* MAXPHYADDR and 1 GiB pages as the vCPU's CPUID reports them. Both come
 * from the CPU through a policy that is the same for every child
 * (hv/core/cpuid.c), so they are read once: CPUID costs an MMIO exit
 * more than the rest of the walk. */
static void paging_regs(struct vcpu *v, struct pw_regs *r)
{
	static unsigned maxphy;
	static bool gb;
	uint32_t c[4];

	if (!maxphy) {
		cpuid_guest_leaf(v, 0x80000001u, 0, c);
		gb = c[3] & (1u << 26);
		cpuid_guest_leaf(v, 0x80000008u, 0, c);
		maxphy = c[0] & 0xff;
	}
	arch_vcpu_paging(v, r);
	r->maxphyaddr = maxphy;
	r->gb_pages = gb;
}

static int translate(struct vcpu *v, uint64_t lin, unsigned access, uint64_t *gpa,
		     bool inject)
{
	const struct pw_mem m = { v->part, table_read, table_set };
	struct pw_regs r;
	uint32_t err;
	int rc;

	paging_regs(v, &r);
	rc = pw_translate(&r, &m, lin, access, gpa, &err);
	if (rc == PW_FAULT) {
		if (inject)
			arch_vcpu_inject_pf(v, lin, err);
		return -EFAULT;
	}
	return rc ? -EIO : 0;
}

int guest_translate(struct vcpu *v, uint64_t lin, unsigned access, uint64_t *gpa)
{
	return translate(v, lin, access, gpa, true);
}

/* inject: a #PF at the first byte is raised in the guest. */
static int fetch(struct vcpu *v, uint8_t bytes[15], enum insn_mode *mode, int *fault,
		 uint64_t *fault_lin, bool inject)
{
	uint64_t lin, gpa = 0;
	const uint8_t *p = NULL;
	int n, rc;

	/* CS's base counts outside 64-bit mode only (SDM Vol. 3A §3.4.4). */
	*mode = arch_vcpu_insn_mode(v);
	if (*mode == INSN_MODE64)
		lin = arch_vcpu_rip(v);
	else
		lin = (arch_vcpu_seg_base(v, INSN_CS) + arch_vcpu_rip(v)) & 0xffffffffull;
	*fault = 0;
	for (n = 0; n < 15; n++, lin++) {
		if (n == 0 || !(lin & 0xfff)) {
			rc = translate(v, lin, PW_FETCH, &gpa, inject && n == 0);
			p = rc ? NULL : partition_gpa_ptr(v->part, gpa, 1, false);
			if (rc || !p) {
				*fault = rc ? rc : -EIO;
				*fault_lin = lin;
				return n ? n : *fault;
			}
		} else {
			p++;
		}
		bytes[n] = *p;
	}
	return n;
}

int guest_fetch_insn(struct vcpu *v, uint8_t bytes[15], enum insn_mode *mode, int *fault,
		     uint64_t *fault_lin)
{
	return fetch(v, bytes, mode, fault, fault_lin, true);
}

#ifdef HV_TRACE
int guest_peek_u64(struct vcpu *v, uint64_t lin, uint64_t *val)
{
	uint64_t gpa;
	const void *p;

	if ((lin & 0xfff) > 0xff8 || translate(v, lin, 0, &gpa, false))
		return -EFAULT;
	p = partition_gpa_ptr(v->part, gpa, 8, false);
	if (!p)
		return -EFAULT;
	*val = *(const volatile uint64_t *)p;
	return 0;
}
#endif

int guest_peek_insn(struct vcpu *v, uint8_t bytes[15], enum insn_mode *mode)
{
	uint64_t lin;
	int fault;

	return fetch(v, bytes, mode, &fault, &lin, false);
}
