/* cmd_conv: value conversions and wildcard matching for the cmdlet parser. */
#include "partition/console/cmd.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (base == 16 && isxdigit((unsigned char)c))
		v = tolower((unsigned char)c) - 'a' + 10;
	else
		return -1;
	return v;
}

/* Parse an unsigned run of digits; *end gets the stop position. */
static int parse_uint(const char *s, unsigned base, uint64_t *out,
		      const char **end)
{
	uint64_t v = 0;
	int d, nd = 0, rc = 0;

	for (; (d = digit_value(*s, base)) >= 0; s++, nd++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			rc = -ERANGE;
		else
			v = v * base + (uint64_t)d;
	}
	*end = s;
	*out = v;
	return nd ? rc : -EINVAL;
}

int cmd_parse_int(const char *s, int64_t *out)
{
	bool neg = false;
	unsigned base = 10;
	uint64_t mag;
	const char *end;
	int rc;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	rc = parse_uint(s, base, &mag, &end);
	if (rc == 0 && *end)
		rc = -EINVAL;
	if (rc)
		return rc;
	if (mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return -ERANGE;
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int size_shift(const char *suffix, unsigned *shift)
{
	static const char units[] = "KMGTP";
	const char *u;

	if (!*suffix) {
		*shift = 0;
		return 0;
	}
	if (!suffix[0] || tolower((unsigned char)suffix[1]) != 'b' || suffix[2])
		return -EINVAL;
	u = strchr(units, toupper((unsigned char)suffix[0]));
	if (!u || !*u)
		return -EINVAL;
	*shift = 10u * (unsigned)(u - units + 1);
	return 0;
}

/* Fraction digits after '.', scaled by 2^shift and rounded to nearest.
 * Doubles the decimal digits shift times (no 128-bit arithmetic needed);
 * digits past the 18th are ignored. */
static int parse_fraction(const char *s, unsigned shift, uint64_t *out,
			  const char **end)
{
	uint8_t dig[18];
	int nd = 0, total = 0;
	uint64_t ip = 0;

	for (; *s >= '0' && *s <= '9'; s++, total++)
		if (nd < 18)
			dig[nd++] = (uint8_t)(*s - '0');
	*end = s;
	if (total == 0)
		return -EINVAL;
	for (unsigned k = 0; k < shift; k++) {
		unsigned carry = 0;

		for (int i = nd - 1; i >= 0; i--) {
			unsigned v = dig[i] * 2u + carry;

			dig[i] = (uint8_t)(v % 10);
			carry = v / 10;
		}
		ip = ip * 2 + carry;
	}
	*out = ip + (dig[0] >= 5);
	return 0;
}

int cmd_parse_size(const char *s, uint64_t *out)
{
	uint64_t whole, frac = 0;
	const char *p, *q;
	unsigned shift;
	int rc = parse_uint(s, 10, &whole, &p);

	if (rc == -EINVAL)
		return rc;
	q = p;
	if (*p == '.' && parse_fraction(p + 1, 0, &frac, &q) < 0)
		return -EINVAL;
	if (size_shift(q, &shift) < 0)
		return -EINVAL;
	if (*p == '.')
		parse_fraction(p + 1, shift, &frac, &q);
	if (rc)
		return rc;
	if (shift && whole > (UINT64_MAX >> shift))
		return -ERANGE;
	whole <<= shift;
	if (whole > UINT64_MAX - frac)
		return -ERANGE;
	*out = whole + frac;
	return 0;
}

/* One decimal field of a time span; max 0: no limit. */
static int span_field(const char **s, uint64_t max, uint64_t *out)
{
	const char *end;
	int rc = parse_uint(*s, 10, out, &end);

	if (rc)
		return rc;
	if (max && *out >= max)
		return -ERANGE;
	*s = end;
	return 0;
}

/* "h:m[:s]" after the days (or with h already read when days is NULL). */
static int span_clock(const char **s, uint64_t h, uint64_t *out)
{
	uint64_t m, sec = 0;
	int rc;

	if (h >= 24)
		return -ERANGE;
	if (*(*s)++ != ':')
		return -EINVAL;
	if ((rc = span_field(s, 60, &m)) != 0)
		return rc;
	if (**s == ':') {
		(*s)++;
		if ((rc = span_field(s, 60, &sec)) != 0)
			return rc;
	}
	*out = h * 3600 + m * 60 + sec;
	return **s ? -EINVAL : 0;
}

int cmd_parse_span(const char *s, uint64_t *out)
{
	uint64_t a, d = 0, h, clock = 0;
	int rc = span_field(&s, 0, &a);

	if (rc)
		return rc;
	if (!*s) {                              /* "d" */
		d = a;
	} else if (*s == '.') {                 /* "d.h:m[:s]" */
		d = a;
		s++;
		if ((rc = span_field(&s, 0, &h)) != 0 ||
		    (rc = span_clock(&s, h, &clock)) != 0)
			return rc;
	} else if ((rc = span_clock(&s, a, &clock)) != 0) {
		return rc;                      /* "h:m[:s]" */
	}
	if (d > (UINT64_MAX - 86399) / 86400)
		return -ERANGE;
	*out = d * 86400 + clock;
	return 0;
}

static bool word_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

int cmd_parse_bool(const char *s, int64_t *out)
{
	if (word_eq(s, "$true") || word_eq(s, "true") || strcmp(s, "1") == 0)
		*out = 1;
	else if (word_eq(s, "$false") || word_eq(s, "false") ||
		 strcmp(s, "0") == 0)
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

bool cmd_match_glob(const char *pat, const char *name)
{
	const char *star = NULL, *resume = NULL;

	while (*name) {
		if (*pat == '*') {
			star = ++pat;
			resume = name;
		} else if (*pat == '?' || (*pat && tolower((unsigned char)*pat) ==
					   tolower((unsigned char)*name))) {
			pat++;
			name++;
		} else if (star) {
			pat = star;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
