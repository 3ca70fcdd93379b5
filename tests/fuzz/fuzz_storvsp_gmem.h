/* fuzz_storvsp_gmem.h: the guest memory both storvsp fuzzers hand the
 * device (fuzz_storvsp.c, fuzz_storvsp_state.c): GM_PAGES pages from
 * page GM_BASE, every other page refused. A read or write storvsp lets
 * through outside them, or past a page's end, aborts: storvsp must have
 * checked the guest's addresses first. */
#ifndef FUZZ_STORVSP_GMEM_H
#define FUZZ_STORVSP_GMEM_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GM_BASE 0x1000u
#define GM_PAGES 16u

static uint8_t gmem[GM_PAGES * 4096u];

static int gm_check(void *ctx, uint64_t pfn, int w)
{
	(void)ctx;
	(void)w;
	return pfn >= GM_BASE && pfn < GM_BASE + GM_PAGES ? 0 : -EFAULT;
}

static int gm_read(void *ctx, uint64_t pfn, uint32_t off, void *buf, uint32_t len)
{
	if (gm_check(ctx, pfn, 0) || off + len > 4096u)
		abort();  /* storvsp must have checked */
	memcpy(buf, gmem + (pfn - GM_BASE) * 4096u + off, len);
	return 0;
}

static int gm_write(void *ctx, uint64_t pfn, uint32_t off, const void *buf,
		    uint32_t len)
{
	if (gm_check(ctx, pfn, 1) || off + len > 4096u)
		abort();
	memcpy(gmem + (pfn - GM_BASE) * 4096u + off, buf, len);
	return 0;
}
#endif
