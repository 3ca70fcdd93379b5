/*
 * hv's pool allocator over the frame allocator (lib/frame.c), and the
 * EPT table operations that draw on it. hv identity-maps the first 4 GiB
 * (hv/arch/x86/boot.S) and the pool lies below 4 GiB, so a table's
 * physical address is its pointer.
 */
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <lib/frame.h>
#include <hv/mm/pool.h>

static uint64_t pool_bitmap[FRAME_BITMAP_WORDS(HV_POOL_MAX / 4096)];
static struct frame_alloc pool;

int hv_pool_init(uint64_t base, uint64_t size)
{
	if (size > HV_POOL_MAX ||
	    frame_init(&pool, base, size / 4096, pool_bitmap, ARRAY_SIZE(pool_bitmap)) ||
	    frame_add_free_range(&pool, base, size) <= 0)
		return -EINVAL;
	return 0;
}

int hv_pool_alloc(uint64_t *pa)
{
	if (frame_alloc_page(&pool, pa))
		return -ENOMEM;
	memset((void *)(uintptr_t)*pa, 0, 4096);
	return 0;
}

void hv_pool_free(uint64_t pa)
{
	frame_free_page(&pool, pa);
}

uint64_t hv_pool_free_bytes(void)
{
	return frame_count_free(&pool) * 4096;
}

static void *pool_table_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	if (hv_pool_alloc(pa))
		return NULL;
	return (void *)(uintptr_t)*pa;
}

static void pool_table_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	hv_pool_free(pa);
}

static void *pool_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

const struct ept_ops hv_ept_ops = { pool_table_alloc, pool_table_free, pool_p2v };
