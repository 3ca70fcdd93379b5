/* Test-only guest for the SynIC library; see fakesynic.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hv/abi/tlfs.h"
#include "fakesynic.h"

static void *fake_map(void *ctx, uint64_t gpa)
{
	struct fakevcpu *c = ctx;
	uint64_t i;

	if (gpa < FAKE_GPA_BASE || (gpa & 0xfff))
		return NULL;
	i = (gpa - FAKE_GPA_BASE) / 4096;
	if (i >= FAKE_NPAGES || c->vm->unowned[i])
		return NULL;
	return c->vm->page[i];
}

static void fake_raise(void *ctx, uint8_t vector, bool auto_eoi)
{
	struct fakevcpu *c = ctx;

	c->nraised++;
	c->last_vector = vector;
	c->last_auto_eoi = auto_eoi;
	c->per_vector[vector]++;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fakevcpu *)ctx)->vm->now;
}

static uint64_t fake_map_gen(void *ctx)
{
	return ((struct fakevcpu *)ctx)->vm->map_gen;
}

const struct synvp_ops fake_ops = { fake_map, fake_raise, fake_now, fake_map_gen };

void fakevm_init(struct fakevm *vm)
{
	memset(vm, 0, sizeof(*vm));
	for (unsigned i = 0; i < FAKE_NPAGES; i++) {
		vm->page[i] = aligned_alloc(4096, 4096);
		if (!vm->page[i])
			abort();
		memset(vm->page[i], 0x5a, 4096);   /* not zero: enabling must clear */
	}
}

void fakevm_fini(struct fakevm *vm)
{
	for (unsigned i = 0; i < FAKE_NPAGES; i++)
		free(vm->page[i]);
	memset(vm, 0, sizeof(*vm));
}

uint64_t fake_gpa(unsigned i)
{
	return FAKE_GPA_BASE + (uint64_t)i * 4096;
}

void *fake_page(struct fakevm *vm, unsigned i)
{
	return vm->page[i];
}

void fakevcpu_init(struct fakevcpu *c, struct fakevm *vm, bool direct_timers)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	synvp_init(&c->vp, &fake_ops, c, direct_timers);
}

int fake_wrmsr(struct fakevcpu *c, uint32_t msr, uint64_t val)
{
	int rc = synvp_write_msr(&c->vp, msr, val);

	if (rc == -ENOENT)   /* the test named a wrong MSR */
		abort();
	return rc;
}

uint64_t fake_rdmsr(struct fakevcpu *c, uint32_t msr)
{
	uint64_t v = 0;

	if (synvp_read_msr(&c->vp, msr, &v))
		abort();
	return v;
}

void fake_enable(struct fakevcpu *c, unsigned simp_page, unsigned sief_page,
		 unsigned sint, uint64_t sint_val)
{
	if (fake_wrmsr(c, HV_MSR_SCONTROL, HV_SCONTROL_ENABLE) ||
	    fake_wrmsr(c, HV_MSR_SIMP, fake_gpa(simp_page) | HV_PAGE_MSR_ENABLE) ||
	    fake_wrmsr(c, HV_MSR_SIEFP, fake_gpa(sief_page) | HV_PAGE_MSR_ENABLE) ||
	    fake_wrmsr(c, HV_MSR_SINT0 + sint, sint_val))
		abort();
}

static void *fake_reg_page(struct fakevcpu *c, uint64_t reg)
{
	return fake_map(c, HV_PAGE_MSR_GPA(reg));
}

struct hv_message *fake_slot(struct fakevcpu *c, unsigned sint)
{
	struct hv_message_page *p = fake_reg_page(c, c->vp.simp);

	return p ? &p->slot[sint] : NULL;
}

struct hv_event_flags *fake_flags(struct fakevcpu *c, unsigned sint)
{
	struct hv_event_flags_page *p = fake_reg_page(c, c->vp.siefp);

	return p ? &p->sint[sint] : NULL;
}

bool fake_ack(struct fakevcpu *c, unsigned sint)
{
	struct hv_message *m = fake_slot(c, sint);
	uint32_t type = __atomic_load_n(&m->header.type, __ATOMIC_SEQ_CST);

	if (!__atomic_compare_exchange_n(&m->header.type, &type, HV_MSG_NONE, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		abort();
	if (!(__atomic_load_n(&m->header.flags, __ATOMIC_SEQ_CST) & HV_MSG_FLAG_PENDING))
		return false;
	fake_wrmsr(c, HV_MSR_EOM, 0);
	return true;
}
