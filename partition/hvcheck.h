/* Hypercall input validation self-test (Debug-VMHost). */
#ifndef PARENT_HVCHECK_H
#define PARENT_HVCHECK_H
int hvcheck_run(void);
#endif
