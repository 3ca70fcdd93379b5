/*
 * Multiboot v1 (0.6.96) and Multiboot2 kernel loading for child partitions:
 * header search and validation, image loading, modules, boot information
 * and the entry machine state.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "partition/loader/ldr_format.h"
#include "partition/loader/mb_internal.h"
#include "partition/loader/multiboot.h"

#define MB_MAX_GPA 0x100000000ull  /* Multiboot addresses are 32-bit */

/* What the kernel's Multiboot header asks for. */
struct mb_hdr {
	int version;               /* 1 or 2 */
	bool have_addr, have_entry;
	struct ldr_raw_addrs ra;
	uint32_t entry;
};

static uint32_t rd32(const struct ldr_file *k, uint64_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)k->data + off, sizeof(v));
	return v;
}

/* Multiboot2 §3.1.1: 8-byte aligned within the first 32768 bytes, fields sum to 0. */
static bool find_mb2(const struct ldr_file *k, uint64_t *at)
{
	struct mb2_header h;
	uint64_t off;

	for (off = 0; off + sizeof(h) <= k->len && off < MB2_SEARCH_LEN;
	     off += MB2_HEADER_ALIGN) {
		memcpy(&h, (const uint8_t *)k->data + off, sizeof(h));
		if (h.magic == MB2_HEADER_MAGIC &&
		    (uint32_t)(h.magic + h.architecture + h.header_length +
			       h.checksum) == 0) {
			*at = off;
			return true;
		}
	}
	return false;
}

/* Multiboot §3.1: 4-byte aligned within the first 8192 bytes, magic+flags+checksum = 0. */
static bool find_mb1(const struct ldr_file *k, uint64_t *at)
{
	uint64_t off;

	for (off = 0; off + 12 <= k->len && off < MB1_SEARCH_LEN;
	     off += MB1_HEADER_ALIGN)
		if (rd32(k, off) == MB1_HEADER_MAGIC &&
		    (uint32_t)(rd32(k, off) + rd32(k, off + 4) + rd32(k, off + 8)) == 0) {
			*at = off;
			return true;
		}
	return false;
}

/* §3.1.2: bits 0-15 the loader does not understand must make it fail. */
static int parse_mb1(const struct ldr_file *k, uint64_t off, struct mb_hdr *h,
		     char *why, size_t whylen)
{
	uint32_t flags = rd32(k, off + 4);
	uint32_t unknown = flags & MB1_HF_REQUIRED_MASK &
			   ~(MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO);
	struct mb1_header mh;

	h->version = 1;
	if (unknown & MB1_HF_VIDEO_MODE)
		return ldr_fail(why, whylen, -ENOTSUP,
				"kernel '%s' requires a video mode (Multiboot flag 2), which hvpart does not provide",
				ldr_name(k));
	if (unknown)
		return ldr_fail(why, whylen, -ENOTSUP,
				"kernel '%s' requires Multiboot flags 0x%x that hvpart does not support",
				ldr_name(k), (unsigned)unknown);
	if (!(flags & MB1_HF_AOUT_KLUDGE))
		return 0;
	if (k->len - off < 32)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is truncated inside its Multiboot header",
				ldr_name(k));
	memcpy(&mh, (const uint8_t *)k->data + off, 32);
	h->have_addr = h->have_entry = true;
	h->ra = (struct ldr_raw_addrs){ off, mh.header_addr, mh.load_addr,
					mh.load_end_addr, mh.bss_end_addr };
	h->entry = mh.entry_addr;
	return 0;
}

/* Multiboot2 §3.6 tag types hvpart puts in the boot information. */
static bool mb2_provided(uint32_t type)
{
	return type == MB2_TAG_END || type == MB2_TAG_CMDLINE ||
	       type == MB2_TAG_LOADER_NAME || type == MB2_TAG_MODULE ||
	       type == MB2_TAG_BASIC_MEMINFO || type == MB2_TAG_MMAP;
}

/* Multiboot2 §3.1.4: a non-optional request must be satisfied. */
static int mb2_request(const struct ldr_file *k, uint64_t off, uint32_t size,
		       bool optional, char *why, size_t whylen)
{
	uint32_t i, type;

	for (i = 8; !optional && i + 4 <= size; i += 4) {
		type = rd32(k, off + i);
		if (!mb2_provided(type))
			return ldr_fail(why, whylen, -ENOTSUP,
					"kernel '%s' requires boot information tag %u, which hvpart does not provide",
					ldr_name(k), (unsigned)type);
	}
	return 0;
}

static int mb2_need(const struct ldr_file *k, const char *what, char *why,
		    size_t whylen)
{
	return ldr_fail(why, whylen, -ENOTSUP,
			"kernel '%s' requires %s, which hvpart does not provide",
			ldr_name(k), what);
}

/* One Multiboot2 header tag (§3.1.3-§3.1.12); `off` is the tag's file offset. */
static int mb2_htag(const struct ldr_file *k, uint64_t hoff, uint64_t off,
		    const struct mb2_header_tag *t, struct mb_hdr *h,
		    char *why, size_t whylen)
{
	bool opt = t->flags & MB2_HTAG_F_OPTIONAL;
	struct mb2_htag_address a;

	switch (t->type) {
	case MB2_HTAG_INFO_REQUEST:
		return mb2_request(k, off, t->size, opt, why, whylen);
	case MB2_HTAG_ADDRESS:
		if (t->size < sizeof(a))
			return -EPROTO;
		memcpy(&a, (const uint8_t *)k->data + off, sizeof(a));
		h->have_addr = true;
		h->ra = (struct ldr_raw_addrs){ hoff, a.header_addr, a.load_addr,
						a.load_end_addr, a.bss_end_addr };
		return 0;
	case MB2_HTAG_ENTRY:
		if (t->size < sizeof(struct mb2_htag_entry))
			return -EPROTO;
		h->have_entry = true;
		h->entry = rd32(k, off + 8);
		return 0;
	case MB2_HTAG_CONSOLE_FLAGS:     /* §3.1.7: bit 0 = console required */
		if (t->size < 12)
			return -EPROTO;
		return !opt && (rd32(k, off + 8) & 1)
			       ? mb2_need(k, "a described console", why, whylen) : 0;
	case MB2_HTAG_FRAMEBUFFER:
		return opt ? 0 : mb2_need(k, "a framebuffer", why, whylen);
	case MB2_HTAG_MODULE_ALIGN:      /* modules are always page-aligned */
	case MB2_HTAG_RELOCATABLE:       /* loading at the linked address is allowed */
	case MB2_HTAG_EFI_BS:            /* EFI tags apply only to EFI boots */
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		return 0;
	default:
		return opt ? 0 : ldr_fail(why, whylen, -ENOTSUP,
					  "kernel '%s' has unknown required Multiboot2 header tag type %u",
					  ldr_name(k), t->type);
	}
}

/* Multiboot2 §3.1.2-3.1.3: architecture, then tags up to the end tag. */
static int parse_mb2(const struct ldr_file *k, uint64_t off, struct mb_hdr *h,
		     char *why, size_t whylen)
{
	struct mb2_header mh;
	struct mb2_header_tag t;
	uint64_t pos;
	int rc;

	h->version = 2;
	memcpy(&mh, (const uint8_t *)k->data + off, sizeof(mh));
	if (mh.architecture != MB2_ARCH_I386)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is for Multiboot2 architecture %u, not i386",
				ldr_name(k), (unsigned)mh.architecture);
	if (mh.header_length < sizeof(mh) || mh.header_length > k->len - off)
		goto bad;
	for (pos = sizeof(mh); pos + sizeof(t) <= mh.header_length;
	     pos = ldr_align_up(pos + t.size, MB2_TAG_ALIGN)) {
		memcpy(&t, (const uint8_t *)k->data + off + pos, sizeof(t));
		if (t.size < sizeof(t) || t.size > mh.header_length - pos)
			goto bad;
		if (t.type == MB2_HTAG_END)
			return 0;
		rc = mb2_htag(k, off, off + pos, &t, h, why, whylen);
		if (rc == -EPROTO)
			goto bad;
		if (rc)
			return rc;
	}
bad:
	return ldr_fail(why, whylen, -ENOEXEC,
			"kernel '%s' has a malformed Multiboot2 header", ldr_name(k));
}

static int check_args(const struct ldr_gmem *mem, const struct ldr_file *k,
		      const struct ldr_file *mods, int nmods, const char *cmdline,
		      char *why, size_t whylen)
{
	int i;

	if (!mem || !mem->write || !mem->fill || !k || (!k->data && k->len) ||
	    nmods < 0 || (nmods && !mods))
		return ldr_fail(why, whylen, -EINVAL, "invalid loader arguments");
	if (mem->size < 2 * LDR_HIGH_BASE)
		return ldr_fail(why, whylen, -EINVAL,
				"guest memory of %llu bytes is too small",
				(unsigned long long)mem->size);
	if (!memchr(cmdline, 0, LDR_MAX_CMDLINE))
		return ldr_fail(why, whylen, -E2BIG,
				"command line too long (limit %d bytes)",
				LDR_MAX_CMDLINE - 1);
	if (nmods > LDR_MAX_MODULES)
		return ldr_fail(why, whylen, -E2BIG,
				"too many modules (%d, limit %d)", nmods, LDR_MAX_MODULES);
	for (i = 0; i < nmods; i++)
		if (mods[i].name && !memchr(mods[i].name, 0, LDR_MAX_NAME))
			return ldr_fail(why, whylen, -ENAMETOOLONG,
					"module name '%.32s...' too long (limit %d bytes)",
					mods[i].name, LDR_MAX_NAME - 1);
	return 0;
}

static int find_header(const struct ldr_file *k, struct mb_hdr *h, char *why,
		       size_t whylen)
{
	uint64_t off;

	memset(h, 0, sizeof(*h));
	if (find_mb2(k, &off))
		return parse_mb2(k, off, h, why, whylen);
	if (find_mb1(k, &off))
		return parse_mb1(k, off, h, why, whylen);
	return ldr_fail(why, whylen, -ENOEXEC,
			"kernel '%s' is not a Multiboot kernel", ldr_name(k));
}

/* Load by address fields if the header gives them, else by ELF headers. */
static int load_image(const struct ldr_gmem *mem, const struct ldr_file *k,
		      const struct mb_hdr *h, struct ldr_image *img,
		      char *why, size_t whylen)
{
	int rc, i;

	if (h->have_addr)
		rc = ldr_image_load_raw(mem, k, &h->ra, img, why, whylen);
	else
		rc = ldr_image_load_elf(mem, k, img, why, whylen);
	if (rc)
		return rc;
	if (h->have_entry)
		img->entry = h->entry;
	else if (h->have_addr)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' gives load addresses but no entry address",
				ldr_name(k));
	for (i = 0; i < img->nsegs; i++)
		if (img->entry >= img->seg_lo[i] && img->entry < img->seg_hi[i])
			return 0;
	return ldr_fail(why, whylen, -ENOEXEC,
			"kernel '%s' entry point 0x%llx is not inside a loaded segment",
			ldr_name(k), (unsigned long long)img->entry);
}

static int dry_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	(void)ctx;
	(void)gpa;
	(void)src;
	(void)len;
	return 0;
}

static int dry_fill(void *ctx, uint64_t gpa, uint8_t byte, size_t len)
{
	(void)ctx;
	(void)gpa;
	(void)byte;
	(void)len;
	return 0;
}

static int64_t build_info(const struct mb_boot *b, int version,
			  struct ldr_info_writer *w, char *why, size_t whylen)
{
	return version == 2 ? ldr_build_mb2_info(b, w, why, whylen)
			    : ldr_build_mb1_info(b, w, why, whylen);
}

/*
 * The boot information goes where the kernel's segments and the modules
 * are not (Multiboot 0.6.96 §3.3 and Multiboot2 §3.4 let the loader put
 * it anywhere; docs/child-platform.md "Boot"): a dry run from GPA 0 sizes
 * it, then it is written at the first free page from LDR_INFO_BASE up
 * (below 1 MiB for ordinary kernels linked at 1 MiB), else the lowest one.
 */
static int64_t place_info(const struct mb_boot *b, int version,
			  const struct ldr_taken *t, char *why, size_t whylen)
{
	struct ldr_gmem dry = { NULL, b->mem->size, dry_write, dry_fill };
	struct mb_boot d = *b;
	struct ldr_info_writer w;
	uint64_t at, size;
	int64_t rc;

	d.mem = &dry;
	ldr_iw_init(&w, &dry, 0, dry.size);
	rc = build_info(&d, version, &w, why, whylen);
	if (rc < 0)
		return rc;
	size = w.cur;
	if (ldr_find_free(b->mem, t, LDR_INFO_BASE, size, &at) &&
	    ldr_find_free(b->mem, t, LDR_PAGE, size, &at))
		return ldr_fail(why, whylen, -ENOSPC,
				"boot information (%llu bytes) does not fit in guest memory beside the kernel and its modules",
				(unsigned long long)size);
	ldr_iw_init(&w, b->mem, at, at + size);
	return build_info(b, version, &w, why, whylen);
}

int ldr_load_multiboot(const struct ldr_gmem *mem, const struct ldr_file *kernel,
		       const struct ldr_file *mods, int nmods, const char *cmdline,
		       struct ldr_vp_state *vp, char *why, size_t whylen)
{
	struct ldr_placed placed[LDR_MAX_MODULES];
	struct ldr_gmem m32;
	struct ldr_image img;
	struct mb_hdr h;
	struct mb_boot b;
	int64_t info;
	int rc;

	if (!cmdline)
		cmdline = "";
	if (!vp)
		return ldr_fail(why, whylen, -EINVAL, "invalid loader arguments");
	if ((rc = check_args(mem, kernel, mods, nmods, cmdline, why, whylen)))
		return rc;
	m32 = *mem;                  /* Multiboot addresses are 32-bit */
	if (m32.size > MB_MAX_GPA)
		m32.size = MB_MAX_GPA;
	if ((rc = find_header(kernel, &h, why, whylen)) ||
	    (rc = load_image(&m32, kernel, &h, &img, why, whylen)) ||
	    (rc = ldr_modules_place(&m32, mods, nmods, &img, placed, why, whylen)))
		return rc;
	b = (struct mb_boot){ &m32, mods, placed, nmods, cmdline };
	info = place_info(&b, h.version, &(struct ldr_taken){ &img, placed, nmods },
			  why, whylen);
	if (info < 0)
		return (int)info;
	ldr_vp_flat32(vp, (uint32_t)img.entry);
	vp->rax = h.version == 2 ? MB2_BOOTLOADER_MAGIC : MB1_BOOTLOADER_MAGIC;
	vp->rbx = (uint64_t)info;
	if (why && whylen)
		why[0] = '\0';
	return 0;
}
