/*
 * The parent's side of moving a child: its vCPU context out of hv into
 * two of the parent's pages and back into a new partition, and its
 * memory copied while hv maps it (MapGpadlPages: the parent sees a
 * child's page only while hv has it mapped, docs/ARCHITECTURE.md rule
 * 1). Debug-VMHost -Action SaveRestore drives it (vm_save_restore in
 * partition/vm.c); Save-VM and snapshots will write the same pieces to
 * a file instead.
 */
#include <errno.h>
#include <string.h>
#include "partition/parent.h"
#include "partition/vm.h"
#include "partition/vm_ctx.h"

int vmctx_buf_alloc(struct vmctx_buf *b)
{
	uint64_t contig;

	if (pmem_alloc(HVPART_VP_CONTEXT_PAGES * 4096, &b->set))
		return -1;
	for (unsigned i = 0; i < HVPART_VP_CONTEXT_PAGES; i++)
		b->pa[i] = pmem_gpa_to_pa(&b->set, i * 4096ull, &contig);
	b->vp = 0;
	return 0;
}

void vmctx_buf_free(struct vmctx_buf *b)
{
	pmem_release(&b->set);
}

int vmctx_bufs_alloc(struct vmctx_buf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (vmctx_buf_alloc(&b[i])) {
			vmctx_bufs_free(b, i);
			return -1;
		}
		b[i].vp = i;
	}
	return 0;
}

void vmctx_bufs_free(struct vmctx_buf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vmctx_buf_free(&b[i]);
}

uint16_t vmctx_io(uint16_t code, uint64_t id, const struct vmctx_buf *b)
{
	struct hvpart_vp_context_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.vp_index = b->vp;
	in.npages = HVPART_VP_CONTEXT_PAGES;
	memcpy(in.page_gpa, b->pa, sizeof(in.page_gpa));
	return hvcall(code, &in, sizeof(in), NULL, 0);
}

uint16_t vmctx_export(uint64_t id, const struct vmctx_buf *b)
{
	uint16_t st = HV_STATUS_INVALID_PARTITION_STATE;

	for (int tries = 0; tries < 64 && st == HV_STATUS_INVALID_PARTITION_STATE; tries++) {
		st = vmctx_io(HVCALL_HVPART_GET_VP_CONTEXT, id, b);
		if (st == HV_STATUS_INVALID_PARTITION_STATE)
			vm_service();
	}
	return st;
}

/* One MapGpadlPages call's worth: n pages from guest page gpfn on,
 * handed to fn while hv has them mapped. *cbrc: fn's result. */
static uint16_t map_piece(uint64_t id, uint64_t gpfn, uint32_t n, vmctx_piece_fn fn, void *arg,
			  int *cbrc)
{
	static struct hvpart_gpadl_map_in in;
	static struct hvpart_gpadl_map_out out;
	static struct hvpart_gpadl_unmap_in un;
	uint16_t st;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.count = n;
	for (uint32_t i = 0; i < n; i++)
		in.gpfn[i] = gpfn + i;
	st = hvcall(HVCALL_HVPART_MAP_GPADL_PAGES, &in, sizeof(in), &out, sizeof(out));
	if (st)
		return st;
	*cbrc = fn(arg, gpfn << 12, out.pa, n);
	memset(&un, 0, sizeof(un));
	un.count = n;
	memcpy(un.pa, out.pa, n * sizeof(out.pa[0]));
	return hvcall(HVCALL_HVPART_UNMAP_GPADL_PAGES, &un, sizeof(un), NULL, 0);
}

int vmctx_each_piece(uint64_t id, uint64_t bytes, vmctx_piece_fn fn, void *arg)
{
	uint64_t pages = bytes >> 12;
	uint16_t st = HV_STATUS_SUCCESS;
	int rc = 0;

	for (uint64_t g = 0; g < pages && !st && !rc; g += HVPART_GPADL_PAGES) {
		uint64_t n = pages - g < HVPART_GPADL_PAGES ? pages - g : HVPART_GPADL_PAGES;

		st = map_piece(id, g, (uint32_t)n, fn, arg, &rc);
	}
	return st ? -EIO : rc;
}

static int copy_to_set(void *arg, uint64_t gpa, const uint64_t *pa, uint32_t n)
{
	const struct pmem_set *dst = arg;
	uint64_t contig;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t to = pmem_gpa_to_pa(dst, gpa + i * 4096ull, &contig);

		memcpy((void *)(uintptr_t)to, (const void *)(uintptr_t)pa[i], 4096);
	}
	return 0;
}

uint16_t vmctx_copy_memory(uint64_t id, uint64_t bytes, const struct pmem_set *dst)
{
	return vmctx_each_piece(id, bytes, copy_to_set, (void *)dst) ? HV_STATUS_INVALID_PARAMETER
								     : HV_STATUS_SUCCESS;
}
