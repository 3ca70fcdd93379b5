/* datefmt: .NET and -UFormat date formatting. See datefmt.h. */
#include "partition/time/datefmt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const day_names[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};
static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December",
};

struct out {
	char *buf;
	size_t n, len;
	bool over;
};

static void put(struct out *o, const char *s, size_t len)
{
	if (o->len + len >= o->n) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

/* v with at least width digits, padded with pad ('0' or ' '). */
static void putnum(struct out *o, int64_t v, int width, char pad)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%lld", (long long)(v < 0 ? -v : v));

	if (v < 0)
		putc_(o, '-');
	for (; width > len; width--)
		putc_(o, pad);
	put(o, tmp, (size_t)len);
}

static void putname(struct out *o, const char *name, bool abbrev)
{
	put(o, name, abbrev ? 3 : strlen(name));
}

static unsigned hour12(const struct civil_time *t)
{
	return t->hour % 12 ? t->hour % 12 : 12;
}

static int finish(struct out *o)
{
	return o->over ? -ENOSPC : (int)o->len;
}

/* ---- .NET custom specifiers ---------------------------------------------- */

/* The first k digits (1-7) of the fraction, in 100 ns units as .NET keeps
 * them; with trim, trailing zeros go, and a '.' just before nothing too. */
static void put_fraction(struct out *o, const struct civil_time *t, int k, bool trim)
{
	char digits[8];

	snprintf(digits, sizeof(digits), "%07u", (unsigned)(t->nsec / 100 % 10000000));
	if (trim)
		while (k > 0 && digits[k - 1] == '0')
			k--;
	if (!k && trim && o->len && o->buf[o->len - 1] == '.')
		o->buf[--o->len] = '\0';
	put(o, digits, (size_t)k);
}

static void put_year(struct out *o, const struct civil_time *t, int k)
{
	if (k <= 2)
		putnum(o, t->year % 100, k, '0');
	else
		putnum(o, t->year, k, '0');
}

static void put_offset(struct out *o, int k)
{
	puts_(o, k == 1 ? "+0" : k == 2 ? "+00" : "+00:00");
}

/* One run of k identical specifier letters c. Returns -EINVAL for a run
 * .NET rejects (more than seven f or F). */
static int put_custom(struct out *o, const struct civil_time *t, char c, int k)
{
	int two = k >= 2 ? 2 : 1;

	switch (c) {
	case 'd': if (k <= 2) putnum(o, t->day, k, '0'); else putname(o, day_names[t->wday], k == 3); break;
	case 'M': if (k <= 2) putnum(o, t->month, k, '0'); else putname(o, month_names[t->month - 1], k == 3); break;
	case 'y': put_year(o, t, k); break;
	case 'h': putnum(o, hour12(t), two, '0'); break;
	case 'H': putnum(o, t->hour, two, '0'); break;
	case 'm': putnum(o, t->minute, two, '0'); break;
	case 's': putnum(o, t->second, two, '0'); break;
	case 'f': case 'F':
		if (k > 7)
			return -EINVAL;
		put_fraction(o, t, k, c == 'F');
		break;
	case 't': puts_(o, k == 1 ? (t->hour < 12 ? "A" : "P") : (t->hour < 12 ? "AM" : "PM")); break;
	case 'z': put_offset(o, k); break;
	case 'K': for (int i = 0; i < k; i++) put_offset(o, 3); break;
	case 'g': puts_(o, "A.D."); break;
	default: return -EINVAL;
	}
	return 0;
}

static bool is_specifier(char c)
{
	return c && strchr("dMyhHmsfFtzKg", c);
}

/* A quoted literal starting at *p (the quote); -EINVAL if unterminated. */
static int put_quoted(struct out *o, const char **p)
{
	char q = **p;
	const char *s = *p + 1;

	for (; *s && *s != q; s++) {
		if (*s == '\\' && s[1])
			s++;
		putc_(o, *s);
	}
	if (!*s)
		return -EINVAL;
	*p = s + 1;
	return 0;
}

/* Escapes and literals: returns 1 when *p was consumed as one, 0 when it
 * is a specifier, or -EINVAL. */
static int put_literal(struct out *o, const char **p)
{
	const char *s = *p;

	if (*s == '\'' || *s == '"')
		return put_quoted(o, p) ? -EINVAL : 1;
	if (*s == '\\') {
		if (!s[1])
			return -EINVAL;
		putc_(o, s[1]);
		*p = s + 2;
		return 1;
	}
	if (is_specifier(*s))
		return 0;
	putc_(o, *s);     /* ':' and '/' are ":" and "/" in en-US, like any other */
	*p = s + 1;
	return 1;
}

static int custom(struct out *o, const struct civil_time *t, const char *fmt)
{
	const char *p = fmt;

	while (*p) {
		int r, k = 1;

		if (*p == '%') {
			if (!is_specifier(p[1]))
				return -EINVAL;
			p++;
		} else if ((r = put_literal(o, &p)) != 0) {
			if (r < 0)
				return r;
			continue;
		} else {
			while (p[k] == *p)
				k++;
		}
		if (put_custom(o, t, *p, k))
			return -EINVAL;
		p += k;
	}
	return 0;
}

/* ---- .NET standard formats (en-US patterns) ------------------------------- */

static const struct { char c; const char *pattern; } standard[] = {
	{ 'd', "M/d/yyyy" },
	{ 'D', "dddd, MMMM d, yyyy" },
	{ 'f', "dddd, MMMM d, yyyy h:mm tt" },
	{ 'F', "dddd, MMMM d, yyyy h:mm:ss tt" },
	{ 'g', "M/d/yyyy h:mm tt" },
	{ 'G', "M/d/yyyy h:mm:ss tt" },
	{ 'm', "MMMM d" },
	{ 'M', "MMMM d" },
	{ 'o', "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK" },
	{ 'O', "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK" },
	{ 'r', "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'" },
	{ 'R', "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'" },
	{ 's', "yyyy'-'MM'-'dd'T'HH':'mm':'ss" },
	{ 't', "h:mm tt" },
	{ 'T', "h:mm:ss tt" },
	{ 'u', "yyyy'-'MM'-'dd HH':'mm':'ss'Z'" },
	{ 'U', "dddd, MMMM d, yyyy h:mm:ss tt" },
	{ 'y', "MMMM yyyy" },
	{ 'Y', "MMMM yyyy" },
};

int datefmt_dotnet(char *buf, size_t n, const struct civil_time *t, const char *fmt)
{
	struct out o = { buf, n, 0, false };

	if (!n)
		return -ENOSPC;
	buf[0] = '\0';
	if (!fmt || !*fmt)
		fmt = "G";
	if (strlen(fmt) == 1) {
		for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]); i++)
			if (standard[i].c == fmt[0])
				return custom(&o, t, standard[i].pattern) ? -EINVAL : finish(&o);
		return -EINVAL;
	}
	if (custom(&o, t, fmt))
		return -EINVAL;
	return finish(&o);
}

/* ---- -UFormat ------------------------------------------------------------- */

/* Conversions that are other conversions put together. */
static const char *u_composite(char c)
{
	switch (c) {
	case 'c': return "%a %b %d %H:%M:%S %Y";
	case 'D': case 'x': return "%m/%d/%y";
	case 'F': return "%Y-%m-%d";
	case 'r': return "%I:%M:%S %p";
	case 'R': return "%H:%M";
	case 'T': case 'X': return "%H:%M:%S";
	default: return NULL;
	}
}

static void u_one(struct out *o, const struct civil_time *t, int64_t epoch, char c)
{
	switch (c) {
	case 'a': putname(o, day_names[t->wday], true); break;
	case 'A': putname(o, day_names[t->wday], false); break;
	case 'b': case 'h': putname(o, month_names[t->month - 1], true); break;
	case 'B': putname(o, month_names[t->month - 1], false); break;
	case 'C': putnum(o, t->year / 100, 2, '0'); break;
	case 'd': putnum(o, t->day, 2, '0'); break;
	case 'e': putnum(o, t->day, 2, ' '); break;
	case 'H': putnum(o, t->hour, 2, '0'); break;
	case 'I': putnum(o, hour12(t), 2, '0'); break;
	case 'j': putnum(o, t->yday + 1, 3, '0'); break;
	case 'k': putnum(o, t->hour, 2, ' '); break;
	case 'l': putnum(o, hour12(t), 2, ' '); break;
	case 'm': putnum(o, t->month, 2, '0'); break;
	case 'M': putnum(o, t->minute, 2, '0'); break;
	case 'n': putc_(o, '\n'); break;
	case 'p': puts_(o, t->hour < 12 ? "AM" : "PM"); break;
	case 's': putnum(o, epoch, 1, '0'); break;
	case 'S': putnum(o, t->second, 2, '0'); break;
	case 't': putc_(o, '\t'); break;
	case 'u': putnum(o, t->wday ? t->wday : 7, 1, '0'); break;
	case 'w': putnum(o, t->wday, 1, '0'); break;
	case 'y': putnum(o, t->year % 100, 2, '0'); break;
	case 'Y': putnum(o, t->year, 4, '0'); break;
	case 'Z': puts_(o, "+00"); break;
	case '%': putc_(o, '%'); break;
	default: putc_(o, '%'); putc_(o, c); break;   /* not a conversion: as typed */
	}
}

static void uformat(struct out *o, const struct civil_time *t, int64_t epoch, const char *fmt)
{
	for (const char *p = fmt; *p; p++) {
		const char *sub;

		if (*p != '%' || !p[1]) {
			putc_(o, *p);
			continue;
		}
		p++;
		sub = u_composite(*p);
		if (sub)
			uformat(o, t, epoch, sub);
		else
			u_one(o, t, epoch, *p);
	}
}

int datefmt_uformat(char *buf, size_t n, const struct civil_time *t, int64_t epoch,
		    const char *fmt)
{
	struct out o = { buf, n, 0, false };

	if (!n)
		return -ENOSPC;
	buf[0] = '\0';
	uformat(&o, t, epoch, fmt ? fmt : "");
	return finish(&o);
}
