/* VHD metadata rules: checksums, CHS geometry, footer and header validation,
 * UTF-16 names and parent-locator paths.  Portable: no stdio, no OS. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "storage/vhd/vhd_priv.h"

/* Tiny formatter for error strings (the library avoids stdio so that it
 * builds freestanding): %s %c %d %u %x with optional l/ll. */
static void fmt_num(char *dst, size_t *n, unsigned long long v, int neg,
		    unsigned base)
{
	char tmp[24];
	int k = 0;

	do {
		tmp[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[k++] = '-';
	while (k && *n + 1 < VHD_ERR_LEN)
		dst[(*n)++] = tmp[--k];
}

static unsigned long long fmt_arg(va_list *ap, int lng, int sgn, int *neg)
{
	long long s;

	*neg = 0;
	if (!sgn)
		return lng == 2 ? va_arg(*ap, unsigned long long) :
		       lng == 1 ? va_arg(*ap, unsigned long) :
		       va_arg(*ap, unsigned int);
	s = lng == 2 ? va_arg(*ap, long long) :
	    lng == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
	if (s < 0) {
		*neg = 1;
		return 0ull - (unsigned long long)s;
	}
	return (unsigned long long)s;
}

void vhd_set_err(char *dst, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;
	int lng, neg;
	unsigned long long v;

	va_start(ap, fmt);
	for (; *fmt && n + 1 < VHD_ERR_LEN; fmt++) {
		if (*fmt != '%') {
			dst[n++] = *fmt;
			continue;
		}
		fmt++;
		for (lng = 0; *fmt == 'l'; fmt++)
			lng++;
		if (*fmt == 's') {
			const char *s = va_arg(ap, const char *);
			while (s && *s && n + 1 < VHD_ERR_LEN)
				dst[n++] = *s++;
		} else if (*fmt == 'c') {
			dst[n++] = (char)va_arg(ap, int);
		} else if (*fmt == 'd' || *fmt == 'u' || *fmt == 'x') {
			v = fmt_arg(&ap, lng, *fmt == 'd', &neg);
			fmt_num(dst, &n, v, neg, *fmt == 'x' ? 16 : 10);
		} else {
			dst[n++] = *fmt ? *fmt : '%';
			if (!*fmt)
				break;
		}
	}
	va_end(ap);
	dst[n] = '\0';
}

/* Spec "Hard Disk Footer Format", Checksum: one's complement of the byte sum
 * with the checksum field itself taken as zero. */
uint32_t vhd_calc_checksum(const uint8_t *buf, size_t len, size_t csum_off)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (i < csum_off || i >= csum_off + 4)
			sum += buf[i];
	return ~sum;
}

/* Spec appendix "CHS Calculation", followed literally (integer division). */
void vhd_calc_chs(uint64_t sectors, uint16_t *cyl, uint8_t *heads,
		  uint8_t *spt)
{
	uint64_t total = sectors, cth;
	uint32_t s, h;

	if (total > 65535ull * 16 * 255)
		total = 65535ull * 16 * 255;
	if (total >= 65535ull * 16 * 63) {
		s = 255;
		h = 16;
		cth = total / s;
	} else {
		s = 17;
		cth = total / s;
		h = (uint32_t)((cth + 1023) / 1024);
		if (h < 4)
			h = 4;
		if (cth >= h * 1024ull || h > 16) {
			s = 31;
			h = 16;
			cth = total / s;
		}
		if (cth >= h * 1024ull) {
			s = 63;
			h = 16;
			cth = total / s;
		}
	}
	*cyl = (uint16_t)(cth / h);
	*heads = (uint8_t)h;
	*spt = (uint8_t)s;
}

void vhd_footer_seal(struct vhd_footer *f)
{
	uint8_t *b = (uint8_t *)f;

	vhd_put_be32(f->checksum, vhd_calc_checksum(b, sizeof(*f),
			offsetof(struct vhd_footer, checksum)));
}

void vhd_header_seal(struct vhd_dyn_header *h)
{
	uint8_t *b = (uint8_t *)h;

	vhd_put_be32(h->checksum, vhd_calc_checksum(b, sizeof(*h),
			offsetof(struct vhd_dyn_header, checksum)));
}

/* Validates one footer copy; why receives the reason on failure. */
int vhd_footer_check(const struct vhd_footer *f, uint64_t file_size,
		     char *why)
{
	uint32_t type = vhd_be32(f->disk_type);
	uint64_t size = vhd_be64(f->cur_size), doff = vhd_be64(f->data_offset);
	uint32_t sum = vhd_calc_checksum((const uint8_t *)f, sizeof(*f),
					 offsetof(struct vhd_footer, checksum));

	if (memcmp(f->cookie, VHD_FOOTER_COOKIE, 8) != 0)
		return vhd_set_err(why, "no footer cookie 'conectix'"), -EINVAL;
	if (sum != vhd_be32(f->checksum))
		return vhd_set_err(why, "footer checksum 0x%x, expected 0x%x",
				   vhd_be32(f->checksum), sum), -EINVAL;
	/* Spec: major version 1; minor versions are compatible. */
	if ((vhd_be32(f->version) >> 16) != 1)
		return vhd_set_err(why, "unsupported footer version 0x%x",
				   vhd_be32(f->version)), -EINVAL;
	if (type != VHD_TYPE_FIXED && type != VHD_TYPE_DYNAMIC &&
	    type != VHD_TYPE_DIFF)
		return vhd_set_err(why, "unsupported disk type %u", type),
		       -EINVAL;
	if (size == 0 || size % VHD_SECTOR || size > VHD_MAX_SIZE)
		return vhd_set_err(why, "bad current size %llu",
				   (unsigned long long)size), -EINVAL;
	if (type == VHD_TYPE_FIXED && size + VHD_SECTOR > file_size)
		return vhd_set_err(why, "fixed disk of %llu bytes but file is "
				   "only %llu bytes", (unsigned long long)size,
				   (unsigned long long)file_size), -EINVAL;
	if (type != VHD_TYPE_FIXED &&
	    (doff < VHD_SECTOR || doff > file_size ||
	     file_size - doff < sizeof(struct vhd_dyn_header) + VHD_SECTOR))
		return vhd_set_err(why, "dynamic header offset %llu outside "
				   "the file", (unsigned long long)doff),
		       -EINVAL;
	return 0;
}

int vhd_header_check(const struct vhd_dyn_header *h, char *why)
{
	uint32_t bs = vhd_be32(h->block_size);
	uint32_t sum = vhd_calc_checksum((const uint8_t *)h, sizeof(*h),
			offsetof(struct vhd_dyn_header, checksum));

	if (memcmp(h->cookie, VHD_HEADER_COOKIE, 8) != 0)
		return vhd_set_err(why, "no dynamic header cookie 'cxsparse'"),
		       -EINVAL;
	if (sum != vhd_be32(h->checksum))
		return vhd_set_err(why, "dynamic header checksum 0x%x, "
				   "expected 0x%x", vhd_be32(h->checksum),
				   sum), -EINVAL;
	if ((vhd_be32(h->version) >> 16) != 1)
		return vhd_set_err(why, "unsupported dynamic header version "
				   "0x%x", vhd_be32(h->version)), -EINVAL;
	if (!vhd_block_size_ok(bs))
		return vhd_set_err(why, "block size %u is not a power of two "
				   "between 512 and 256M", bs), -EINVAL;
	return 0;
}

/* UTF-16 (either byte order) to UTF-8, stopping at NUL; returns length. */
size_t vhd_utf16_decode(const uint8_t *src, size_t bytes, int big_endian,
			char *dst, size_t dst_len)
{
	size_t i, n = 0;
	uint32_t c, lo;

	for (i = 0; i + 1 < bytes; i += 2) {
		c = big_endian ? vhd_be16(src + i) :
		    (uint32_t)(src[i] | (src[i + 1] << 8));
		if (c == 0)
			break;
		if (c >= 0xD800 && c < 0xDC00 && i + 3 < bytes) {
			lo = big_endian ? vhd_be16(src + i + 2) :
			     (uint32_t)(src[i + 2] | (src[i + 3] << 8));
			if (lo >= 0xDC00 && lo < 0xE000) {
				c = 0x10000 + ((c - 0xD800) << 10) +
				    (lo - 0xDC00);
				i += 2;
			}
		}
		if (c < 0x80 && n + 2 <= dst_len) {
			dst[n++] = (char)c;
		} else if (c < 0x800 && n + 3 <= dst_len) {
			dst[n++] = (char)(0xC0 | (c >> 6));
			dst[n++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000 && n + 4 <= dst_len) {
			dst[n++] = (char)(0xE0 | (c >> 12));
			dst[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			dst[n++] = (char)(0x80 | (c & 0x3F));
		} else if (c >= 0x10000 && n + 5 <= dst_len) {
			dst[n++] = (char)(0xF0 | (c >> 18));
			dst[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
			dst[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			dst[n++] = (char)(0x80 | (c & 0x3F));
		} else {
			break;
		}
	}
	if (dst_len)
		dst[n < dst_len ? n : dst_len - 1] = '\0';
	return n;
}

static uint32_t utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = *p++;
	int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;

	c &= extra == 3 ? 0x07 : extra == 2 ? 0x0F : extra == 1 ? 0x1F : 0x7F;
	while (extra-- > 0 && (*p & 0xC0) == 0x80)
		c = (c << 6) | (*p++ & 0x3F);
	*s = p;
	return c;
}

static void put16(uint8_t *d, uint32_t u, int big_endian)
{
	d[big_endian ? 0 : 1] = (uint8_t)(u >> 8);
	d[big_endian ? 1 : 0] = (uint8_t)u;
}

/* UTF-8 to UTF-16 without terminator; returns bytes written. */
size_t vhd_utf16_encode(const char *src, int big_endian, uint8_t *dst,
			size_t dst_bytes)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;
	uint32_t c;

	while (*s) {
		c = utf8_next(&s);
		if (c >= 0x10000) {
			if (n + 4 > dst_bytes)
				break;
			c -= 0x10000;
			put16(dst + n, 0xD800 + (c >> 10), big_endian);
			put16(dst + n + 2, 0xDC00 + (c & 0x3FF), big_endian);
			n += 4;
		} else {
			if (n + 2 > dst_bytes)
				break;
			put16(dst + n, c, big_endian);
			n += 2;
		}
	}
	return n;
}

/* The spec says the parent name is UTF-16BE, but some writers store it
 * little-endian.  For the ASCII-heavy paths found in practice the zero
 * bytes sit on the even offsets in BE and on the odd ones in LE. */
int vhd_utf16_detect_le(const uint8_t *name, size_t bytes)
{
	size_t i, even = 0, odd = 0;

	for (i = 0; i + 1 < bytes; i += 2) {
		if (!name[i] && !name[i + 1])
			break;
		even += name[i] == 0;
		odd += name[i + 1] == 0;
	}
	return odd > even;
}

void vhd_path_get_dir(const char *path, char *dst, size_t dst_len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (slash && n == 0)
		n = 1;   /* "/x" lives in "/" */
	if (!slash || n >= dst_len) {
		path = ".";
		n = 1;
	}
	if (n >= dst_len)
		return;
	memcpy(dst, path, n);
	dst[n] = '\0';
}

/* Lexical clean-up of "." and ".." components, so that file systems
 * without them (or with symlinks) see one canonical name. */
static void path_normalize(char *p)
{
	char *out = p, *in = p, *seg;
	int abs = p[0] == '/';
	size_t n;

	if (abs) {
		out++;
		in++;
	}
	seg = out;
	while (*in) {
		while (*in == '/')
			in++;
		for (n = 0; in[n] && in[n] != '/'; n++)
			;
		if (n == 1 && in[0] == '.') {
			in += n;
			continue;
		}
		if (n == 2 && in[0] == '.' && in[1] == '.' && out > seg &&
		    !(out - seg >= 2 && out[-1] == '.' && out[-2] == '.' &&
		      (out - seg == 2 || out[-3] == '/'))) {
			while (out > seg && out[-1] != '/')
				out--;
			if (out > seg)
				out--;   /* the '/' before the dropped part */
			in += n;
			continue;
		}
		if (n == 2 && in[0] == '.' && in[1] == '.' && abs &&
		    out == seg) {
			in += n;     /* "/.." is "/" */
			continue;
		}
		if (!n)
			break;
		if (out > seg)
			*out++ = '/';
		memmove(out, in, n);
		out += n;
		in += n;
	}
	if (out == p)
		*out++ = '.';
	*out = '\0';
}

int vhd_path_join(const char *dir, const char *rel, char *dst, size_t dst_len)
{
	size_t a = strlen(dir), b = strlen(rel);

	if (rel[0] == '/') {
		if (b + 1 > dst_len)
			return -ENAMETOOLONG;
		memcpy(dst, rel, b + 1);
		path_normalize(dst);
		return 0;
	}
	if (a + 1 + b + 1 > dst_len)
		return -ENAMETOOLONG;
	memcpy(dst, dir, a);
	if (a && dst[a - 1] != '/')
		dst[a++] = '/';
	memcpy(dst + a, rel, b + 1);
	path_normalize(dst);
	return 0;
}

/* Relative path from from_file's folder to to_file (both absolute or both
 * relative to the same folder), in '/' form with a leading "./". */
void vhd_path_make_relative(const char *from_file, const char *to_file, char *dst,
		       size_t dst_len)
{
	size_t common = 0, i, n = 0;
	const char *p;

	for (i = 0; from_file[i] && from_file[i] == to_file[i]; i++)
		if (from_file[i] == '/')
			common = i + 1;
	if ((from_file[0] == '/') != (to_file[0] == '/')) {
		common = 0;
	}
	if (dst_len < 3)
		return;
	memcpy(dst, "./", 2);
	n = 2;
	for (p = from_file + common; *p; p++)
		if (*p == '/' && n + 4 < dst_len) {
			memcpy(dst + n, "../", 3);
			n += 3;
		}
	for (p = to_file + common; *p && n + 1 < dst_len; p++)
		dst[n++] = *p;
	dst[n] = '\0';
}

/* Locators hold Windows paths (spec "Parent Locator": W2ku absolute,
 * W2ru relative); we keep '/' paths and swap separators at the edge. */
void vhd_path_to_windows(const char *src, char *dst, size_t dst_len)
{
	size_t n;

	for (n = 0; src[n] && n + 1 < dst_len; n++)
		dst[n] = src[n] == '/' ? '\\' : src[n];
	if (dst_len)
		dst[n] = '\0';
}

void vhd_path_from_windows(const char *src, char *dst, size_t dst_len)
{
	size_t n;

	/* A drive letter means nothing on our volumes: drop "X:". */
	if (((src[0] | 0x20) >= 'a' && (src[0] | 0x20) <= 'z') && src[1] == ':')
		src += 2;
	for (n = 0; src[n] && n + 1 < dst_len; n++)
		dst[n] = src[n] == '\\' ? '/' : src[n];
	if (dst_len)
		dst[n] = '\0';
}
