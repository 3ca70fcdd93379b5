/*
 * Generic 4-level walker plus the IA-32e paging wrapper.
 *
 * Shape shared by IA-32e paging (SDM Vol. 3A §4.5) and EPT (SDM Vol. 3C
 * §29.3.2): level n (4..1) indexes with address bits [12+9n-1 : 12+9(n-1)],
 * bit 7 in a PDPTE/PDE marks a 1 GiB/2 MiB leaf, bits 51:12 hold the next
 * table's or the page's physical address.
 */
#include "hv/mm/pagetable.h"

#include <errno.h>
#include <stddef.h>

#define PW_ADDR   0x000FFFFFFFFFF000ull
#define PW_VA_TOP (1ull << 48)

static unsigned pw_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

static uint64_t pw_span(unsigned level)
{
	return 1ull << pw_shift(level);
}

static unsigned pw_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> pw_shift(level)) & (PT_ENTRIES - 1);
}

static uint64_t *pw_table(const struct ptwalk *w, uint64_t pa)
{
	return w->ops.phys_to_virt(w->ctx, pa);
}

/* Tables may be live (in CR3 or an EPTP): publish each entry with one
 * 64-bit store, after the table it points to is fully written. */
static void pw_store(uint64_t *slot, uint64_t v)
{
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
}

static int pw_present(const struct ptwalk *w, uint64_t e)
{
	return (e & w->fmt->present) != 0;
}

/* A present entry at this level that points to a lower table. Bit 7 is
 * reserved in a PML4E, so level 4 entries are always tables. */
static int pw_is_table(const struct ptwalk *w, uint64_t e, unsigned level)
{
	if (!pw_present(w, e) || level == 1)
		return 0;
	return level == 4 || !(e & w->fmt->large);
}

static uint64_t *pw_alloc(struct ptwalk *w, uint64_t *pa)
{
	uint64_t *t = w->ops.alloc_table(w->ctx, pa);

	if (t)
		w->tables++;
	return t;
}

/* Free the table at pa (holding level `level` entries) and everything below. */
static void pw_free_subtree(struct ptwalk *w, uint64_t pa, unsigned level)
{
	uint64_t *t = pw_table(w, pa);
	unsigned i;

	for (i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (pw_is_table(w, t[i], level))
			pw_free_subtree(w, t[i] & PW_ADDR, level - 1);
	w->ops.free_table(w->ctx, pa);
	w->tables--;
}

/* Replace the large leaf in *slot (at `level`) by a table of 512 leaves of
 * the next size down with the same attributes: same translation, finer
 * grain. */
static int pw_split(struct ptwalk *w, uint64_t *slot, unsigned level)
{
	uint64_t e = *slot, pa;
	uint64_t base = e & PW_ADDR & ~(pw_span(level) - 1);
	uint64_t attrs = e & w->fmt->leaf_attrs;
	uint64_t step = pw_span(level - 1);
	uint64_t large = level - 1 > 1 ? w->fmt->large : 0;
	uint64_t *t = pw_alloc(w, &pa);
	unsigned i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < PT_ENTRIES; i++)
		t[i] = (base + i * step) | attrs | large;
	pw_store(slot, pa | w->fmt->table_bits);
	return 0;
}

/* Slot for va at level `target`, creating or splitting tables above it. */
static int pw_descend(struct ptwalk *w, uint64_t va, unsigned target,
		      uint64_t **slot)
{
	uint64_t *t = pw_table(w, w->root_pa);
	unsigned level;

	for (level = 4; level > target; level--) {
		uint64_t *s = &t[pw_index(va, level)];
		uint64_t pa;

		if (!pw_present(w, *s)) {
			if (!pw_alloc(w, &pa))
				return -ENOMEM;
			pw_store(s, pa | w->fmt->table_bits);
		} else if (!pw_is_table(w, *s, level)) {
			int rc = pw_split(w, s, level);

			if (rc)
				return rc;
		}
		t = pw_table(w, *s & PW_ADDR);
	}
	*slot = &t[pw_index(va, target)];
	return 0;
}

int ptwalk_init(struct ptwalk *w, const struct ptwalk_format *fmt,
		const struct pt_ops *ops, void *ctx, unsigned max_leaf)
{
	if (!ops || !ops->alloc_table || !ops->free_table ||
	    !ops->phys_to_virt || max_leaf < 1 || max_leaf > 3)
		return -EINVAL;
	w->fmt = fmt;
	w->ops = *ops;
	w->ctx = ctx;
	w->tables = 0;
	w->max_leaf = max_leaf;
	if (!pw_alloc(w, &w->root_pa))
		return -ENOMEM;
	return 0;
}

/* Largest page level usable at va -> pa with `left` bytes to go. */
static unsigned pw_pick_level(const struct ptwalk *w, uint64_t va,
			      uint64_t pa, uint64_t left)
{
	unsigned level;

	for (level = w->max_leaf; level > 1; level--) {
		uint64_t span = pw_span(level);

		if (!((va | pa) & (span - 1)) && left >= span)
			return level;
	}
	return 1;
}

int ptwalk_map_range(struct ptwalk *w, uint64_t va, uint64_t pa,
		     uint64_t size, uint64_t attrs)
{
	while (size) {
		unsigned level = pw_pick_level(w, va, pa, size);
		uint64_t *slot, old, span = pw_span(level);
		int rc = pw_descend(w, va, level, &slot);

		if (rc)
			return rc;
		/* The leaves that follow in the same table go in without a
		 * walk from the root each: a GPADL run of 256 pages is one
		 * descent, not 256 (hv/core/gpadl.c). */
		do {
			old = *slot;
			pw_store(slot++, pa | attrs | (level > 1 ? w->fmt->large : 0));
			/* A leaf replacing a table: the old subtree is unreachable. */
			if (pw_is_table(w, old, level))
				pw_free_subtree(w, old & PW_ADDR, level - 1);
			va += span;
			pa += span;
			size -= span;
		} while (size && pw_index(va, level) && pw_pick_level(w, va, pa, size) == level);
	}
	return 0;
}

/* Whether table t has no entry, looking first at the entries after
 * index from (cyclically): a range unmapped page by page in order, as
 * HvpartUnmapGpadlPages does (hv/core/gpadl.c), finds the next page's
 * entry at once, where a scan from 0 passed over every entry already
 * cleared: 32 pages cost 45,000 instructions of scans, most of the
 * hypercall (docs/benchmarks.md, bench_vhd_child_vs_parent). */
static int pw_table_empty(const uint64_t *t, unsigned from)
{
	unsigned i;

	for (i = 1; i <= PT_ENTRIES; i++)
		if (t[(from + i) & (PT_ENTRIES - 1)])
			return 0;
	return 1;
}

/* Path from the root to the current position: tbl[l] is the table holding
 * level-l entries, slot[l] the level l+1 entry that points to it. */
struct pw_path {
	uint64_t *tbl[5];
	uint64_t pa[5];
	uint64_t *slot[5];
};

/* After finishing at `level`, free tables on the path that this call is
 * done with (next va beyond them, or the end) and that are now empty. */
static void pw_prune(struct ptwalk *w, struct pw_path *p, unsigned level,
		     uint64_t va, uint64_t end)
{
	unsigned l;

	for (l = level; l < 4; l++) {
		if (va < end && (va & (pw_span(l + 1) - 1)))
			return;         /* more of this table still to visit */
		if (!pw_table_empty(p->tbl[l], pw_index(va - 1, l)))
			return;
		pw_store(p->slot[l], 0);
		w->ops.free_table(w->ctx, p->pa[l]);
		w->tables--;
	}
}

/* Clear the entry at s (for *va, at `level`: absent or wholly in the
 * range) and those after it in the same table while they are too, with
 * no walk from the root for each; *va ends past the last. */
static void pw_clear_run(struct ptwalk *w, uint64_t *s, unsigned level, uint64_t *va,
			 uint64_t end)
{
	uint64_t span = pw_span(level);

	*va &= ~(span - 1);
	do {
		uint64_t e = *s;

		if (pw_present(w, e))
			pw_store(s, 0);
		if (pw_is_table(w, e, level) && end - *va >= span)
			pw_free_subtree(w, e & PW_ADDR, level - 1);
		s++;
		*va += span;
	} while (*va < end && pw_index(*va, level) &&
		 (end - *va >= span || !pw_present(w, *s)));
}

/* Unmap from va as far as one table allows; advances *va. */
static int pw_unmap_step(struct ptwalk *w, uint64_t *va, uint64_t end,
			 struct pw_path *p, unsigned *stop)
{
	unsigned level = 4;

	p->tbl[4] = pw_table(w, w->root_pa);
	p->pa[4] = w->root_pa;
	for (;;) {
		uint64_t *s = &p->tbl[level][pw_index(*va, level)];
		uint64_t span = pw_span(level), e = *s;
		uint64_t ebase = *va & ~(span - 1);
		int covers = *va == ebase && end - *va >= span;

		if (!pw_present(w, e) || covers) {
			pw_clear_run(w, s, level, va, end);
			*stop = level;
			return 0;
		}
		if (!pw_is_table(w, e, level)) {
			int rc = pw_split(w, s, level);

			if (rc)
				return rc;
		}
		p->slot[level - 1] = s;
		p->pa[level - 1] = *s & PW_ADDR;
		p->tbl[level - 1] = pw_table(w, p->pa[level - 1]);
		level--;
	}
}

int ptwalk_unmap_range(struct ptwalk *w, uint64_t va, uint64_t size)
{
	uint64_t end = va + size;
	struct pw_path p;

	while (va < end) {
		unsigned stop = 4;
		int rc = pw_unmap_step(w, &va, end, &p, &stop);

		if (rc)
			return rc;
		pw_prune(w, &p, stop, va, end);
	}
	return 0;
}

int ptwalk_lookup_entry(const struct ptwalk *w, uint64_t va,
			uint64_t *entry, unsigned *level)
{
	const uint64_t *t = pw_table(w, w->root_pa);
	unsigned l;

	for (l = 4; l >= 1; l--) {
		uint64_t e = t[pw_index(va, l)];

		if (!pw_present(w, e))
			return -ENOENT;
		if (!pw_is_table(w, e, l)) {
			*entry = e;
			*level = l;
			return 0;
		}
		t = pw_table(w, e & PW_ADDR);
	}
	return -ENOENT;
}

/* ---- Access rights by level (live memory capture, hv/core/capture.c) ----
 * A right is granted only if every entry of the walk grants it (SDM Vol.
 * 3C §29.3.3 for EPT: the access rights are the AND along the walk; APM
 * Vol. 2 §5.6.1 for long-mode and nested tables: R/W is ANDed across
 * levels), so clearing a right in one table entry takes it from the whole
 * span below in one store. */

/* Clear bits in the entries of table t (at `level`, mapping from base)
 * over [va, end): an entry inside the range at its own level, one at an
 * edge further down (a large leaf there split first). */
static int pw_restrict(struct ptwalk *w, uint64_t *t, unsigned level, uint64_t base, uint64_t va,
		       uint64_t end, uint64_t bits)
{
	uint64_t span = pw_span(level);

	for (unsigned i = pw_index(va, level); va < end && i < PT_ENTRIES; i++) {
		uint64_t lo = base + i * span, next = lo + span < end ? lo + span : end;
		uint64_t *s = &t[i];
		int rc = 0;

		if (!pw_present(w, *s)) {
			va = next;
			continue;
		}
		if (va == lo && next == lo + span)
			pw_store(s, *s & ~bits);
		else if (!pw_is_table(w, *s, level) && (rc = pw_split(w, s, level)) != 0)
			return rc;
		if (pw_is_table(w, *s, level) && !(va == lo && next == lo + span))
			rc = pw_restrict(w, pw_table(w, *s & PW_ADDR), level - 1, lo, va, next, bits);
		if (rc)
			return rc;
		va = next;
	}
	return 0;
}

int ptwalk_restrict_range(struct ptwalk *w, uint64_t va, uint64_t size, uint64_t bits)
{
	if (!size || size > PW_VA_TOP - va || ((va | size) & 0xfff) || (bits & ~w->fmt->table_bits))
		return -EINVAL;
	return pw_restrict(w, pw_table(w, w->root_pa), 4, 0, va, va + size, bits);
}

/* Set bits in every present entry of table t over [va, end), at every
 * level. */
static void pw_grant(struct ptwalk *w, uint64_t *t, unsigned level, uint64_t base, uint64_t va,
		     uint64_t end, uint64_t bits)
{
	uint64_t span = pw_span(level);

	for (unsigned i = pw_index(va, level); va < end && i < PT_ENTRIES; i++) {
		uint64_t lo = base + i * span, next = lo + span < end ? lo + span : end;

		if (pw_present(w, t[i])) {
			pw_store(&t[i], t[i] | bits);
			if (pw_is_table(w, t[i], level))
				pw_grant(w, pw_table(w, t[i] & PW_ADDR), level - 1, lo, va, next, bits);
		}
		va = next;
	}
}

int ptwalk_grant_range(struct ptwalk *w, uint64_t va, uint64_t size, uint64_t bits)
{
	if (!size || size > PW_VA_TOP - va || ((va | size) & 0xfff) || (bits & ~w->fmt->table_bits))
		return -EINVAL;
	pw_grant(w, pw_table(w, w->root_pa), 4, 0, va, va + size, bits);
	return 0;
}

/* Entry *s (a table at `level`) lacks bits: its other entries take the
 * restriction over, so that it can grant them. */
static void pw_push_down(struct ptwalk *w, uint64_t *s, uint64_t bits)
{
	uint64_t *t = pw_table(w, *s & PW_ADDR);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (pw_present(w, t[i]))
			pw_store(&t[i], t[i] & ~bits);
	pw_store(s, *s | bits);
}

int ptwalk_grant_page(struct ptwalk *w, uint64_t va, uint64_t bits)
{
	uint64_t *t = pw_table(w, w->root_pa);

	if (va >= PW_VA_TOP || (bits & ~w->fmt->table_bits))
		return -EINVAL;
	for (unsigned level = 4; level >= 1; level--) {
		uint64_t *s = &t[pw_index(va, level)];
		int rc;

		if (!pw_present(w, *s))
			return -ENOENT;
		if (level == 1) {
			pw_store(s, *s | bits);
			return 0;
		}
		if (!pw_is_table(w, *s, level) && (rc = pw_split(w, s, level)) != 0)
			return rc;
		if ((*s & bits) != bits)
			pw_push_down(w, s, bits);
		t = pw_table(w, *s & PW_ADDR);
	}
	return -ENOENT;
}

int ptwalk_lookup_rights(const struct ptwalk *w, uint64_t va, uint64_t mask, uint64_t *rights)
{
	const uint64_t *t = pw_table(w, w->root_pa);
	uint64_t r = mask;

	for (unsigned l = 4; l >= 1; l--) {
		uint64_t e = t[pw_index(va, l)];

		if (!pw_present(w, e))
			return -ENOENT;
		r &= e;
		if (!pw_is_table(w, e, l)) {
			*rights = r;
			return 0;
		}
		t = pw_table(w, e & PW_ADDR);
	}
	return -ENOENT;
}

void ptwalk_destroy(struct ptwalk *w)
{
	/* Physical address 0 is a valid table address; use the count. */
	if (w->tables)
		pw_free_subtree(w, w->root_pa, 4);
	w->root_pa = 0;
}

/* ---- IA-32e paging (SDM Vol. 3A §4.5) ---- */

/* Non-leaf entries are fully permissive (P|RW|US, no NX): access rights
 * are the intersection along the walk (SDM Vol. 3A §4.6), so the leaf
 * alone decides. */
static const struct ptwalk_format pt_format = {
	.present = PT_P,
	.table_bits = PT_P | PT_RW | PT_US,
	.leaf_attrs = PT_MAP_FLAGS,
	.large = PT_PS,
};

int pt_init(struct pt *pt, const struct pt_ops *ops, void *ctx, unsigned opts)
{
	if (opts & ~PT_OPT_NO_1G)
		return -EINVAL;
	return ptwalk_init(&pt->w, &pt_format, ops, ctx,
			   (opts & PT_OPT_NO_1G) ? 2 : 3);
}

/* SDM Vol. 3A §3.3.7.1: bits 63:47 of a linear address must be equal.
 * *va48 gets the 48-bit walk address; *top the end of its half. */
static int pt_canonical(uint64_t va, uint64_t *va48, uint64_t *top)
{
	uint64_t hi = va >> 47;

	if (hi != 0 && hi != 0x1ffff)
		return -EINVAL;
	*va48 = va & (PW_VA_TOP - 1);
	*top = hi ? PW_VA_TOP : PW_VA_TOP / 2;
	return 0;
}

int pt_map_range(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
		 uint64_t flags)
{
	uint64_t va48, top;

	if (pt_canonical(va, &va48, &top) || size == 0 ||
	    ((va | pa | size) & (PT_SIZE_4K - 1)) || (flags & ~PT_MAP_FLAGS) ||
	    size > top - va48 || pa > PW_ADDR || size > PW_ADDR + PT_SIZE_4K - pa)
		return -EINVAL;
	return ptwalk_map_range(&pt->w, va48, pa, size, flags | PT_P);
}

int pt_unmap_range(struct pt *pt, uint64_t va, uint64_t size)
{
	uint64_t va48, top;

	if (pt_canonical(va, &va48, &top) || size == 0 ||
	    ((va | size) & (PT_SIZE_4K - 1)) || size > top - va48)
		return -EINVAL;
	return ptwalk_unmap_range(&pt->w, va48, size);
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa,
	      uint64_t *flags, uint64_t *page_size)
{
	uint64_t va48, top, e, span;
	unsigned level;
	int rc;

	if (pt_canonical(va, &va48, &top))
		return -EINVAL;
	rc = ptwalk_lookup_entry(&pt->w, va48, &e, &level);
	if (rc)
		return rc;
	span = pw_span(level);
	if (pa)
		*pa = (e & PW_ADDR & ~(span - 1)) | (va48 & (span - 1));
	if (flags)
		*flags = e & PT_MAP_FLAGS;
	if (page_size)
		*page_size = span;
	return 0;
}

void pt_destroy(struct pt *pt)
{
	ptwalk_destroy(&pt->w);
}

uint64_t pt_cr3(const struct pt *pt)
{
	return pt->w.root_pa;
}

uint64_t pt_table_count(const struct pt *pt)
{
	return pt->w.tables;
}
