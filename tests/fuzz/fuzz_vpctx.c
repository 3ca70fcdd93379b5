/* fuzz_vpctx.c: libFuzzer target for the import checks of a vCPU context
 * (hv/core/vpctx_check.c, docs/hypercalls.md "vCPU context"), the part
 * of HvpartSetVpContext that a saved-state file reaches: a .vsv carries
 * the context pages Start-VM hands to hv.
 *
 * Input: byte 0 even: the rest is the context body as it stands; odd:
 * the rest is XORed over a valid 64-bit long-mode context (what a
 * running guest exports), so the checks past the first ones are reached.
 * Oracle: a context the checks accept obeys the rules restated here from
 * the SDM, independently of vpctx_check.c: CR0.PG needs CR0.PE, CR0.NW
 * needs CR0.CD (Vol. 3A §2.5); EFER.LMA is EFER.LME with paging and
 * needs CR4.PAE (§9.8.5); RFLAGS bit 1 set, bits 3, 5, 15, 63:22 clear,
 * no VM in IA-32e mode (Vol. 1 §3.4.3); 64-bit code has CS.D clear and a
 * canonical RIP, other code a RIP below 4 GiB (Vol. 3C §26.3.1); an
 * injected external interrupt has vector 16-255, IF set and no STI or
 * MOV-SS shadow, an NMI vector 2, an exception vector 0-31 but not 2
 * with an error code exactly for 8, 10-14 and 17 (§26.2.1.3); DR6 and DR7
 * have no bits above 31 and DR0-3 are canonical (57 bits on a CPU with
 * 5-level paging, 48 on others). The backend's part is
 * VMX's (vmx_ctx.c: CR4.VMXE stays hv's). Answers are deterministic. */
#include <errno.h>
#include <string.h>

#include "hv/core/vpctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_VMX (1ull << 13)
#define EFER_LME_ (1ull << 8)
#define EFER_LMA_ (1ull << 10)
#define AR_L_ (1u << 13)
#define AR_D_ (1u << 14)

/* hv's VMX backend refuses only what nested VMX would need (vmx_ctx.c). */
int arch_vcpu_check_context(const struct hvpart_vp_context_body *c)
{
	return (c->regs.cr4 & CR4_VMX) ? -EINVAL : 0;
}

static void fz_check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* Canonical for this CPU (SDM Vol. 1 §3.3.7.1): 57 bits where it has
 * 5-level paging (CPUID.(7,0):ECX[16]; Linux hides "la57" in
 * /proc/cpuinfo when it runs 4-level, the CPU still reports it), else 48. */
static int canon(uint64_t a)
{
	uint32_t a7, b7, c7 = 0, d7;
	unsigned drop;

	__asm__ volatile("cpuid" : "=a"(a7), "=b"(b7), "=c"(c7), "=d"(d7) : "a"(7), "c"(0));
	drop = (c7 >> 16) & 1 ? 64 - 57 : 64 - 48;
	return (uint64_t)((int64_t)(a << drop) >> drop) == a;
}

static void base_context(struct hvpart_vp_context_body *c)
{
	struct hvpart_seg code = { 0, 0xffffffffu, 0xa09b, 0x08, { 0 } };
	struct hvpart_seg data = { 0, 0xffffffffu, 0xc093, 0x10, { 0 } };
	struct hvpart_seg tr = { 0, 0x67, 0x8b, 0x18, { 0 } };

	memset(c, 0, sizeof(*c));
	c->regs.rip = 0x100000;
	c->regs.rflags = 0x202;
	c->regs.cr0 = CR0_PE | CR0_PG | (1ull << 16) | (1ull << 4);
	c->regs.cr3 = 0x1000;
	c->regs.cr4 = CR4_PAE;
	c->regs.efer = EFER_LME_ | EFER_LMA_;
	c->regs.cs = code;
	c->regs.ds = c->regs.es = c->regs.ss = c->regs.fs = c->regs.gs = data;
	c->regs.tr = tr;
	c->regs.ldtr.ar = 0x10000;   /* unusable */
	c->regs.gdtr_limit = 0x27;
	c->regs.idtr_limit = 0xfff;
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
}

static void check_events(const struct hvpart_vp_context_body *c)
{
	uint32_t p = c->ev.pending, type = (p >> 8) & 7, vec = p & 0xff;
	int err = !!(p & HVPART_EVENT_ERR_VALID);
	int with_err = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;

	if (!(p & HVPART_EVENT_VALID)) {
		fz_check(p == 0 && c->ev.error_code == 0);
		return;
	}
	if (type == 0)
		fz_check(vec >= 16 && (c->regs.rflags & (1u << 9)) && !err &&
			 !(c->ev.shadow & (HVPART_SHADOW_STI | HVPART_SHADOW_MOV_SS)));
	else if (type == 2)
		fz_check(vec == 2 && !err);
	else
		fz_check(type == 3 && vec < 32 && vec != 2 && err == with_err);
}

static void check_accepted(const struct hvpart_vp_context_body *c)
{
	const struct hvpart_vp_state *r = &c->regs;
	int pg = !!(r->cr0 & CR0_PG), lma = !!(r->efer & EFER_LMA_);
	int code64 = lma && (r->cs.ar & AR_L_);

	fz_check(!pg || (r->cr0 & CR0_PE));
	fz_check(!(r->cr0 & CR0_NW) || (r->cr0 & CR0_CD));
	fz_check(lma == (pg && (r->efer & EFER_LME_)));
	fz_check(!lma || (r->cr4 & CR4_PAE));
	fz_check(!(r->cr4 & CR4_VMX));
	fz_check((r->rflags & 2) && !(r->rflags & 0xffffffffffc08028ull));
	fz_check(!lma || !(r->rflags & (1ull << 17)));
	fz_check(code64 ? canon(r->rip) && !(r->cs.ar & AR_D_) : r->rip >> 32 == 0);
	fz_check(!(c->dr6 >> 32) && !(c->dr7 >> 32));
	for (int i = 0; i < 4; i++)
		fz_check(canon(c->dr[i]));
	check_events(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hvpart_vp_context_body c;
	const char *a, *b;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		base_context(&c);
		for (size_t i = 1; i < size && i - 1 < sizeof(c); i++)
			((uint8_t *)&c)[i - 1] ^= data[i];
	} else {
		memset(&c, 0, sizeof(c));
		memcpy(&c, data + 1, size - 1 < sizeof(c) ? size - 1 : sizeof(c));
	}
	a = vpctx_check_cpu(&c);
	b = vpctx_check_cpu(&c);
	fz_check(a == b);
	fz_check(!(size == 1 && (data[0] & 1)) || !a);   /* the base itself is accepted */
	if (!a)
		check_accepted(&c);
	return 0;
}
