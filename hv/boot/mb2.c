/*
 * Multiboot2 boot information parser. Every read is bounds-checked against
 * the validated total_size (itself <= avail); fields are fetched with memcpy
 * so that a misaligned or hostile structure cannot trap.
 */
#include "hv/boot/mb2.h"

#include <errno.h>
#include <string.h>

#define MB2_KNOWN_TAGS 22

/* Static per-type messages: *why must outlive the call and there is no printf. */
#define MB2_T(n, what) "tag " #n " " what
#define MB2_TABLE(what) { \
	MB2_T(0, what), MB2_T(1, what), MB2_T(2, what), MB2_T(3, what), \
	MB2_T(4, what), MB2_T(5, what), MB2_T(6, what), MB2_T(7, what), \
	MB2_T(8, what), MB2_T(9, what), MB2_T(10, what), MB2_T(11, what), \
	MB2_T(12, what), MB2_T(13, what), MB2_T(14, what), MB2_T(15, what), \
	MB2_T(16, what), MB2_T(17, what), MB2_T(18, what), MB2_T(19, what), \
	MB2_T(20, what), MB2_T(21, what) }

static const char *const mb2_why_overrun[MB2_KNOWN_TAGS] =
	MB2_TABLE("overruns info");
static const char *const mb2_why_short[MB2_KNOWN_TAGS] =
	MB2_TABLE("too small for its type");
static const char *const mb2_why_dup[MB2_KNOWN_TAGS] =
	MB2_TABLE("appears twice");

struct mb2_cursor {
	const uint8_t *base;
	uint32_t total;
	struct mb2_info *out;
	const char *why;
};

static uint32_t mb2_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int mb2_fail(struct mb2_cursor *c, uint32_t off, const char *why)
{
	c->why = why;
	c->out->err_offset = off;
	return -EINVAL;
}

static const char *mb2_pick(const char *const *table, uint32_t type,
			    const char *fallback)
{
	return type < MB2_KNOWN_TAGS ? table[type] : fallback;
}

/*
 * Smallest legal size of each tag type we interpret (fixed part plus, for
 * strings, at least the NUL). Spec §3.6.3 .. §3.6.17. 0: no check.
 */
static uint32_t mb2_min_size(uint32_t type)
{
	switch (type) {
	case MB2_TAG_END:           return 8;
	case MB2_TAG_CMDLINE:       return 9;   /* §3.6.5 */
	case MB2_TAG_BOOTLOADER:    return 9;   /* §3.6.9 */
	case MB2_TAG_MODULE:        return 17;  /* §3.6.6 */
	case MB2_TAG_BASIC_MEMINFO: return 16;  /* §3.6.3 */
	case MB2_TAG_BOOTDEV:       return 20;  /* §3.6.4 */
	case MB2_TAG_MMAP:          return 16;  /* §3.6.8 */
	case MB2_TAG_ACPI_OLD:      return 8 + MB2_RSDP_V1_LEN;
	case MB2_TAG_ACPI_NEW:      return 8 + MB2_RSDP_V2_LEN;
	default:                    return 8;
	}
}

/* Copy the NUL-terminated string at [off, off+len) into dst[cap]. */
static int mb2_copy_string(struct mb2_cursor *c, uint32_t off, uint32_t len,
			   char *dst, size_t cap, uint32_t tag_off)
{
	const uint8_t *s = c->base + off;
	uint32_t n = 0;

	/* memchr is not in hv's string.h; scan by hand, within the tag. */
	while (n < len && s[n] != 0)
		n++;
	if (n == len)
		return mb2_fail(c, tag_off, "tag string not NUL-terminated");
	if ((size_t)n + 1 > cap) {
		c->why = "tag string too long";
		c->out->err_offset = tag_off;
		return -E2BIG;
	}
	memcpy(dst, s, (size_t)n + 1);
	return 0;
}

static int mb2_do_module(struct mb2_cursor *c, uint32_t off, uint32_t size)
{
	struct mb2_info *out = c->out;
	struct mb2_module *m;
	struct mb2_tag_module t;

	if (out->module_count >= MB2_MAX_MODULES) {
		c->why = "too many modules";
		out->err_offset = off;
		return -E2BIG;
	}
	memcpy(&t, c->base + off, sizeof(t));
	/* Spec §3.6.6: mod_end is one past the module's last byte. */
	if (t.mod_end < t.mod_start)
		return mb2_fail(c, off, "module ends before it starts");
	m = &out->modules[out->module_count];
	m->start = t.mod_start;
	m->end = t.mod_end;
	out->module_count++;
	return mb2_copy_string(c, off + sizeof(t), size - sizeof(t),
			       m->string, sizeof(m->string), off);
}

static int mb2_do_mmap(struct mb2_cursor *c, uint32_t off, uint32_t size)
{
	struct mb2_info *out = c->out;
	struct mb2_tag_mmap t;
	uint32_t pos;

	memcpy(&t, c->base + off, sizeof(t));
	/* Spec §3.6.8: entry_size is a multiple of 8 and may grow in future
	 * versions, so it is the stride; it must hold the version-0 fields. */
	if (t.entry_size < sizeof(struct mb2_mmap_entry) || t.entry_size % 8)
		return mb2_fail(c, off, "memory map entry_size invalid");
	if ((size - sizeof(t)) % t.entry_size)
		return mb2_fail(c, off, "memory map has a partial entry");
	for (pos = sizeof(t); pos < size; pos += t.entry_size) {
		struct mb2_mmap_entry e;

		memcpy(&e, c->base + off + pos, sizeof(e));
		if (e.length && e.base_addr + e.length < e.base_addr)
			return mb2_fail(c, off, "memory map entry wraps");
		if (out->mmap_count >= MB2_MAX_MMAP) {
			out->mmap_dropped++;
			continue;
		}
		out->mmap[out->mmap_count++] = e;
	}
	return 0;
}

static void mb2_do_rsdp(struct mb2_cursor *c, uint32_t off, uint32_t size,
			struct mb2_rsdp *r)
{
	/* Spec §3.6.16/§3.6.17: the tag carries a copy of the RSDP itself. */
	r->ptr = c->base + off + sizeof(struct mb2_tag);
	r->offset = off + (uint32_t)sizeof(struct mb2_tag);
	r->len = size - (uint32_t)sizeof(struct mb2_tag);
}

/* Tags that may appear once; a second copy means the layout is not GRUB's. */
static int mb2_mark_once(struct mb2_cursor *c, uint32_t off, uint32_t type,
			 uint32_t bit)
{
	if (c->out->present & bit)
		return mb2_fail(c, off, mb2_pick(mb2_why_dup, type,
						 "tag appears twice"));
	c->out->present |= bit;
	return 0;
}

static int mb2_do_tag(struct mb2_cursor *c, uint32_t off, uint32_t type,
		      uint32_t size)
{
	struct mb2_info *out = c->out;
	struct mb2_tag_basic_meminfo mi;
	int rc;

	switch (type) {
	case MB2_TAG_CMDLINE:
		rc = mb2_mark_once(c, off, type, MB2_HAVE_CMDLINE);
		return rc ? rc : mb2_copy_string(c, off + 8, size - 8,
				out->cmdline, sizeof(out->cmdline), off);
	case MB2_TAG_BOOTLOADER:
		rc = mb2_mark_once(c, off, type, MB2_HAVE_LOADER);
		return rc ? rc : mb2_copy_string(c, off + 8, size - 8,
				out->loader_name, sizeof(out->loader_name), off);
	case MB2_TAG_MODULE:
		return mb2_do_module(c, off, size);
	case MB2_TAG_BASIC_MEMINFO:
		rc = mb2_mark_once(c, off, type, MB2_HAVE_MEMINFO);
		memcpy(&mi, c->base + off, sizeof(mi));
		out->mem_lower_kib = mi.mem_lower;
		out->mem_upper_kib = mi.mem_upper;
		return rc;
	case MB2_TAG_MMAP:
		rc = mb2_mark_once(c, off, type, MB2_HAVE_MMAP);
		return rc ? rc : mb2_do_mmap(c, off, size);
	case MB2_TAG_ACPI_OLD:
		rc = mb2_mark_once(c, off, type, MB2_HAVE_RSDP_V1);
		mb2_do_rsdp(c, off, size, &out->rsdp_v1);
		return rc;
	case MB2_TAG_ACPI_NEW:
		rc = mb2_mark_once(c, off, type, MB2_HAVE_RSDP_V2);
		mb2_do_rsdp(c, off, size, &out->rsdp_v2);
		return rc;
	default:
		/* Spec §3.6.2: unknown tags must be skipped; framebuffer,
		 * bootdev and the EFI tags are of no use to hv. */
		out->tags_skipped++;
		return 0;
	}
}

/* Walk the tag list: spec §3.6.2, tags 8-byte aligned, end tag last. */
static int mb2_walk(struct mb2_cursor *c)
{
	uint32_t off = sizeof(struct mb2_info_header);
	uint64_t next;

	while (off < c->total) {
		uint32_t type, size;
		int rc;

		if (c->total - off < sizeof(struct mb2_tag))
			return mb2_fail(c, off, "truncated tag header");
		type = mb2_rd32(c->base + off);
		size = mb2_rd32(c->base + off + 4);
		if (size > c->total - off)
			return mb2_fail(c, off, mb2_pick(mb2_why_overrun, type,
						 "unknown tag overruns info"));
		if (size < mb2_min_size(type))
			return mb2_fail(c, off, mb2_pick(mb2_why_short, type,
						 "tag too small"));
		if (type == MB2_TAG_END) {
			if (size != 8)
				return mb2_fail(c, off, "end tag size not 8");
			if (off + size != c->total)
				return mb2_fail(c, off, "data after end tag");
			return 0;
		}
		rc = mb2_do_tag(c, off, type, size);
		if (rc)
			return rc;
		/* Padding to the next 8-byte boundary (spec §3.6.2); 64-bit
		 * so a size near 4 GiB cannot wrap. */
		next = ((uint64_t)off + size + (MB2_TAG_ALIGN - 1)) &
		       ~(uint64_t)(MB2_TAG_ALIGN - 1);
		if (next >= c->total)
			break;
		off = (uint32_t)next;
	}
	return mb2_fail(c, off, "no end tag");
}

int mb2_parse_info(const void *info, size_t avail, struct mb2_info *out,
		   const char **why)
{
	struct mb2_cursor c = { .base = info, .out = out, .why = NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!info || avail < sizeof(struct mb2_info_header)) {
		rc = mb2_fail(&c, 0, "info smaller than its header");
		goto done;
	}
	/* Spec §3.6.1: the structure starts 8-byte aligned. */
	if ((uintptr_t)info & (MB2_TAG_ALIGN - 1)) {
		rc = mb2_fail(&c, 0, "info not 8-byte aligned");
		goto done;
	}
	c.total = mb2_rd32(c.base);
	if (c.total < 16) {
		rc = mb2_fail(&c, 0, "total_size below 16");
		goto done;
	}
	if (c.total > avail) {
		rc = mb2_fail(&c, 0, "total_size exceeds available bytes");
		goto done;
	}
	out->total_size = c.total;
	rc = mb2_walk(&c);
done:
	if (why)
		*why = rc ? c.why : NULL;
	return rc;
}

const struct mb2_module *mb2_find_module(const struct mb2_info *mi,
					 const char *name)
{
	size_t n = strlen(name);
	uint32_t i;

	for (i = 0; i < mi->module_count && i < MB2_MAX_MODULES; i++) {
		const char *s = mi->modules[i].string;

		if (strcmp(s, name) == 0)
			return &mi->modules[i];
		/* First word: everything before the first space (GRUB joins
		 * the module path and its arguments with spaces). */
		if (n && strncmp(s, name, n) == 0 && s[n] == ' ')
			return &mi->modules[i];
	}
	return NULL;
}
