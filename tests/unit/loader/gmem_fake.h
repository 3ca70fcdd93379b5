/* A fake guest RAM for loader tests and the fuzzer: bounds-checked ops. */
#ifndef TESTS_UNIT_LOADER_GMEM_FAKE_H
#define TESTS_UNIT_LOADER_GMEM_FAKE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "partition/loader/multiboot.h"

struct fake_ram {
	uint8_t *b;
	uint64_t size;
	int oob;            /* writes outside RAM seen (must stay 0) */
	int fail_at_write;  /* >0: that write (1-based) returns -EIO */
	int nwrites;
};

static int fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct fake_ram *r = ctx;

	if (r->fail_at_write && ++r->nwrites == r->fail_at_write)
		return -EIO;
	if (gpa > r->size || len > r->size - gpa) {
		r->oob++;
		return -EFAULT;
	}
	if (len)
		memcpy(r->b + gpa, src, len);
	return 0;
}

static int fake_fill(void *ctx, uint64_t gpa, uint8_t byte, size_t len)
{
	struct fake_ram *r = ctx;

	if (gpa > r->size || len > r->size - gpa) {
		r->oob++;
		return -EFAULT;
	}
	memset(r->b + gpa, byte, len);
	return 0;
}

static inline struct ldr_gmem fake_gmem(struct fake_ram *r)
{
	return (struct ldr_gmem){ r, r->size, fake_write, fake_fill };
}

#endif
