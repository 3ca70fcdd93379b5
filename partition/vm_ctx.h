/* A child's vCPU context and memory out of one partition and into a new
 * one (partition/vm_ctx.c; docs/hypercalls.md "vCPU context"). */
#ifndef PARENT_VM_CTX_H
#define PARENT_VM_CTX_H
#include <stdint.h>
#include "hv/abi/hvpart_abi.h"
#include "partition/pmem.h"

/* Two of the parent's pages for a context, their addresses, and the
 * vCPU (vp_index) whose context they take or give. */
struct vmctx_buf {
	struct pmem_set set;
	uint64_t pa[HVPART_VP_CONTEXT_PAGES];
	uint32_t vp;
};
/* One buffer (vCPU 0's), or n (vCPUs 0..n-1): 0, or -1 with none kept. */
int vmctx_buf_alloc(struct vmctx_buf *b);
int vmctx_bufs_alloc(struct vmctx_buf *b, unsigned n);
void vmctx_buf_free(struct vmctx_buf *b);
void vmctx_bufs_free(struct vmctx_buf *b, unsigned n);
uint16_t vmctx_io(uint16_t code, uint64_t id, const struct vmctx_buf *b);
/* GetVpContext of a suspended child, serving its port accesses between
 * tries (one hv has not seen answered keeps it inside an instruction). */
uint16_t vmctx_export(uint64_t id, const struct vmctx_buf *b);
/* Copy bytes of child id's memory, mapped a piece at a time
 * (MapGpadlPages), into dst's pages, guest-physical order. */
uint16_t vmctx_copy_memory(uint64_t id, uint64_t bytes, const struct pmem_set *dst);
/* The child's memory a piece at a time, in guest-physical order: fn gets
 * the pieces' first guest address and the parent addresses of its n
 * pages while hv has them mapped. 0, fn's negative errno (which ends the
 * walk), or -EIO when hv refused a mapping. */
typedef int (*vmctx_piece_fn)(void *arg, uint64_t gpa, const uint64_t *pa, uint32_t n);
int vmctx_each_piece(uint64_t id, uint64_t bytes, vmctx_piece_fn fn, void *arg);
#endif
