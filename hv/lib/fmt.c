/* vsnprintf for hv: %d %i %u %x %X %p %s %c %% with flags '-', '0', '#',
 * width, precision for %s, and length modifiers l, ll, z. No floating
 * point: hv is built with general registers only. */
#include <hv/lib.h>
#include <stdbool.h>

struct out {
	char *buf;
	size_t size, len;
};

static void out_ch(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	bool left, zero, alt;
	int width, prec;
};

static void out_pad(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	size_t w = sp->width > 0 ? (size_t)sp->width : 0;
	char pad = sp->zero && !sp->left ? '0' : ' ';

	if (!sp->left)
		for (; w > n; w--)
			out_ch(o, pad);
	for (size_t i = 0; i < n; i++)
		out_ch(o, s[i]);
	if (sp->left)
		for (; w > n; w--)
			out_ch(o, ' ');
}

static void out_num(struct out *o, uint64_t v, bool neg, unsigned base,
		    bool upper, const struct spec *sp)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = dig[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	out_pad(o, tmp + sizeof(tmp) - n, n, sp);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.') {
		sp->prec = 0;
		for (f++; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	return f;
}

static void fmt_one(struct out *o, char conv, int lng, const struct spec *sp, va_list *ap)
{
	uint64_t u;
	int64_t s;

	switch (conv) {
	case 'd': case 'i':
		s = lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		out_num(o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, false, sp);
		break;
	case 'u': case 'x': case 'X':
		u = lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned);
		if (sp->alt && conv != 'u') {
			out_ch(o, '0');
			out_ch(o, conv);
		}
		out_num(o, u, false, conv == 'u' ? 10 : 16, conv == 'X', sp);
		break;
	case 'p':
		out_ch(o, '0');
		out_ch(o, 'x');
		out_num(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		out_pad(o, &c, 1, sp);
		break;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);
		size_t n = 0;

		if (!str)
			str = "(null)";
		while (str[n] && (sp->prec < 0 || n < (size_t)sp->prec))
			n++;
		out_pad(o, str, n, sp);
		break;
	}
	default:
		out_ch(o, '%');
		out_ch(o, conv);
	}
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	for (const char *f = fmt; *f; f++) {
		struct spec sp;
		int lng = 0;

		if (*f != '%') {
			out_ch(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp);
		while (*f == 'l' || *f == 'z') {
			lng = 1;
			f++;
		}
		if (!*f)
			break;
		if (*f == '%')
			out_ch(&o, '%');
		else
			fmt_one(&o, *f, lng, &sp, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
