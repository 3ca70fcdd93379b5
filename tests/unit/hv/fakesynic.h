/* Test-only guest for the SynIC library (hv/synic/): a few guest pages,
 * each its own aligned heap block (so ASan catches any write past a page)
 * at a fake GPA, a settable reference clock, and a record of the vectors
 * hv raised per vCPU. Shared by the unit tests and the fuzzer. */
#ifndef TESTS_UNIT_HV_FAKESYNIC_H
#define TESTS_UNIT_HV_FAKESYNIC_H
#include <stdbool.h>
#include <stdint.h>
#include "hv/synic/synvp.h"

#define FAKE_NPAGES   16
#define FAKE_GPA_BASE 0x100000ull

struct fakevm {
	uint8_t *page[FAKE_NPAGES];
	bool unowned[FAKE_NPAGES];   /* map_page refuses it */
	uint64_t map_gen;            /* moved with every change of unowned[] */
	uint64_t now;                /* reference time */
};

struct fakevcpu {
	struct fakevm *vm;
	struct synvp vp;
	unsigned nraised;
	uint8_t last_vector;
	bool last_auto_eoi;
	unsigned per_vector[256];
};

extern const struct synvp_ops fake_ops;

void fakevm_init(struct fakevm *vm);
void fakevm_fini(struct fakevm *vm);
/* GPA of fake page i (< FAKE_NPAGES), and its bytes. */
uint64_t fake_gpa(unsigned i);
void *fake_page(struct fakevm *vm, unsigned i);
void fakevcpu_init(struct fakevcpu *c, struct fakevm *vm, bool direct_timers);

/* Guest side. Write an MSR, failing the test on -ENOENT. */
int fake_wrmsr(struct fakevcpu *c, uint32_t msr, uint64_t val);
uint64_t fake_rdmsr(struct fakevcpu *c, uint32_t msr);
/* Enable SCONTROL, SIMP at page simp_page, SIEFP at page sief_page, and
 * write sint_val (vector and flags) to SINT sint. */
void fake_enable(struct fakevcpu *c, unsigned simp_page, unsigned sief_page,
		 unsigned sint, uint64_t sint_val);
/* The SIM slot / SIEF flags of sint in the vCPU's current pages. */
struct hv_message *fake_slot(struct fakevcpu *c, unsigned sint);
struct hv_event_flags *fake_flags(struct fakevcpu *c, unsigned sint);
/* Linux's vmbus_signal_eom: empty the slot, then write EOM if
 * MessagePending was set. Returns whether EOM was written. */
bool fake_ack(struct fakevcpu *c, unsigned sint);
#endif
