/*
 * Live memory capture (issue 19; docs/hypercalls.md "Memory capture"):
 * a running child's memory copied as it was at one instant while the
 * guest keeps running, as Hyper-V captures a snapshot's memory ("if a
 * guest operating system attempts to modify memory that has not yet been
 * copied, the write attempt is intercepted and copied to the original
 * memory contents").
 *
 * START (child suspended) clears W in the child's EPT for all of its RAM
 * and sets one bitmap bit per page. From then on the first write to a
 * page whose bit is set copies the page into a stash page the parent lent
 * before it may proceed, whoever writes:
 *  - the guest: an EPT violation / #NPF (capture_write_fault); with too
 *    little stash left its vCPU waits (child_ready) until the parent
 *    drains, and the faulting instruction runs again (the exit is
 *    fault-like: SDM Vol. 3C §28.2.3.4 "EPT violations" leave the
 *    instruction unexecuted, APM Vol. 2 §15.25.6 likewise for #NPF);
 *  - hv itself, through partition_gpa_ptr (SynIC pages, hypercall
 *    output, emulated stores): it cannot wait, so it may use the whole
 *    stash, and with none left the capture is given up, never the write;
 *  - the parent, through MAP_GPADL_PAGES (bus-master DMA into the guest):
 *    refused with INSUFFICIENT_BUFFERS when the stash cannot take the
 *    pages, so that the parent drains or takes them and asks again;
 *  - the parent, through a mapping it held at START (ring buffers,
 *    netvsc's receive buffer): START takes the write right from the
 *    parent's mapping too, and the parent's write fault captures the page
 *    (capture_parent_write). It cannot wait for itself to drain: with no
 *    stash left the capture is given up, never the write.
 * The parent's copier TAKEs the other pages (hv copies them into its
 * buffers and drops their protection) and DRAINs the stash. Each page is
 * captured exactly once, before its first change. A page made writable
 * again needs no INVEPT for the faulting address (an EPT violation
 * invalidates the translations used for it, SDM Vol. 3C §29.4.3.1), but a
 * split large page and TAKE's pages do: a write through a stale
 * read-only translation faults on a page already writable, which is
 * answered with a flush and a retry.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include "hv/mm/pool.h"
#include "hypercall.h"
#include "pages.h"

#define BITS_PER_PAGE (4096ull * 8)
/* Stash entries a guest's fault leaves to hv's own writes and the
 * parent's maps: a vCPU waits rather than take the last of them. */
#define CAPTURE_RESERVE 32u

static struct hvpart_capture_entry *entries(const struct capture *c)
{
	return (struct hvpart_capture_entry *)(uintptr_t)c->entries_pa;
}

static uint64_t *bit_word(const struct capture *c, uint64_t gpfn)
{
	uint64_t *page = (uint64_t *)(uintptr_t)c->bitmap_pa[gpfn / BITS_PER_PAGE];

	return &page[(gpfn % BITS_PER_PAGE) / 64];
}

static bool pending(const struct capture *c, uint64_t gpfn)
{
	return gpfn < c->pages && (*bit_word(c, gpfn) >> (gpfn % 64) & 1);
}

static void clear_pending(struct capture *c, uint64_t gpfn)
{
	*bit_word(c, gpfn) &= ~(1ull << (gpfn % 64));
	c->left--;
}

/* The child's RAM page behind gpfn (its EPT leaf, host address, rights,
 * memory type), or false. */
static bool ram_page(struct partition *p, uint64_t gpfn, uint64_t *hpa, uint64_t *perms,
		     unsigned *mt)
{
	uint64_t ps;

	return !ept_lookup(&p->ept, gpfn << 12, hpa, perms, mt, &ps) &&
	       pages_owner(*hpa) == PAGE_OWNER_CHILD(p->id);
}

/* ---- the reverse map of the parent's mappings ----
 * An entry: RMAP_USED, the host page number (below 4 GiB: 20 bits) at
 * bit 32, the guest page number below. A parent's fault names the host
 * page only (it maps a child's page at its host address, gpadl.c). */
#define RMAP_USED (1ull << 63)

static uint64_t *rmap_slot(const struct capture *c, uint64_t i)
{
	return &((uint64_t *)(uintptr_t)c->rmap_pa[i / 512])[i % 512];
}

static uint64_t rmap_home(const struct capture *c, uint64_t hpfn)
{
	return (hpfn * 0x9e3779b97f4a7c15ull) >> (64 - c->rmap_bits);
}

/* The guest page behind host page hpfn, or -1. A probe ends at an empty
 * slot: at most half of them are used. */
static int64_t rmap_find(const struct capture *c, uint64_t hpfn)
{
	uint64_t mask = (1ull << c->rmap_bits) - 1;

	for (uint64_t i = c->rmap_bits ? rmap_home(c, hpfn) : 0; c->rmap_bits; i = (i + 1) & mask) {
		uint64_t e = *rmap_slot(c, i);

		if (!(e & RMAP_USED))
			break;
		if (((e >> 32) & 0x7fffffffu) == hpfn)
			return (int64_t)(uint32_t)e;
	}
	return -1;
}

static void rmap_add(struct capture *c, uint64_t hpfn, uint64_t gpfn)
{
	uint64_t mask = (1ull << c->rmap_bits) - 1, i = rmap_home(c, hpfn);

	while (*rmap_slot(c, i) & RMAP_USED)
		i = (i + 1) & mask;
	*rmap_slot(c, i) = RMAP_USED | hpfn << 32 | gpfn;
}

/* Room for n entries at half load, from hv's pool (zeroed: empty). */
static uint16_t rmap_alloc(struct capture *c, uint64_t n)
{
	unsigned bits = 9;

	while ((1ull << bits) < 2 * n)
		bits++;
	if ((1ull << bits) / 512 > CAPTURE_RMAP_PAGES)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	for (uint64_t i = 0; i < (1ull << bits) / 512; i++)
		if (hv_pool_alloc(&c->rmap_pa[i]))
			return HV_STATUS_INSUFFICIENT_MEMORY;
	c->rmap_bits = bits;
	return HV_STATUS_SUCCESS;
}

/* The parent's mapping of a captured page writable again. Its 4 KiB
 * leaf was split at START, so granting allocates nothing; a page the
 * parent no longer maps has no leaf (-ENOENT) and stays unmapped. */
static void parent_allow(struct capture *c, uint64_t hpa)
{
	if (c->rmap_bits && rmap_find(c, hpa >> 12) >= 0)
		ept_write_allow_page(&c->parent->ept, hpa & ~0xfffull);
}

static void parent_allow_all(struct capture *c)
{
	for (uint64_t i = 0; c->rmap_bits && i < (1ull << c->rmap_bits); i++) {
		uint64_t e = *rmap_slot(c, i);

		if (e & RMAP_USED)
			ept_write_allow_page(&c->parent->ept, ((e >> 32) & 0x7fffffffu) << 12);
	}
}

/* gpfn writable again: its walk grants W at every level, the rest of
 * what a table entry covered stays protected (a large page is split: a
 * table from hv's pool). -ENOMEM, -ENOENT. */
static int unprotect(struct partition *p, uint64_t gpfn)
{
	return ept_write_allow_page(&p->ept, gpfn << 12);
}

/* Every page below max_gpa to capture: the bitmap's words filled, the
 * write right taken at the highest levels that cover the range (one
 * entry for a whole 1 GiB or 512 GiB), so the pause does not grow with
 * the child's memory. A bit whose page is not the child's RAM is
 * dropped when it is met (ram_page). */
static void protect_all(struct partition *p)
{
	struct capture *c = &p->cap;

	for (uint64_t g = 0; g < c->pages; g += 64)
		*bit_word(c, g) = c->pages - g >= 64 ? ~0ull : (1ull << (c->pages - g)) - 1;
	c->left = c->pages;
	ept_write_protect(&p->ept, 0, c->pages << 12);
}

static void unprotect_all(struct partition *p)
{
	if (p->cap.pages)
		ept_write_allow(&p->ept, 0, p->cap.pages << 12);
	parent_allow_all(&p->cap);
}

static void give_up(struct partition *p, const char *why);

/* A pending page that is not the child's RAM (whatever else the EPT maps
 * below max_gpa): nothing to keep; its mapping gets back the write right
 * it had before the capture. */
static void drop_page(struct partition *p, uint64_t gpfn)
{
	clear_pending(&p->cap, gpfn);
	if (unprotect(p, gpfn) == -ENOMEM)
		give_up(p, "no memory for a page table");
}

/* hv cannot keep the capture (no stash for its own write, no table):
 * the guest's memory is all writable again, and the parent learns it at
 * its next TAKE or DRAIN. The guest never notices. */
static void give_up(struct partition *p, const char *why)
{
	struct capture *c = &p->cap;

	hv_info("hv: partition %lu (%s): memory capture given up: %s", p->id, p->name, why);
	unprotect_all(p);
	smp_ept_flush();
	c->active = false;
	c->failed = true;
	c->st.failed = 1;
	if (c->wait) {
		c->wait = false;
		sched_timers_changed();
	}
}

/* The page's contents into the next stash page, then writable; false
 * (its bit dropped) when gpfn is not the child's RAM. */
static bool capture_page(struct partition *p, uint64_t gpfn, uint64_t *counter)
{
	struct capture *c = &p->cap;
	struct hvpart_capture_entry *e = &entries(c)[c->used];
	uint64_t hpa, perms;
	unsigned mt;

	if (!ram_page(p, gpfn, &hpa, &perms, &mt)) {
		drop_page(p, gpfn);
		return false;
	}
	memcpy((void *)(uintptr_t)e->pa, (const void *)(uintptr_t)(hpa & ~0xfffull), 4096);
	e->gpfn = gpfn;
	if (++c->used > c->st.stash_peak)
		c->st.stash_peak = c->used;
	clear_pending(c, gpfn);
	(*counter)++;
	parent_allow(c, hpa);
	if (unprotect(p, gpfn))
		give_up(p, "no memory for a page table");
	return true;
}

bool capture_write_fault(struct vcpu *v, uint64_t gpa)
{
	struct partition *p = v->part;
	struct capture *c = &p->cap;
	uint64_t gpfn = gpa >> 12, hpa, perms;
	unsigned mt;

	if (!c->active || !pending(c, gpfn)) {
		/* A translation cached from before the page became writable. */
		if (!c->pages || !ram_page(p, gpfn, &hpa, &perms, &mt) || !ept_writable(&p->ept, gpa))
			return false;
		smp_ept_flush();
		return true;
	}
	if (!ram_page(p, gpfn, &hpa, &perms, &mt)) {
		drop_page(p, gpfn);   /* not RAM: the access runs again as before */
		smp_ept_flush();
		return true;
	}
	if (c->nstash - c->used <= CAPTURE_RESERVE) {
		if (!c->wait) {
			c->wait = true;
			c->st.waits++;
			sched_timers_changed();
		}
		sched_notify_parent();
		return true;
	}
	capture_page(p, gpfn, &c->st.guest_faults);
	smp_ept_flush();
	return true;
}

void capture_before_hv_write(struct partition *p, uint64_t gpa)
{
	struct capture *c = &p->cap;

	if (!pending(c, gpa >> 12))
		return;
	if (c->used == c->nstash) {
		give_up(p, "the stash is full");
		return;
	}
	capture_page(p, gpa >> 12, &c->st.hv_writes);
	smp_ept_flush();
}

bool capture_parent_write(struct vcpu *v, uint64_t pa)
{
	uint16_t o = pages_owner(pa);
	struct partition *p;
	struct capture *c;
	int64_t g;

	if (o < PAGE_OWNER_CHILD(0) || o >= PAGE_OWNER_CHILD(MAX_PARTITIONS))
		return false;
	p = &partition_table[o - PAGE_OWNER_CHILD(0)];
	c = &p->cap;
	if (c->parent != v->part || (g = rmap_find(c, pa >> 12)) < 0)
		return false;
	if (c->active && pending(c, (uint64_t)g)) {
		if (c->used == c->nstash)
			give_up(p, "no stash left for the parent's write");
		else
			capture_page(p, (uint64_t)g, &c->st.parent_maps);
	} else if (ept_write_allow_page(&v->part->ept, pa)) {
		return false;   /* no longer mapped: the parent's own fault */
	}
	/* Writable now, or a translation cached from before. */
	smp_ept_flush();
	return true;
}

uint16_t capture_before_map(struct partition *p, const uint64_t *gpfn, uint32_t n)
{
	struct capture *c = &p->cap;
	uint32_t need = 0;

	for (uint32_t i = 0; i < n; i++)
		need += pending(c, gpfn[i]);
	if (!need)
		return HV_STATUS_SUCCESS;
	/* hv's own writes keep a few entries: they cannot wait. */
	if (need + 8 > c->nstash - c->used)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	for (uint32_t i = 0; i < n && c->active; i++)
		if (pending(c, gpfn[i]))
			capture_page(p, gpfn[i], &c->st.parent_maps);
	smp_ept_flush();
	return HV_STATUS_SUCCESS;
}

/* ---- the parent's calls ---- */

/* A page the parent may lend or fill: its own, whole, below 4 GiB. */
static bool parent_page(uint64_t pa)
{
	return !(pa & 0xfff) && pa < PAGES_LIMIT && pages_owner(pa) == PAGE_OWNER_PARENT;
}

/* The stash pages back to the parent, the pool's pages back to the pool. */
static void release(struct capture *c)
{
	for (uint32_t i = 0; c->entries_pa && i < c->nstash; i++)
		pages_set(entries(c)[i].pa, 4096, PAGE_OWNER_PARENT);
	if (c->entries_pa)
		hv_pool_free(c->entries_pa);
	for (unsigned i = 0; i < CAPTURE_BITMAP_PAGES; i++)
		if (c->bitmap_pa[i])
			hv_pool_free(c->bitmap_pa[i]);
	for (unsigned i = 0; i < CAPTURE_RMAP_PAGES; i++)
		if (c->rmap_pa[i])
			hv_pool_free(c->rmap_pa[i]);
	memset(c, 0, sizeof(*c));
}

void capture_discard(struct partition *p)
{
	bool waited = p->cap.wait;

	if (p->cap.active)
		unprotect_all(p);
	release(&p->cap);
	if (waited)
		sched_timers_changed();   /* its timers count again (sched.c) */
}

/* The stash pages taken from the parent, all or none. */
static uint16_t take_stash(struct capture *c, const struct hvpart_capture_start_in *in)
{
	if (hv_pool_alloc(&c->entries_pa))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	for (uint32_t i = 0; i < in->count; i++) {
		if (!parent_page(in->pa[i])) {   /* a repeat is STASH by now */
			c->nstash = i;
			return HV_STATUS_INVALID_PARAMETER;
		}
		pages_set(in->pa[i], 4096, PAGE_OWNER_STASH);
		entries(c)[i].pa = in->pa[i];
	}
	c->nstash = in->count;
	return HV_STATUS_SUCCESS;
}

static uint16_t take_bitmap(struct capture *c, uint64_t pages)
{
	for (uint64_t i = 0; i * BITS_PER_PAGE < pages; i++)
		if (hv_pool_alloc(&c->bitmap_pa[i]))
			return HV_STATUS_INSUFFICIENT_MEMORY;
	c->pages = pages;
	return HV_STATUS_SUCCESS;
}

/* One page of the child's: if the parent maps it, into the rmap and
 * read-only in the parent's mapping (a 4 KiB leaf). */
static uint16_t protect_mapped(struct partition *p, uint64_t gpfn, uint64_t hpa)
{
	struct capture *c = &p->cap;

	if (!pending(c, gpfn) || pages_owner(hpa) != PAGE_OWNER_CHILD(p->id) || !gpadl_page_refs(hpa))
		return HV_STATUS_SUCCESS;
	rmap_add(c, hpa >> 12, gpfn);
	return ept_write_protect(&c->parent->ept, hpa, 4096) ? HV_STATUS_INSUFFICIENT_MEMORY
							      : HV_STATUS_SUCCESS;
}

/* Pages the parent maps now may be written at any time: the write right
 * taken from its mapping too, and each in the rmap. One walk per leaf of
 * the child's EPT, not per page: the pause counts leaves. gpadl_pages
 * counts mappings, at least the pages. More than the rmap holds:
 * INSUFFICIENT_BUFFERS, and the parent copies the memory paused. */
static uint16_t capture_mapped(struct partition *p)
{
	struct capture *c = &p->cap;
	uint16_t st = p->gpadl_pages ? rmap_alloc(c, p->gpadl_pages) : HV_STATUS_SUCCESS;
	uint64_t g = 0;

	while (!st && p->gpadl_pages && g < c->pages) {
		uint64_t hpa, span, n;

		if (ept_lookup(&p->ept, g << 12, &hpa, NULL, NULL, &span)) {
			g++;
			continue;
		}
		span >>= 12;
		n = span - (g & (span - 1));
		n = n < c->pages - g ? n : c->pages - g;
		for (uint64_t k = 0; k < n && !st; k++)
			st = protect_mapped(p, g + k, (hpa & ~0xfffull) + (k << 12));
		g += n;
	}
	return st;
}

uint16_t hc_capture_start(struct hc_args *a)
{
	const struct hvpart_capture_start_in *in = a->in;
	struct partition *p = partition_child_by_id(in->partition_id);
	struct capture *c;
	uint16_t st;

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	c = &p->cap;
	if (p->state != HVPART_STATE_RUNNING || !p->suspended || c->entries_pa || p->deleting)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (in->count == 0 || in->count > HVPART_CAPTURE_STASH || in->rsvd ||
	    (p->max_gpa >> 12) > CAPTURE_BITMAP_PAGES * BITS_PER_PAGE)
		return HV_STATUS_INVALID_PARAMETER;
	st = take_stash(c, in);
	if (!st)
		st = take_bitmap(c, p->max_gpa >> 12);
	if (st) {
		release(c);
		return st;
	}
	c->active = true;
	c->parent = a->v->part;
	protect_all(p);
	st = capture_mapped(p);
	smp_ept_flush();
	if (st) {
		capture_discard(p);
		smp_ept_flush();
	}
	return st;
}

/* The running capture of the child id names; else why not. */
static uint16_t running_capture(uint64_t id, struct partition **out)
{
	struct partition *p = partition_child_by_id(id);

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (p->cap.failed)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	if (!p->cap.active)
		return HV_STATUS_INVALID_PARTITION_STATE;
	*out = p;
	return HV_STATUS_SUCCESS;
}

uint16_t hc_capture_take(struct hc_args *a)
{
	const struct hvpart_capture_take_in *in = a->in;
	struct hvpart_capture_take_out *out = a->out;
	struct partition *p;
	uint16_t st = running_capture(in->partition_id, &p);

	if (st)
		return st;
	if (in->count == 0 || in->count > HVPART_CAPTURE_TAKE || in->rsvd ||
	    in->first_gpfn >= p->cap.pages)
		return HV_STATUS_INVALID_PARAMETER;
	for (uint32_t i = 0; i < in->count; i++)
		if (!parent_page(in->pa[i]))
			return HV_STATUS_INVALID_PARAMETER;
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < in->count && p->cap.active; i++) {
		uint64_t g = in->first_gpfn + i, hpa, perms;
		unsigned mt;

		if (!pending(&p->cap, g))
			continue;
		if (!ram_page(p, g, &hpa, &perms, &mt)) {
			drop_page(p, g);
			continue;
		}
		memcpy((void *)(uintptr_t)in->pa[i], (const void *)(uintptr_t)(hpa & ~0xfffull), 4096);
		clear_pending(&p->cap, g);
		parent_allow(&p->cap, hpa);
		p->cap.st.taken++;
		out->copied[i / 64] |= 1ull << (i % 64);
		if (unprotect(p, g))
			give_up(p, "no memory for a page table");
	}
	smp_ept_flush();
	out->left = p->cap.left;
	return p->cap.active ? HV_STATUS_SUCCESS : HV_STATUS_INSUFFICIENT_BUFFERS;
}

/* The first n filled entries free: the later ones move to the front. */
static void release_entries(struct capture *c, uint32_t n)
{
	static uint64_t freed[HVPART_CAPTURE_STASH];
	struct hvpart_capture_entry *e = entries(c);

	for (uint32_t i = 0; i < n; i++)
		freed[i] = e[i].pa;
	memmove(e, e + n, (c->used - n) * sizeof(*e));
	c->used -= n;
	for (uint32_t i = 0; i < n; i++)
		e[c->used + i] = (struct hvpart_capture_entry){ freed[i], 0 };
}

uint16_t hc_capture_drain(struct hc_args *a)
{
	const struct hvpart_capture_drain_in *in = a->in;
	struct hvpart_capture_drain_out *out = a->out;
	struct partition *p;
	struct capture *c;
	uint16_t st = running_capture(in->partition_id, &p);

	if (st)
		return st;
	c = &p->cap;
	if (in->release > c->listed || in->rsvd)
		return HV_STATUS_INVALID_PARAMETER;
	release_entries(c, in->release);
	out->count = c->used;
	out->rsvd = 0;
	memcpy(out->e, entries(c), c->used * sizeof(out->e[0]));
	c->listed = c->used;
	if (c->wait && c->nstash - c->used > CAPTURE_RESERVE) {
		c->wait = false;
		sched_timers_changed();
	}
	return HV_STATUS_SUCCESS;
}

uint16_t hc_capture_end(struct hc_args *a)
{
	struct partition *p = partition_child_by_id(*(const uint64_t *)a->in);
	const struct hvpart_capture_stats *s;

	if (!p)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (!p->cap.entries_pa)
		return HV_STATUS_INVALID_PARTITION_STATE;
	s = &p->cap.st;
	hv_info("hv: partition %lu (%s): memory capture %s: paused %lu ticks; %lu pages taken, "
		"%lu kept before the guest's writes, %lu before hv's, %lu before the parent's; "
		"stash peak %u, %lu waits", p->id, p->name, s->failed ? "given up" : "ended",
		s->pause_ticks, s->taken, s->guest_faults, s->hv_writes, s->parent_maps,
		s->stash_peak, s->waits);
	memcpy(a->out, s, sizeof(*s));
	capture_discard(p);
	smp_ept_flush();
	return HV_STATUS_SUCCESS;
}
