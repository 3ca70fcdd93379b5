/* Shared loader helpers; see ldr_common.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "partition/loader/ldr_common.h"
#include "partition/loader/ldr_format.h"

int ldr_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}

const char *ldr_name(const struct ldr_file *f)
{
	return f && f->name ? f->name : "(unnamed)";
}

/* "32 MiB" when the size is a whole number of MiB, else bytes. */
void ldr_size_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes && bytes % (1024 * 1024) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

uint64_t ldr_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * 0 if [gpa, gpa+len) is guest RAM the loader may fill; -ERANGE if it runs
 * outside RAM; -EBUSY if it touches the reserved hole [0x9fc00, 1 MiB)
 * (docs/child-platform.md "Memory"). The boot information has no fixed
 * place: it goes where the kernel and the modules are not (ldr_find_free).
 */
int ldr_range_check(const struct ldr_gmem *mem, uint64_t gpa, uint64_t len)
{
	if (gpa > mem->size || len > mem->size - gpa)
		return -ERANGE;
	if (len && gpa < LDR_HIGH_BASE && gpa + len > LDR_LOW_END)
		return -EBUSY;
	return 0;
}

/* true if [gpa, gpa+len) lies inside one available range of the memory
 * map; otherwise *next is the first address worth trying (<= gpa: none). */
static bool ram_fits(const struct ldr_gmem *mem, uint64_t gpa, uint64_t len,
		     uint64_t *next)
{
	if (gpa < LDR_LOW_END && len <= LDR_LOW_END - gpa)
		return true;
	if (gpa < LDR_HIGH_BASE) {
		*next = LDR_HIGH_BASE;
		return false;
	}
	*next = gpa;
	return gpa <= mem->size && len <= mem->size - gpa;
}

static bool overlaps(uint64_t gpa, uint64_t len, uint64_t lo, uint64_t hi)
{
	return lo < hi && gpa < hi && gpa + len > lo;
}

/* true if [gpa, gpa+len) (inside RAM) meets something already loaded;
 * *next is then the end of that thing. */
static bool taken_meets(const struct ldr_taken *t, uint64_t gpa, uint64_t len,
			uint64_t *next)
{
	int i;

	for (i = 0; t->img && i < t->img->nsegs; i++)
		if (overlaps(gpa, len ? len : 1, t->img->seg_lo[i], t->img->seg_hi[i])) {
			*next = t->img->seg_hi[i];
			return true;
		}
	for (i = 0; i < t->nmods; i++)
		if (overlaps(gpa, len ? len : 1, t->mods[i].start, t->mods[i].end)) {
			*next = t->mods[i].end;
			return true;
		}
	return false;
}

/*
 * The lowest page-aligned GPA at or above `from` where `len` bytes fit in
 * available RAM without touching what t holds. 0 and *out, or -ENOMEM.
 * Each step moves strictly upward, so the search ends.
 */
int ldr_find_free(const struct ldr_gmem *mem, const struct ldr_taken *t,
		  uint64_t from, uint64_t len, uint64_t *out)
{
	uint64_t gpa = ldr_align_up(from, LDR_PAGE), next;

	while (gpa >= from) {
		if (ram_fits(mem, gpa, len, &next)) {
			if (!taken_meets(t, gpa, len, &next)) {
				*out = gpa;
				return 0;
			}
			next = ldr_align_up(next, LDR_PAGE);
		}
		if (next <= gpa)
			break;
		gpa = next;
	}
	return -ENOMEM;
}

/*
 * The child's memory map (docs/child-platform.md "Memory"): [0, 0x9fc00)
 * and [1 MiB, end) available, [0x9fc00, 1 MiB) reserved. Returns the count.
 */
int ldr_mmap_build(const struct ldr_gmem *mem, struct ldr_range *out)
{
	int n = 0;

	out[n++] = (struct ldr_range){ 0, LDR_LOW_END, MB_MMAP_AVAILABLE };
	out[n++] = (struct ldr_range){ LDR_LOW_END, LDR_HIGH_BASE - LDR_LOW_END,
				       MB_MMAP_RESERVED };
	if (mem->size > LDR_HIGH_BASE)
		out[n++] = (struct ldr_range){ LDR_HIGH_BASE,
					       mem->size - LDR_HIGH_BASE,
					       MB_MMAP_AVAILABLE };
	return n;
}

/*
 * Copy modules into guest memory, each starting on a page boundary
 * (Multiboot §3.1.2 flag bit 0 and Multiboot2 §3.1.10 ask for this): in
 * order from the first free page after the kernel's highest loaded byte,
 * or, when the top of RAM is too small, in the lowest free place (a
 * kernel linked high leaves room below it).
 */
int ldr_modules_place(const struct ldr_gmem *mem, const struct ldr_file *mods,
		      int nmods, const struct ldr_image *img,
		      struct ldr_placed *out, char *why, size_t whylen)
{
	struct ldr_taken t = { img, out, 0 };
	uint64_t after = img->hi, at;
	char sz[32];
	int i, rc;

	ldr_size_text(mem->size, sz, sizeof(sz));
	for (i = 0; i < nmods; i++) {
		const struct ldr_file *m = &mods[i];

		if (!m->data && m->len)
			return ldr_fail(why, whylen, -EINVAL,
					"module '%s' has no data", ldr_name(m));
		if (ldr_find_free(mem, &t, after, m->len, &at) &&
		    ldr_find_free(mem, &t, LDR_PAGE, m->len, &at))
			return ldr_fail(why, whylen, -ENOMEM,
					"module '%s' does not fit in %s of guest memory",
					ldr_name(m), sz);
		rc = m->len ? mem->write(mem->ctx, at, m->data, m->len) : 0;
		if (rc)
			return ldr_fail(why, whylen, rc,
					"writing module '%s' at 0x%llx failed",
					ldr_name(m), (unsigned long long)at);
		out[i].start = at;
		out[i].end = at + m->len;
		t.nmods = i + 1;
		after = out[i].end;
	}
	return 0;
}

void ldr_iw_init(struct ldr_info_writer *w, const struct ldr_gmem *mem,
		 uint64_t base, uint64_t end)
{
	w->mem = mem;
	w->cur = base;
	w->end = end < mem->size ? end : mem->size;
	w->err = 0;
}

/*
 * Append `len` bytes at the next `align`-aligned GPA; returns that GPA.
 * Errors stick in w->err (-ENOSPC when the area is full); later puts no-op.
 */
uint64_t ldr_iw_put(struct ldr_info_writer *w, const void *src, size_t len,
		    uint64_t align)
{
	uint64_t at = ldr_align_up(w->cur, align);
	int rc;

	if (w->err)
		return 0;
	if (at > w->end || len > w->end - at) {
		w->err = -ENOSPC;
		return 0;
	}
	rc = len ? w->mem->write(w->mem->ctx, at, src, len) : 0;
	if (rc) {
		w->err = rc;
		return 0;
	}
	w->cur = at + len;
	return at;
}

/* Overwrite bytes already put (e.g. a size field known only at the end). */
int ldr_iw_patch(struct ldr_info_writer *w, uint64_t gpa, const void *src,
		 size_t len)
{
	int rc;

	if (w->err)
		return w->err;
	rc = w->mem->write(w->mem->ctx, gpa, src, len);
	if (rc)
		w->err = rc;
	return rc;
}

static struct ldr_seg seg(uint16_t sel, uint32_t limit, uint32_t ar)
{
	return (struct ldr_seg){ .sel = sel, .base = 0, .limit = limit, .ar = ar };
}

/*
 * Flat 32-bit protected mode, paging off (Multiboot 0.6.96 §3.2 and
 * Multiboot2 §3.3 "Machine state"): CS 0x08 execute/read, DS..SS 0x10
 * read/write, both base 0 limit 4 GiB; EFLAGS with IF and VM clear; TR a
 * busy 32-bit TSS and LDTR unusable, as VM entry requires (Intel SDM
 * vol. 3 §26.3.1.2). Access rights use the VMX layout: type 3:0, S 4,
 * DPL 6:5, P 7, D/B 14, G 15, unusable 16. ESP is left 0: the specs say
 * the OS must set up its own stack.
 */
void ldr_vp_flat32(struct ldr_vp_state *vp, uint32_t entry)
{
	memset(vp, 0, sizeof(*vp));
	vp->rip = entry;
	vp->rflags = 0x2;          /* bit 1 reserved, always 1 */
	vp->cr0 = 0x11;            /* PE | ET */
	vp->cs = seg(0x08, 0xffffffffu, 0xc09b);
	vp->ds = seg(0x10, 0xffffffffu, 0xc093);
	vp->es = vp->ds;
	vp->fs = vp->ds;
	vp->gs = vp->ds;
	vp->ss = vp->ds;
	vp->tr = seg(0, 0x67, 0x8b);
	vp->ldtr = seg(0, 0, 0x10000);
	vp->gdtr_limit = 0;
	vp->idtr_limit = 0;
}
