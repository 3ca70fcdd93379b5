/* Hypercall input validation self-test (Debug-VMHost). */
#ifndef PARENT_HVCHECK_H
#define PARENT_HVCHECK_H
int hvcheck_run(void);

/* hvcheck.c's tally, shared with hvcheck_synic.c. */
struct chk {
	int run, failed;
	uint64_t free0, pool0;   /* after setup, before any refused call */
};
void hvcheck_expect(struct chk *c, const char *what, uint16_t got, uint16_t want);
void hvcheck_true(struct chk *c, const char *what, int ok);
/* The parent's SynIC, ports and connections, with child `id` (no vCPU). */
void hvcheck_synic(struct chk *c, uint64_t id);
/* GPADL page mapping, with a child of its own (hvcheck_gpadl.c). */
void hvcheck_gpadl(struct chk *c);
/* Suspend, resume and the vCPU context, with a child of its own
 * (hvcheck_vpctx.c). */
void hvcheck_vpctx(struct chk *c);
/* Live memory capture, with a child of its own (hvcheck_capture.c). */
void hvcheck_capture(struct chk *c);
/* The parent's other processors: starting them, signals to them
 * (hvcheck_psmp.c). */
void hvcheck_psmp(struct chk *c);
/* That part alone (Debug-VMHost -Action ParentProcessors). */
int hvcheck_run_psmp(void);
#endif
