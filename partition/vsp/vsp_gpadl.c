/*
 * GPADL pages for the parent's VSPs (see vsp_gpadl.h). hv's calls take
 * up to HVPART_GPADL_PAGES pages each and are all-or-nothing per call;
 * a GPADL longer than that (netvsc's 16 MiB receive buffer is 4,096
 * pages) is several calls, undone here if a later one fails.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "partition/parent.h"
#include "partition/arch/vmap.h"
#include "partition/vsp/vsp_gpadl.h"

uint16_t vsp_gpadl_hv_unmap(const uint64_t *pa, uint32_t n)
{
	static struct hvpart_gpadl_unmap_in in;
	uint16_t st = HV_STATUS_SUCCESS, s;

	for (uint32_t done = 0; done < n; done += in.count) {
		memset(&in, 0, sizeof(in));
		in.count = n - done < HVPART_GPADL_PAGES ? n - done : HVPART_GPADL_PAGES;
		memcpy(in.pa, pa + done, in.count * sizeof(*pa));
		s = hvcall(HVCALL_HVPART_UNMAP_GPADL_PAGES, &in, sizeof(in), NULL, 0);
		if (s && !st)
			st = s;
	}
	return st;
}

static int gpfn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* hv refuses a page named twice within one call; across calls it cannot
 * see it, so a list longer than one call is checked whole here (issue
 * 13: a GPADL naming the same page twice is an error). */
static bool gpfn_repeats(const uint64_t *gpfn, uint32_t n)
{
	uint64_t *s;
	bool rep = false;

	if (n <= HVPART_GPADL_PAGES)
		return false;
	s = malloc(n * sizeof(*s));
	if (!s)
		return true;          /* refused rather than unchecked */
	memcpy(s, gpfn, n * sizeof(*s));
	qsort(s, n, sizeof(*s), gpfn_cmp);
	for (uint32_t k = 1; k < n && !rep; k++)
		rep = s[k] == s[k - 1];
	free(s);
	return rep;
}

int (*vsp_gpadl_room)(uint64_t child, const uint64_t *gpfn, uint32_t n);

/* One MAP_GPADL_PAGES call; once more after a live capture made room. */
static uint16_t map_call(const struct hvpart_gpadl_map_in *in, struct hvpart_gpadl_map_out *out)
{
	size_t olen = in->count * sizeof(out->pa[0]);
	uint16_t st = hvcall(HVCALL_HVPART_MAP_GPADL_PAGES, in, sizeof(*in), out, olen);

	if (st == HV_STATUS_INSUFFICIENT_BUFFERS && vsp_gpadl_room &&
	    !vsp_gpadl_room(in->partition_id, in->gpfn, in->count))
		st = hvcall(HVCALL_HVPART_MAP_GPADL_PAGES, in, sizeof(*in), out, olen);
	return st;
}

uint16_t vsp_gpadl_hv_map(uint64_t child, const uint64_t *gpfn, uint32_t n, uint64_t *pa)
{
	static struct hvpart_gpadl_map_in in;
	static struct hvpart_gpadl_map_out out;
	uint32_t done;
	uint16_t st = HV_STATUS_SUCCESS;

	if (gpfn_repeats(gpfn, n))
		return HV_STATUS_INVALID_PARAMETER;

	for (done = 0; done < n; done += in.count) {
		memset(&in, 0, sizeof(in));
		in.partition_id = child;
		in.count = n - done < HVPART_GPADL_PAGES ? n - done : HVPART_GPADL_PAGES;
		memcpy(in.gpfn, gpfn + done, in.count * sizeof(*gpfn));
		st = map_call(&in, &out);
		if (st)
			break;
		memcpy(pa + done, out.pa, in.count * sizeof(*pa));
	}
	if (st && done)
		(void)vsp_gpadl_hv_unmap(pa, done);
	return st;
}

int vsp_gpadl_map(uint64_t child, const uint64_t *gpfn, uint32_t n, void **va)
{
	uint64_t *pa;
	uint16_t st;

	if (!n)
		return -EINVAL;
	pa = malloc(n * sizeof(*pa));
	if (!pa)
		return -ENOMEM;
	st = vsp_gpadl_hv_map(child, gpfn, n, pa);
	if (st) {
		free(pa);
		return st == HV_STATUS_INSUFFICIENT_MEMORY ? -ENOMEM : -EPERM;
	}
	*va = vmap_pages(pa, n);
	if (!*va)
		(void)vsp_gpadl_hv_unmap(pa, n);
	free(pa);
	return *va ? 0 : -ENOMEM;
}

void vsp_gpadl_unmap(void *va, uint32_t n)
{
	uint64_t *pa = malloc(n * sizeof(*pa));
	uint32_t k;

	/* Without memory for the list, release page by page. */
	for (k = 0; k < n; k++) {
		uint64_t one = vmap_pa((const uint8_t *)va + (uint64_t)k * 4096);

		if (pa)
			pa[k] = one;
		else if (one)
			(void)vsp_gpadl_hv_unmap(&one, 1);
	}
	vmap_release(va, n);
	if (pa) {
		(void)vsp_gpadl_hv_unmap(pa, n);
		free(pa);
	}
}
