/* Host tests for the physical frame allocator (lib/frame.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/frame.h"

#define BASE   0x100000ull          /* 1 MiB: not 2 MiB aligned on purpose */
#define NPAGES 4000ull              /* not a multiple of 64 */

static struct frame_alloc fa;
static uint64_t bm[FRAME_BITMAP_WORDS(NPAGES)];
static uint16_t owners[NPAGES];

static int setup(void **st)
{
	(void)st;
	memset(bm, 0xa5, sizeof(bm));  /* init must clear it */
	return frame_init(&fa, BASE, NPAGES, bm, sizeof(bm) / 8);
}

static void test_init_all_reserved(void **st)
{
	uint64_t pa;
	uint64_t small[2];

	(void)st;
	assert_int_equal(frame_count_total(&fa), 0);
	assert_int_equal(frame_count_free(&fa), 0);
	assert_int_equal(frame_alloc_page(&fa, &pa), -ENOMEM);
	assert_int_equal(frame_free_page(&fa, BASE), -ENOENT);
	assert_int_equal(frame_init(&fa, BASE + 1, 10, bm, 100), -EINVAL);
	assert_int_equal(frame_init(&fa, BASE, 0, bm, 100), -EINVAL);
	assert_int_equal(frame_init(&fa, BASE, 200, small, 2), -ENOSPC);
}

static void test_add_reserve_clip(void **st)
{
	(void)st;
	/* Partial frames at both ends are not added. */
	assert_int_equal(frame_add_free_range(&fa, BASE + 0x800, 0x3000), 2);
	assert_int_equal(frame_count_free(&fa), 2);
	/* Overlap with managed frames is skipped, not double counted. */
	assert_int_equal(frame_add_free_range(&fa, BASE, 0x5000), 3);
	assert_int_equal(frame_count_total(&fa), 5);
	/* Clipped to the window on both sides. */
	assert_int_equal(frame_add_free_range(&fa, 0, BASE + 0x6000), 1);
	assert_int_equal(frame_add_free_range(&fa, BASE + (NPAGES - 2) * 4096,
					      1ull << 40), 2);
	assert_int_equal(frame_add_free_range(&fa, 1ull << 40, 4096), 0);
	assert_int_equal(frame_add_free_range(&fa, BASE, 0xfff), 0);
	assert_int_equal(frame_add_free_range(&fa, ~0ull - 10, 100), -EINVAL);
	assert_int_equal(frame_count_total(&fa), 8);
	/* Reserve rounds outward: one byte takes the whole frame. */
	assert_int_equal(frame_reserve_range(&fa, BASE + 0x1fff, 2), 0);
	assert_int_equal(frame_count_total(&fa), 6);
	assert_int_equal(frame_count_free(&fa), 6);
	assert_int_equal(frame_free_page(&fa, BASE + 0x1000), -ENOENT);
}

static void test_alloc_exhaust_free(void **st)
{
	uint64_t pa, got[64];
	unsigned i;

	(void)st;
	assert_int_equal(frame_add_free_range(&fa, BASE + 64 * 4096,
					      64 * 4096), 64);
	for (i = 0; i < 64; i++) {
		assert_int_equal(frame_alloc_page(&fa, &got[i]), 0);
		assert_true(got[i] >= BASE + 64 * 4096 &&
			    got[i] < BASE + 128 * 4096);
		assert_int_equal(got[i] & 0xfff, 0);
		assert_true(frame_is_allocated(&fa, got[i]));
		for (unsigned k = 0; k < i; k++)
			assert_true(got[k] != got[i]);
	}
	assert_int_equal(frame_count_free(&fa), 0);
	assert_int_equal(frame_alloc_page(&fa, &pa), -ENOMEM);
	assert_int_equal(frame_free_page(&fa, got[5]), 0);
	assert_int_equal(frame_free_page(&fa, got[5]), -EALREADY);  /* double */
	assert_int_equal(frame_count_free(&fa), 1);
	assert_int_equal(frame_alloc_page(&fa, &pa), 0);
	assert_true(pa == got[5]);
	assert_int_equal(frame_free_page(&fa, got[1] + 8), -EINVAL);
	assert_int_equal(frame_free_page(&fa, BASE - 4096), -ERANGE);
	assert_int_equal(frame_free_page(&fa, BASE + NPAGES * 4096), -ERANGE);
	assert_int_equal(frame_free_page(&fa, BASE), -ENOENT);    /* never added */
	/* A range with one already-free frame changes nothing. */
	assert_int_equal(frame_free_page(&fa, got[10]), 0);
	assert_int_equal(frame_free_range(&fa, got[0], 64), -EALREADY);
	assert_int_equal(frame_count_free(&fa), 1);
	assert_int_equal(frame_reserve_range(&fa, got[0], 4096), -EBUSY);
	for (i = 0; i < 64; i++)
		if (i != 10)
			assert_int_equal(frame_free_page(&fa, got[i]), 0);
	assert_int_equal(frame_count_free(&fa), 64);
	assert_int_equal(frame_count_total(&fa), 64);
}

static void test_contig_alignment(void **st)
{
	uint64_t pa, pb, pc;

	(void)st;
	assert_int_equal(frame_add_free_range(&fa, BASE, NPAGES * 4096), NPAGES);
	/* 2 MiB alignment must be absolute even though BASE is 1 MiB. */
	assert_int_equal(frame_alloc_contig(&fa, 512, 512, &pa), 0);
	assert_int_equal(pa & 0x1fffff, 0);
	assert_true(pa == 0x200000);
	assert_int_equal(frame_alloc_contig(&fa, 3, 0, &pb), 0);
	assert_true(pb == BASE);
	/* Punch a hole so a 16-page run must skip it. */
	assert_int_equal(frame_alloc_page(&fa, &pc), 0);
	assert_true(pc == BASE + 3 * 4096);
	assert_int_equal(frame_free_range(&fa, BASE, 3), 0);
	assert_int_equal(frame_alloc_contig(&fa, 16, 4, &pb), 0);
	assert_true(pb == BASE + 4 * 4096);
	for (uint64_t i = 0; i < 16; i++)
		assert_true(frame_is_allocated(&fa, pb + i * 4096));
	assert_int_equal(frame_alloc_contig(&fa, 3, 3, &pb), -EINVAL);
	assert_int_equal(frame_alloc_contig(&fa, 0, 1, &pb), -EINVAL);
	assert_int_equal(frame_alloc_contig(&fa, NPAGES, 1, &pb), -ENOMEM);
	/* A run larger than any free stretch fails though enough is free. */
	assert_int_equal(frame_alloc_contig(&fa, 2000, 1, &pb), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1300, 1, &pb), -ENOMEM);
	assert_true(frame_count_free(&fa) > 1300);
	assert_int_equal(frame_free_range(&fa, pa, 512), 0);
	assert_int_equal(frame_alloc_contig(&fa, 512, 512, &pb), 0);
	assert_true(pb == pa);
}

/* Random alloc/free against a model; counters must match exactly. */
static void test_random_model(void **st)
{
	static uint8_t model[NPAGES];   /* 0 unmanaged, 1 free, 2 allocated */
	uint64_t pa;
	unsigned seed = 12345;

	(void)st;
	memset(model, 0, sizeof(model));
	for (unsigned r = 0; r < 20000; r++) {
		uint64_t i;
		uint64_t nf = 0;

		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % NPAGES;
		switch ((seed >> 4) % 4) {
		case 0:
			frame_add_free_range(&fa, BASE + i * 4096, 4096 * 5);
			for (uint64_t k = i; k < i + 5 && k < NPAGES; k++)
				if (!model[k])
					model[k] = 1;
			break;
		case 1:
			if (frame_alloc_page(&fa, &pa) == 0) {
				assert_int_equal(model[(pa - BASE) / 4096], 1);
				model[(pa - BASE) / 4096] = 2;
			}
			break;
		case 2: {
			int rc = frame_free_page(&fa, BASE + i * 4096);

			assert_int_equal(rc, model[i] == 2 ? 0 :
					 model[i] == 1 ? -EALREADY : -ENOENT);
			if (model[i] == 2)
				model[i] = 1;
			break;
		}
		default:
			if (model[i] != 2) {
				assert_int_equal(frame_reserve_range(&fa,
						BASE + i * 4096, 1), 0);
				model[i] = 0;
			}
		}
		for (uint64_t k = 0; k < NPAGES; k++)
			nf += model[k] == 1;
		assert_true(frame_count_free(&fa) == nf);
	}
}

static void test_owners(void **st)
{
	uint16_t o;
	uint64_t pa;
	struct frame_alloc tmp;

	(void)st;
	memset(&tmp, 0, sizeof(tmp));
	tmp = fa;
	tmp.owners = NULL;
	assert_int_equal(frame_owner_get(&tmp, BASE, &o), -ENODEV);
	frame_owner_attach(&fa, owners);
	assert_int_equal(frame_add_free_range(&fa, BASE, 64 * 4096), 64);
	assert_int_equal(frame_owner_get(&fa, BASE, &o), 0);
	assert_int_equal(o, FRAME_OWNER_NONE);
	assert_int_equal(frame_alloc_contig(&fa, 8, 1, &pa), 0);
	assert_int_equal(frame_owner_set(&fa, pa, 8, FRAME_OWNER_PARENT), 0);
	/* Give pages 2..5 to child 7: succeeds, owner-checked. */
	assert_int_equal(frame_owner_transfer(&fa, pa + 2 * 4096, 4,
			 FRAME_OWNER_PARENT, FRAME_OWNER_CHILD(7)), 0);
	/* A second transfer from the parent over them fails, changes nothing. */
	assert_int_equal(frame_owner_transfer(&fa, pa, 8, FRAME_OWNER_PARENT,
			 FRAME_OWNER_CHILD(8)), -EPERM);
	assert_int_equal(frame_owner_get(&fa, pa, &o), 0);
	assert_int_equal(o, FRAME_OWNER_PARENT);
	assert_int_equal(frame_owner_get(&fa, pa + 3 * 4096 + 17, &o), 0);
	assert_int_equal(o, FRAME_OWNER_CHILD(7));
	assert_int_equal(frame_owner_set(&fa, pa + 1, 1, 1), -EINVAL);
	assert_int_equal(frame_owner_set(&fa, pa + 4096, NPAGES, 1), -ERANGE);
	/* Freeing resets ownership. */
	assert_int_equal(frame_free_range(&fa, pa + 2 * 4096, 4), 0);
	assert_int_equal(frame_owner_get(&fa, pa + 2 * 4096, &o), 0);
	assert_int_equal(o, FRAME_OWNER_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_all_reserved, setup),
		cmocka_unit_test_setup(test_add_reserve_clip, setup),
		cmocka_unit_test_setup(test_alloc_exhaust_free, setup),
		cmocka_unit_test_setup(test_contig_alignment, setup),
		cmocka_unit_test_setup(test_random_model, setup),
		cmocka_unit_test_setup(test_owners, setup),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
