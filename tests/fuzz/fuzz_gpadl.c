/* libFuzzer target for the GPADL table (hv/mm/gpadl.c; hv's
 * MapGpadlPages and UnmapGpadlPages, docs/hypercalls.md "GPADL pages")
 * over a fake space of NPAGES host pages (tests/unit/hv/fakegpadl.c),
 * driven from bytes: children created with any page layout (holes,
 * page numbers aliasing one host page, hv's pages, other children's
 * pages, addresses past the table), maps with any counts, page numbers
 * and reserved field, unmaps of returned addresses or of any value, child
 * deletes while pages are mapped, hv's pool running dry mid-call, and
 * children and the parent writing shared pages.
 *
 * A model keeps its own count per page and predicts each call's status
 * from the rules alone (docs/hypercalls.md); after every step it checks:
 *  - the status is the predicted one; a refused call changed nothing
 *    (counts, owners, the parent's EPT, page contents, the output), and
 *    one out of tables left only map/unmap pairs behind;
 *  - the table's count per page equals the model's (so never underflows
 *    or wraps), no check mark is left, mapped/held totals agree;
 *  - no page is both free and mapped: a parent's page has no count, is in
 *    the parent's EPT read/write/execute and is zero; a child's page is in
 *    the parent's EPT (read/write) exactly while counted;
 *  - a HELD page stays HELD, mapped and unscrubbed until its last unmap,
 *    which scrubs it and gives it back exactly once; nobody else gets it
 *    (fake deposits take parent pages only; maps want the child's);
 *  - fakegpadl saw no call the table must never make (f.bad). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/hv/fakegpadl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPAGES  48
#define NHV     2      /* pages 0, 1 are hv's */
#define NKIDS   3
#define NLIVE   (NPAGES * GPADL_REF_MAX)   /* every mapping there can be */

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static struct fakegpadl f;
static struct fg_child kids[NKIDS];
static bool alive[NKIDS];
static uint16_t next_id;
/* The model: mappings per page, the byte every page holds. */
static unsigned refs[NPAGES];
static uint8_t fill[NPAGES];
/* Addresses maps returned, one entry per mapping still counted. */
static uint64_t live[NLIVE];
static unsigned nlive;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Everything a refused call must leave as it was. */
struct snap {
	uint16_t owner[NPAGES];
	uint8_t perm[NPAGES], ref[NPAGES];
	unsigned scrubs[NPAGES], give_backs[NPAGES];
	uint64_t mapped, held;
};

static void take(struct snap *s)
{
	memcpy(s->owner, f.owner, sizeof(s->owner));
	memcpy(s->perm, f.perm, sizeof(s->perm));
	memcpy(s->ref, f.ref, sizeof(s->ref));
	memcpy(s->scrubs, f.scrubs, sizeof(s->scrubs));
	memcpy(s->give_backs, f.give_backs, sizeof(s->give_backs));
	s->mapped = f.t.mapped;
	s->held = f.t.held;
}

static void same(const struct snap *s, const char *what)
{
	struct snap now;

	take(&now);
	if (memcmp(s, &now, sizeof(now)))
		fail("%s changed the table or the page space", what);
}

/* ---- invariants ---- */

static bool page_holds(unsigned i, uint8_t b)
{
	return f.mem[i][0] == b && f.mem[i][2048] == b && f.mem[i][4095] == b;
}

static void check_page(unsigned i, uint64_t *mapped, uint64_t *held)
{
	unsigned r = f.ref[i] & 0x7f;
	uint16_t o = f.owner[i];

	if (f.ref[i] & 0x80)
		fail("page %u: check mark left", i);
	if (r != refs[i])
		fail("page %u: count %u, model %u", i, r, refs[i]);
	*mapped += r != 0;
	if (o == PAGE_OWNER_PARENT) {
		if (r || f.perm[i] != FG_RWX || !page_holds(i, 0))
			fail("page %u: the parent's but counted %u, perm %u, or not zero", i, r,
			     f.perm[i]);
	} else if (o == PAGE_OWNER_HELD) {
		++*held;
		if (!r || f.perm[i] != FG_RW || !page_holds(i, fill[i]))
			fail("page %u: HELD but count %u, perm %u, or scrubbed", i, r, f.perm[i]);
	} else if (o == PAGE_OWNER_HV) {
		if (r || f.perm[i])
			fail("hv's page %u counted or in the parent's EPT", i);
	} else if (f.perm[i] != (r ? FG_RW : 0) || !page_holds(i, fill[i])) {
		fail("child page %u: count %u but perm %u, or its data changed", i, r, f.perm[i]);
	}
	if (f.scrubs[i] != f.give_backs[i])
		fail("page %u: scrubbed %u times, given back %u", i, f.scrubs[i], f.give_backs[i]);
}

static void check_all(void)
{
	uint64_t mapped = 0, held = 0;

	if (f.bad)
		fail("bad call: %s", f.why);
	for (unsigned i = 0; i < NPAGES; i++)
		check_page(i, &mapped, &held);
	if (mapped != f.t.mapped || held != f.t.held)
		fail("totals %llu/%llu, pages say %llu/%llu", (unsigned long long)f.t.mapped,
		     (unsigned long long)f.t.held, (unsigned long long)mapped,
		     (unsigned long long)held);
}

/* ---- steps ---- */

/* A child in slot s: its size, then per page number a host page (any:
 * a deposit takes the parent's only) or, with the top bits, an alias to
 * hv's page, another host page as it is, or an address past the table. */
static void step_create(struct rd *r)
{
	unsigned s = u8(r) % NKIDS, n = u8(r) % 24 + 1;
	struct fg_child *c = &kids[s];

	if (alive[s] || next_id > 200)
		return;
	fg_child_init(c, next_id++, n);
	alive[s] = true;
	for (unsigned g = 0; g < n; g++) {
		uint8_t b = u8(r), page = (b & 0x3f) % NPAGES;

		switch (b >> 6) {
		case 0:
		case 1:
			if (!fg_deposit(&f, c, g, page, (uint8_t)(0x10 + page)))
				fill[page] = (uint8_t)(0x10 + page);
			break;
		case 2:   /* a broken EPT: any host page, as it is */
			c->gpfn_pa[g] = (uint64_t)page << 12;
			break;
		default:  /* hole, or an address outside the table */
			if (b & 1)
				c->gpfn_pa[g] = (uint64_t)(NPAGES + page) << 12;
			break;
		}
	}
}

/* What MapGpadlPages must answer, from the rules (docs/hypercalls.md). */
static uint16_t predict_map(const struct fg_child *c, const struct hvpart_gpadl_map_in *in,
			    uint64_t *pa)
{
	unsigned fresh = 0;

	if (!in->count || in->count > HVPART_GPADL_PAGES || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	for (uint32_t i = 0; i < in->count; i++) {
		uint64_t g = in->gpfn[i];

		if (g >= c->npages || g >= FG_CHILD_PAGES || c->gpfn_pa[g] == FG_NONE)
			return HV_STATUS_INVALID_PARAMETER;
		pa[i] = c->gpfn_pa[g];
		if (pa[i] >= NPAGES * 4096ull || f.owner[pa[i] >> 12] != PAGE_OWNER_CHILD(c->id) ||
		    refs[pa[i] >> 12] >= GPADL_REF_MAX)
			return HV_STATUS_INVALID_PARAMETER;
		for (uint32_t k = 0; k < i; k++)
			if (pa[k] == pa[i])
				return HV_STATUS_INVALID_PARAMETER;
		fresh += !refs[pa[i] >> 12];
	}
	if (f.fail_map_after >= 0 && fresh > (unsigned)f.fail_map_after)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	return HV_STATUS_SUCCESS;
}

static void map_done(const struct hvpart_gpadl_map_in *in, const struct hvpart_gpadl_map_out *out,
		     const uint64_t *pa)
{
	for (uint32_t i = 0; i < in->count; i++) {
		if (out->pa[i] != pa[i])
			fail("map output %u: %#llx, expected %#llx", i,
			     (unsigned long long)out->pa[i], (unsigned long long)pa[i]);
		refs[pa[i] >> 12]++;
		live[nlive++] = pa[i];
	}
}

/* A map for slot s's child: a count (mostly small; 0, 510, 511 too), the
 * reserved field, page numbers near the child's size. */
static void step_map(struct rd *r)
{
	static struct hvpart_gpadl_map_in in;
	static struct hvpart_gpadl_map_out out;
	static uint64_t pa[HVPART_GPADL_PAGES];
	static struct snap s;
	uint8_t v = u8(r), flags = u8(r);
	const struct fg_child *c = &kids[u8(r) % NKIDS];
	unsigned maps_before, unmaps_before;
	uint16_t want, got;

	memset(&in, 0, sizeof(in));
	in.count = v < 250 ? v % 12 + 1 : v == 250 ? 0 : v == 251 ? HVPART_GPADL_PAGES + 1 :
		   HVPART_GPADL_PAGES;
	in.rsvd = flags == 0xff;
	for (uint32_t i = 0; i < in.count && i < HVPART_GPADL_PAGES; i++) {
		uint8_t b = u8(r);

		in.gpfn[i] = b == 0xff ? UINT64_MAX - (flags & 3) : b % 28;
	}
	want = predict_map(c, &in, pa);
	maps_before = f.maps;
	unmaps_before = f.unmaps;
	take(&s);
	memset(&out, 0xa5, sizeof(out));
	got = gpadl_table_map(&f.t, (void *)c, PAGE_OWNER_CHILD(c->id), &in, &out);
	if (got != want)
		fail("map status %#x, expected %#x", got, want);
	if (got == HV_STATUS_SUCCESS) {
		map_done(&in, &out, pa);
		return;
	}
	if (got == HV_STATUS_INSUFFICIENT_MEMORY && f.maps != f.unmaps + maps_before - unmaps_before)
		fail("out of tables: %u maps not undone", f.maps - f.unmaps);
	if (out.pa[0] != 0xa5a5a5a5a5a5a5a5ull)
		fail("refused map wrote its output");
	same(&s, "a refused map");
}

/* Release a held page, or leave one: what the last unmap of pa did. */
static void check_unmapped(uint64_t pa, uint16_t was, unsigned scrubs_before)
{
	unsigned i = (unsigned)(pa >> 12);

	if (refs[i])
		return;
	if (was == PAGE_OWNER_HELD) {
		if (f.owner[i] != PAGE_OWNER_PARENT || f.scrubs[i] != scrubs_before + 1)
			fail("held page %u not scrubbed and given back once", i);
		fill[i] = 0;
	} else if (f.owner[i] != was || f.scrubs[i] != scrubs_before) {
		fail("a live child's page %u changed owner or was scrubbed at unmap", i);
	}
}

static uint16_t predict_unmap(const struct hvpart_gpadl_unmap_in *in)
{
	if (!in->count || in->count > HVPART_GPADL_PAGES || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	for (uint32_t i = 0; i < in->count; i++) {
		if ((in->pa[i] & 0xfff) || in->pa[i] >= NPAGES * 4096ull || !refs[in->pa[i] >> 12])
			return HV_STATUS_INVALID_PARAMETER;
		for (uint32_t k = 0; k < i; k++)
			if (in->pa[k] == in->pa[i])
				return HV_STATUS_INVALID_PARAMETER;
	}
	return HV_STATUS_SUCCESS;
}

static void forget_live(uint64_t pa)
{
	for (unsigned k = 0; k < nlive; k++)
		if (live[k] == pa) {
			live[k] = live[--nlive];
			return;
		}
}

static void run_unmap(const struct hvpart_gpadl_unmap_in *in)
{
	static uint16_t was[NPAGES];
	static unsigned scrubs[NPAGES];
	static struct snap s;
	uint16_t want = predict_unmap(in), got;

	unsigned flushes = f.flushes;

	take(&s);
	memcpy(was, f.owner, sizeof(was));
	memcpy(scrubs, f.scrubs, sizeof(scrubs));
	got = gpadl_table_unmap(&f.t, in);
	if (got != want)
		fail("unmap status %#x, expected %#x", got, want);
	if (got != HV_STATUS_SUCCESS) {
		same(&s, "a refused unmap");
		return;
	}
	/* The parent's cached translations of what left its EPT. */
	if (f.flushes == flushes)
		fail("unmap without a flush");
	for (uint32_t i = 0; i < in->count; i++) {
		refs[in->pa[i] >> 12]--;
		forget_live(in->pa[i]);
	}
	for (uint32_t i = 0; i < in->count; i++)
		check_unmapped(in->pa[i], was[in->pa[i] >> 12], scrubs[in->pa[i] >> 12]);
}

/* Unmap addresses maps returned (picked by index: duplicates possible),
 * or, with the top bit of the count byte, any values. */
static void step_unmap(struct rd *r)
{
	static struct hvpart_gpadl_unmap_in in;
	uint8_t v = u8(r);

	memset(&in, 0, sizeof(in));
	in.count = v == 0x7f ? 0 : v % 8 + 1u;
	in.rsvd = v == 0x7e;
	for (uint32_t i = 0; i < in.count; i++) {
		uint8_t b = u8(r);

		if (v & 0x80)
			in.pa[i] = ((uint64_t)(b % (NPAGES + 4)) << 12) | (b & 0x80 ? 8 : 0);
		else if (nlive)
			in.pa[i] = live[b % nlive];
	}
	run_unmap(&in);
}

/* DeletePartition of slot s's child: its counted pages become HELD, the
 * rest come back to the parent scrubbed. */
static void step_delete(struct rd *r)
{
	unsigned s = u8(r) % NKIDS;
	struct fg_child *c = &kids[s];
	uint16_t own = PAGE_OWNER_CHILD(c->id);
	bool counted[NPAGES], its[NPAGES];

	if (!alive[s])
		return;
	for (unsigned i = 0; i < NPAGES; i++) {
		its[i] = f.owner[i] == own;
		counted[i] = refs[i] != 0;
	}
	fg_delete(&f, c);
	alive[s] = false;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (!its[i])
			continue;
		if (f.owner[i] != (counted[i] ? PAGE_OWNER_HELD : PAGE_OWNER_PARENT))
			fail("deleted child's page %u: owner %#x, counted %d", i, f.owner[i],
			     counted[i]);
		if (!counted[i])
			fill[i] = 0;
	}
}

/* A child writes its page, or the parent a page it maps. */
static void step_write(struct rd *r)
{
	unsigned i = u8(r) % NPAGES;
	uint8_t b = u8(r) | 1;
	uint16_t o = f.owner[i];

	if (o == PAGE_OWNER_PARENT || o == PAGE_OWNER_HV || (o == PAGE_OWNER_HELD && !refs[i]))
		return;
	memset(f.mem[i], b, 4096);
	fill[i] = b;
}

/* hv's pool: fine, or empty after 0..3 more EPT tables. */
static void step_pool(struct rd *r)
{
	uint8_t v = u8(r) % 8;

	f.fail_map_after = v < 4 ? -1 : v - 4;
}

static void world_init(void)
{
	fg_init(&f, NPAGES);
	for (unsigned i = 0; i < NHV; i++) {
		f.owner[i] = PAGE_OWNER_HV;
		f.perm[i] = 0;
	}
	memset(refs, 0, sizeof(refs));
	memset(fill, 0, sizeof(fill));
	memset(alive, 0, sizeof(alive));
	nlive = 0;
	next_id = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const steps[])(struct rd *) = {
		step_create, step_map, step_map, step_unmap, step_unmap, step_delete,
		step_write, step_pool,
	};
	struct rd r = { data, size };

	world_init();
	for (int n = 0; r.n && n < 2000; n++) {
		steps[u8(&r) % (sizeof(steps) / sizeof(steps[0]))](&r);
		check_all();
	}
	/* Release every mapping left: all pages end the parent's, or a live
	 * child's, none counted. */
	while (nlive) {
		struct hvpart_gpadl_unmap_in in = { .count = 1, .pa = { live[nlive - 1] } };

		run_unmap(&in);
		check_all();
	}
	if (f.t.mapped || f.t.held)
		fail("mappings left after every unmap");
	fg_fini(&f);
	return 0;
}
