/* Fake page space for the GPADL table (see fakegpadl.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fakegpadl.h"

static void bad(struct fakegpadl *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->bad++) {
		va_start(ap, fmt);
		vsnprintf(f->why, sizeof(f->why), fmt, ap);
		va_end(ap);
	}
}

/* The page index of pa, or -1 (and a bad call) outside the space. */
static int page_of(struct fakegpadl *f, uint64_t pa, const char *op)
{
	if ((pa & 0xfff) || pa >= (uint64_t)f->npages * 4096) {
		bad(f, "%s of %#llx, outside the page space", op, (unsigned long long)pa);
		return -1;
	}
	return (int)(pa >> 12);
}

static bool is_child(uint16_t o)
{
	return o >= PAGE_OWNER_CHILD(0) && o != PAGE_OWNER_HELD && o != PAGE_OWNER_PENDING;
}

static bool child_page(void *child, uint64_t gpfn, uint64_t *pa)
{
	const struct fg_child *c = child;

	if (gpfn >= c->npages || gpfn >= FG_CHILD_PAGES || c->gpfn_pa[gpfn] == FG_NONE)
		return false;
	*pa = c->gpfn_pa[gpfn];
	return true;
}

static uint16_t owner(void *ctx, uint64_t pa)
{
	struct fakegpadl *f = ctx;
	int i = page_of(f, pa, "owner");

	return i < 0 ? PAGE_OWNER_NONE : f->owner[i];
}

static void set_owner(void *ctx, uint64_t pa, uint16_t o)
{
	struct fakegpadl *f = ctx;
	int i = page_of(f, pa, "set_owner");

	if (i < 0)
		return;
	if (!(o == PAGE_OWNER_HELD && is_child(f->owner[i])) &&
	    !(o == PAGE_OWNER_PARENT && f->owner[i] == PAGE_OWNER_HELD && fg_page_is(f, i, 0)))
		bad(f, "page %d: owner %#x -> %#x", i, f->owner[i], o);
	f->owner[i] = o;
}

static int map_one(struct fakegpadl *f, uint64_t pa)
{
	int i = page_of(f, pa, "map");

	if (i < 0)
		return -EINVAL;
	if (f->perm[i] || !is_child(f->owner[i]))
		bad(f, "map of page %d (perm %u, owner %#x)", i, f->perm[i], f->owner[i]);
	if (f->fail_map_after == 0)
		return -ENOMEM;
	if (f->fail_map_after > 0)
		f->fail_map_after--;
	f->perm[i] = FG_RW;
	f->maps++;
	return 0;
}

static void unmap_one(struct fakegpadl *f, uint64_t pa)
{
	int i = page_of(f, pa, "unmap");

	if (i < 0)
		return;
	if (f->perm[i] != FG_RW || !is_child(f->owner[i]))
		bad(f, "unmap of page %d (perm %u, owner %#x)", i, f->perm[i], f->owner[i]);
	f->perm[i] = 0;
	f->unmaps++;
}

/* As hv's EPT: a run that fails half way has its mapped part undone. */
static int map(void *ctx, uint64_t pa, uint32_t n)
{
	struct fakegpadl *f = ctx;
	uint32_t i;
	int rc = 0;

	if (!n)
		bad(f, "map of no page at %#llx", (unsigned long long)pa);
	f->map_calls++;
	for (i = 0; i < n; i++)
		if ((rc = map_one(f, pa + (uint64_t)i * 4096)) != 0)
			break;
	if (rc)
		while (i--)
			unmap_one(f, pa + (uint64_t)i * 4096);
	return rc;
}

static void unmap(void *ctx, uint64_t pa, uint32_t n)
{
	struct fakegpadl *f = ctx;

	if (!n)
		bad(f, "unmap of no page at %#llx", (unsigned long long)pa);
	f->unmap_calls++;
	for (uint32_t i = 0; i < n; i++)
		unmap_one(f, pa + (uint64_t)i * 4096);
}

static void scrub(void *ctx, uint64_t pa)
{
	struct fakegpadl *f = ctx;
	int i = page_of(f, pa, "scrub");

	if (i < 0)
		return;
	if (f->owner[i] != PAGE_OWNER_HELD || f->perm[i] != FG_RW)
		bad(f, "scrub of page %d (perm %u, owner %#x)", i, f->perm[i], f->owner[i]);
	memset(f->mem[i], 0, 4096);
	f->scrubs[i]++;
}

static void give_back(void *ctx, uint64_t pa)
{
	struct fakegpadl *f = ctx;
	int i = page_of(f, pa, "give_back");

	if (i < 0)
		return;
	if (f->owner[i] != PAGE_OWNER_PARENT || f->perm[i] != FG_RW || !fg_page_is(f, i, 0))
		bad(f, "give_back of page %d (perm %u, owner %#x)", i, f->perm[i], f->owner[i]);
	f->perm[i] = FG_RWX;
	f->give_backs[i]++;
}

static void flush(void *ctx)
{
	((struct fakegpadl *)ctx)->flushes++;
}

const struct gpadl_ops fg_ops = {
	.owner_parent = PAGE_OWNER_PARENT, .owner_held = PAGE_OWNER_HELD,
	.child_page = child_page, .owner = owner, .set_owner = set_owner, .map = map,
	.unmap = unmap, .scrub = scrub, .give_back = give_back, .flush = flush,
};

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

void fg_init(struct fakegpadl *f, unsigned npages)
{
	memset(f, 0, sizeof(*f));
	f->npages = npages;
	f->owner = zalloc(npages, sizeof(*f->owner));
	f->perm = zalloc(npages, sizeof(*f->perm));
	f->mem = zalloc(npages, sizeof(*f->mem));
	f->scrubs = zalloc(npages, sizeof(*f->scrubs));
	f->give_backs = zalloc(npages, sizeof(*f->give_backs));
	f->ref = zalloc(npages, sizeof(*f->ref));
	for (unsigned i = 0; i < npages; i++) {
		f->owner[i] = PAGE_OWNER_PARENT;
		f->perm[i] = FG_RWX;
		f->mem[i] = aligned_alloc(4096, 4096);
		if (!f->mem[i])
			abort();
		memset(f->mem[i], 0, 4096);
	}
	f->fail_map_after = -1;
	f->t = (struct gpadl_table){ .ops = &fg_ops, .ctx = f, .ref = f->ref, .npages = npages };
}

void fg_fini(struct fakegpadl *f)
{
	for (unsigned i = 0; i < f->npages; i++)
		free(f->mem[i]);
	free(f->owner);
	free(f->perm);
	free(f->mem);
	free(f->scrubs);
	free(f->give_backs);
	free(f->ref);
}

void fg_child_init(struct fg_child *c, uint16_t id, uint64_t npages)
{
	c->id = id;
	c->npages = npages;
	for (unsigned g = 0; g < FG_CHILD_PAGES; g++)
		c->gpfn_pa[g] = FG_NONE;
}

int fg_deposit(struct fakegpadl *f, struct fg_child *c, uint64_t gpfn, unsigned page,
	       uint8_t fill)
{
	if (page >= f->npages || f->owner[page] != PAGE_OWNER_PARENT || gpfn >= c->npages ||
	    gpfn >= FG_CHILD_PAGES || c->gpfn_pa[gpfn] != FG_NONE)
		return -1;
	f->owner[page] = PAGE_OWNER_CHILD(c->id);
	f->perm[page] = 0;
	memset(f->mem[page], fill, 4096);
	c->gpfn_pa[gpfn] = (uint64_t)page << 12;
	return 0;
}

void fg_delete(struct fakegpadl *f, struct fg_child *c)
{
	for (unsigned g = 0; g < FG_CHILD_PAGES; g++) {
		uint64_t pa = c->gpfn_pa[g];

		c->gpfn_pa[g] = FG_NONE;
		if (pa == FG_NONE || pa >= (uint64_t)f->npages * 4096)
			continue;
		if (f->owner[pa >> 12] != PAGE_OWNER_CHILD(c->id) || gpadl_table_hold(&f->t, pa))
			continue;
		memset(f->mem[pa >> 12], 0, 4096);
		f->owner[pa >> 12] = PAGE_OWNER_PARENT;
		f->perm[pa >> 12] = FG_RWX;
	}
	c->npages = 0;
}

bool fg_page_is(const struct fakegpadl *f, unsigned page, uint8_t b)
{
	for (unsigned k = 0; k < 4096; k++)
		if (f->mem[page][k] != b)
			return false;
	return true;
}
