/* Shared by the two layers of partition/vmconfig/ (not for callers). */
#ifndef PARTITION_VMCFG_PRIV_H
#define PARTITION_VMCFG_PRIV_H
#include "partition/vmconfig/vmcfg.h"

/* Fill err (line, printf-style message) and return rc. */
int vmcfg_fail(struct vmcfg_error *err, int line, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A decimal number 0..max (no sign, at most 3 digits): 0, -EINVAL or
 * -ERANGE. */
int vmcfg_small_number(const char *s, unsigned max, uint8_t *out);
/* A hex digit's value, or -1. */
int vmcfg_hexval(char c);
#endif
