/*
 * Multiboot boot information, written into guest memory where the caller
 * placed it (multiboot.c: where the kernel and the modules are not).
 *   v1: multiboot_info (0.6.96 §3.3), then strings, mmap, module list.
 *   v2: fixed header and 8-byte-aligned tags (Multiboot2 §3.6).
 */
#include <errno.h>
#include <string.h>

#include "partition/loader/ldr_format.h"
#include "partition/loader/mb_internal.h"

static const char *mod_name(const struct ldr_file *m)
{
	return m->name ? m->name : "";
}

static int64_t iw_done(struct ldr_info_writer *w, uint64_t gpa, char *why,
		       size_t whylen)
{
	if (w->err == -ENOSPC)
		return ldr_fail(why, whylen, -ENOSPC,
				"boot information does not fit in guest memory");
	if (w->err)
		return ldr_fail(why, whylen, w->err,
				"writing boot information failed");
	return (int64_t)gpa;
}

/* §3.3 mem_lower/mem_upper in KiB: low RAM, and RAM from 1 MiB up. */
static void mem_kib(const struct ldr_gmem *mem, uint32_t *lower, uint32_t *upper)
{
	*lower = LDR_LOW_END / 1024;
	*upper = mem->size > LDR_HIGH_BASE
			 ? (uint32_t)((mem->size - LDR_HIGH_BASE) / 1024) : 0;
}

static void mb1_mmap(struct ldr_info_writer *w, const struct ldr_gmem *mem,
		     struct mb1_info *mi)
{
	struct mb1_mmap_entry e[LDR_MMAP_MAX];
	struct ldr_range r[LDR_MMAP_MAX];
	int i, n = ldr_mmap_build(mem, r);

	for (i = 0; i < n; i++) {
		/* §3.3: 'size' is the entry size minus the size field itself */
		e[i].size = sizeof(e[i]) - sizeof(e[i].size);
		e[i].base_lo = (uint32_t)r[i].base;
		e[i].base_hi = (uint32_t)(r[i].base >> 32);
		e[i].len_lo = (uint32_t)r[i].len;
		e[i].len_hi = (uint32_t)(r[i].len >> 32);
		e[i].type = r[i].type;
	}
	mi->mmap_addr = (uint32_t)ldr_iw_put(w, e, n * sizeof(e[0]), 4);
	mi->mmap_length = n * sizeof(e[0]);
}

/* §3.3 module list: strings first, then the 16-byte entries, contiguous. */
static void mb1_mods(struct ldr_info_writer *w, const struct mb_boot *b,
		     struct mb1_info *mi)
{
	uint32_t str[LDR_MAX_MODULES];
	struct mb1_module mod;
	int i;

	for (i = 0; i < b->nmods; i++) {
		const char *s = mod_name(&b->mods[i]);

		str[i] = (uint32_t)ldr_iw_put(w, s, strlen(s) + 1, 1);
	}
	mi->mods_count = (uint32_t)b->nmods;
	mi->mods_addr = (uint32_t)ldr_align_up(w->cur, 16);
	for (i = 0; i < b->nmods; i++) {
		memset(&mod, 0, sizeof(mod));
		mod.mod_start = (uint32_t)b->placed[i].start;
		mod.mod_end = (uint32_t)b->placed[i].end;
		mod.string = str[i];
		ldr_iw_put(w, &mod, sizeof(mod), 16);
	}
}

int64_t ldr_build_mb1_info(const struct mb_boot *b, struct ldr_info_writer *w,
			   char *why, size_t whylen)
{
	static const char name[] = LDR_LOADER_NAME;
	struct mb1_info mi;
	uint64_t gpa;

	memset(&mi, 0, sizeof(mi));
	gpa = ldr_iw_put(w, &mi, sizeof(mi), 8);    /* patched below */
	mi.flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS |
		   MB1_INFO_MMAP | MB1_INFO_LOADER_NAME;
	mem_kib(b->mem, &mi.mem_lower, &mi.mem_upper);
	mi.boot_loader_name = (uint32_t)ldr_iw_put(w, name, sizeof(name), 1);
	mi.cmdline = (uint32_t)ldr_iw_put(w, b->cmdline, strlen(b->cmdline) + 1, 1);
	mb1_mmap(w, b->mem, &mi);
	mb1_mods(w, b, &mi);
	ldr_iw_patch(w, gpa, &mi, sizeof(mi));
	return iw_done(w, gpa, why, whylen);
}

/* One §3.6 tag: header, fixed body, optional NUL-terminated string, padding. */
static void mb2_tag(struct ldr_info_writer *w, const void *head, size_t hlen,
		    const char *str)
{
	static const uint8_t zero[MB2_TAG_ALIGN];
	size_t slen = str ? strlen(str) + 1 : 0;
	struct mb2_tag t;
	uint32_t size = (uint32_t)(hlen + slen);

	memcpy(&t, head, sizeof(t));
	t.size = size;
	ldr_iw_put(w, &t, sizeof(t), MB2_TAG_ALIGN);
	ldr_iw_put(w, (const uint8_t *)head + sizeof(t), hlen - sizeof(t), 1);
	if (slen)
		ldr_iw_put(w, str, slen, 1);
	if (size % MB2_TAG_ALIGN)
		ldr_iw_put(w, zero, MB2_TAG_ALIGN - size % MB2_TAG_ALIGN, 1);
}

static void mb2_mmap(struct ldr_info_writer *w, const struct ldr_gmem *mem)
{
	struct mb2_mmap_entry e[LDR_MMAP_MAX];
	struct ldr_range r[LDR_MMAP_MAX];
	struct mb2_tag_mmap t;
	int i, n = ldr_mmap_build(mem, r);

	for (i = 0; i < n; i++)
		e[i] = (struct mb2_mmap_entry){ r[i].base, r[i].len, r[i].type, 0 };
	t = (struct mb2_tag_mmap){ MB2_TAG_MMAP,
				   (uint32_t)(sizeof(t) + n * sizeof(e[0])),
				   sizeof(e[0]), 0 };
	ldr_iw_put(w, &t, sizeof(t), MB2_TAG_ALIGN);
	ldr_iw_put(w, e, n * sizeof(e[0]), 1);   /* 24*n keeps 8-byte alignment */
}

int64_t ldr_build_mb2_info(const struct mb_boot *b, struct ldr_info_writer *w,
			   char *why, size_t whylen)
{
	struct mb2_info_header ih = { 0, 0 };
	struct mb2_tag t = { MB2_TAG_CMDLINE, 0 };
	struct mb2_tag_meminfo mi = { MB2_TAG_BASIC_MEMINFO, sizeof(mi), 0, 0 };
	struct mb2_tag_module tm;
	uint64_t gpa;
	int i;

	gpa = ldr_iw_put(w, &ih, sizeof(ih), MB2_TAG_ALIGN);
	mb2_tag(w, &t, sizeof(t), b->cmdline);
	t.type = MB2_TAG_LOADER_NAME;
	mb2_tag(w, &t, sizeof(t), LDR_LOADER_NAME);
	for (i = 0; i < b->nmods; i++) {
		tm = (struct mb2_tag_module){ MB2_TAG_MODULE, 0,
					      (uint32_t)b->placed[i].start,
					      (uint32_t)b->placed[i].end };
		mb2_tag(w, &tm, sizeof(tm), mod_name(&b->mods[i]));
	}
	mem_kib(b->mem, &mi.mem_lower, &mi.mem_upper);
	mb2_tag(w, &mi, sizeof(mi), NULL);
	mb2_mmap(w, b->mem);
	t = (struct mb2_tag){ MB2_TAG_END, sizeof(t) };
	ldr_iw_put(w, &t, sizeof(t), MB2_TAG_ALIGN);
	ih.total_size = (uint32_t)(w->cur - gpa);
	ldr_iw_patch(w, gpa, &ih, sizeof(ih));
	return iw_done(w, gpa, why, whylen);
}
