/*
 * The document layer of the VM configuration format (docs/vm-config.md):
 * lines of "[Section]" and "Key = value", comments and blank lines. Every
 * check names the line, because a person edits these files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partition/vmconfig/vmcfg_priv.h"

int vmcfg_fail(struct vmcfg_error *err, int line, int rc, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static bool name_ok(const char *s, size_t n)
{
	if (!n || n >= VMCFG_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int items(const struct vmcfg_doc *doc)
{
	int t = doc->n;

	for (int i = 0; i < doc->n; i++)
		t += doc->s[i].n;
	return t;
}

/* ---- Accessors ---- */

struct vmcfg_section *vmcfg_section(const struct vmcfg_doc *doc, const char *name, int idx)
{
	for (int i = 0; i < doc->n; i++)
		if (!strcasecmp(doc->s[i].name, name) && idx-- == 0)
			return &doc->s[i];
	return NULL;
}

int vmcfg_section_count(const struct vmcfg_doc *doc, const char *name)
{
	int c = 0;

	for (int i = 0; i < doc->n; i++)
		c += !strcasecmp(doc->s[i].name, name);
	return c;
}

static struct vmcfg_section *section_new(struct vmcfg_doc *doc, const char *name, size_t len,
					 int line)
{
	struct vmcfg_section *s;

	if (items(doc) >= VMCFG_ITEMS_MAX)
		return NULL;
	if (doc->n == doc->cap) {
		int cap = doc->cap ? doc->cap * 2 : 4;
		struct vmcfg_section *ns = realloc(doc->s, (size_t)cap * sizeof(*ns));

		if (!ns)
			return NULL;
		doc->s = ns;
		doc->cap = cap;
	}
	s = &doc->s[doc->n];
	memset(s, 0, sizeof(*s));
	s->name = dup_n(name, len);
	if (!s->name)
		return NULL;
	s->line = line;
	doc->n++;
	return s;
}

struct vmcfg_section *vmcfg_section_add(struct vmcfg_doc *doc, const char *name)
{
	if (!name_ok(name, strlen(name)))
		return NULL;
	return section_new(doc, name, strlen(name), 0);
}

struct vmcfg_entry *vmcfg_find(const struct vmcfg_section *s, const char *key, int idx)
{
	for (int i = 0; s && i < s->n; i++)
		if (!strcasecmp(s->e[i].key, key) && idx-- == 0)
			return &s->e[i];
	return NULL;
}

const char *vmcfg_get(const struct vmcfg_section *s, const char *key)
{
	const struct vmcfg_entry *e = vmcfg_find(s, key, 0);

	return e ? e->value : NULL;
}

static int entry_new(struct vmcfg_section *s, const char *key, size_t klen, const char *val,
		     size_t vlen, int line)
{
	struct vmcfg_entry *e;

	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		struct vmcfg_entry *ne = realloc(s->e, (size_t)cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		s->e = ne;
		s->cap = cap;
	}
	e = &s->e[s->n];
	e->key = dup_n(key, klen);
	e->value = dup_n(val, vlen);
	e->line = line;
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

int vmcfg_add(struct vmcfg_section *s, const char *key, const char *value)
{
	if (!name_ok(key, strlen(key)) || strlen(value) > VMCFG_VALUE_MAX)
		return -EINVAL;
	return entry_new(s, key, strlen(key), value, strlen(value), 0);
}

static void entry_drop(struct vmcfg_section *s, int i)
{
	free(s->e[i].key);
	free(s->e[i].value);
	memmove(&s->e[i], &s->e[i + 1], (size_t)(s->n - i - 1) * sizeof(s->e[0]));
	s->n--;
}

int vmcfg_set(struct vmcfg_section *s, const char *key, const char *value)
{
	struct vmcfg_entry *first = vmcfg_find(s, key, 0);
	char *v;

	for (int i = s->n - 1; i >= 0; i--)
		if (!strcasecmp(s->e[i].key, key) && (!value || &s->e[i] != first))
			entry_drop(s, i);
	if (!value)
		return 0;
	first = vmcfg_find(s, key, 0);
	if (!first)
		return vmcfg_add(s, key, value);
	if (strlen(value) > VMCFG_VALUE_MAX)
		return -EINVAL;
	v = dup_n(value, strlen(value));
	if (!v)
		return -ENOMEM;
	free(first->value);
	first->value = v;
	return 0;
}

void vmcfg_section_remove(struct vmcfg_doc *doc, struct vmcfg_section *s)
{
	int i = (int)(s - doc->s);

	if (i < 0 || i >= doc->n)
		return;
	while (s->n)
		entry_drop(s, s->n - 1);
	free(s->e);
	free(s->name);
	memmove(&doc->s[i], &doc->s[i + 1], (size_t)(doc->n - i - 1) * sizeof(doc->s[0]));
	doc->n--;
}

void vmcfg_free(struct vmcfg_doc *doc)
{
	for (int i = 0; i < doc->n; i++) {
		for (int j = 0; j < doc->s[i].n; j++) {
			free(doc->s[i].e[j].key);
			free(doc->s[i].e[j].value);
		}
		free(doc->s[i].e);
		free(doc->s[i].name);
	}
	free(doc->s);
	memset(doc, 0, sizeof(*doc));
}

/* ---- Parsing ---- */

int vmcfg_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A quoted value: "..." with \\ \" \n \r \t \xHH; out has room for len bytes. */
static int unquote(const char *p, size_t len, char *out, size_t *olen, int line,
		   struct vmcfg_error *err)
{
	size_t i = 1, o = 0;

	while (i < len && p[i] != '"') {
		char c = p[i++];

		if (c == '\\') {
			char x = i < len ? p[i++] : '\0';
			int h1, h2;

			switch (x) {
			case '\\': case '"': c = x; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'x':
				h1 = i < len ? vmcfg_hexval(p[i]) : -1;
				h2 = i + 1 < len ? vmcfg_hexval(p[i + 1]) : -1;
				if (h1 < 0 || h2 < 0 || (h1 | h2) == 0)
					return vmcfg_fail(err, line, -EINVAL, "bad \\x escape (two hex digits, not 00)");
				c = (char)(h1 << 4 | h2);
				i += 2;
				break;
			default:
				return vmcfg_fail(err, line, -EINVAL, "unknown escape in a quoted value");
			}
		}
		out[o++] = c;
	}
	if (i >= len)
		return vmcfg_fail(err, line, -EINVAL, "quoted value has no closing quote");
	for (i++; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return vmcfg_fail(err, line, -EINVAL, "text after a quoted value");
	*olen = o;
	return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

static int parse_entry(struct vmcfg_doc *doc, const char *p, const char *end, int line,
		       struct vmcfg_error *err)
{
	const char *eq = memchr(p, '=', (size_t)(end - p)), *k_end, *v;
	char vbuf[VMCFG_LINE_MAX];
	size_t vlen = 0;
	int rc;

	if (!eq)
		return vmcfg_fail(err, line, -EINVAL, "expected \"Key = value\" or \"[Section]\"");
	k_end = trim_end(p, eq);
	if (!name_ok(p, (size_t)(k_end - p)))
		return vmcfg_fail(err, line, -EINVAL,
			    "bad key (letters, digits, '_', '-' and '.', at most %u)",
			    VMCFG_KEY_MAX - 1);
	if (!doc->n)
		return vmcfg_fail(err, line, -EINVAL, "key before the first [Section]");
	v = skip_ws(eq + 1, end);
	if (v < end && *v == '"') {
		rc = unquote(v, (size_t)(end - v), vbuf, &vlen, line, err);
		if (rc)
			return rc;
	} else {
		vlen = (size_t)(trim_end(v, end) - v);
		memcpy(vbuf, v, vlen);
	}
	if (vlen > VMCFG_VALUE_MAX)
		return vmcfg_fail(err, line, -E2BIG, "value longer than %u bytes", VMCFG_VALUE_MAX);
	if (items(doc) >= VMCFG_ITEMS_MAX)
		return vmcfg_fail(err, line, -E2BIG, "more than %d sections and keys", VMCFG_ITEMS_MAX);
	rc = entry_new(&doc->s[doc->n - 1], p, (size_t)(k_end - p), vbuf, vlen, line);
	return rc ? vmcfg_fail(err, line, rc, "out of memory") : 0;
}

static int parse_section(struct vmcfg_doc *doc, const char *p, const char *end, int line,
			 struct vmcfg_error *err)
{
	const char *close = memchr(p, ']', (size_t)(end - p)), *n, *n_end;

	if (!close || skip_ws(close + 1, end) != end)
		return vmcfg_fail(err, line, -EINVAL, "a section line is \"[Name]\" and nothing else");
	n = skip_ws(p + 1, close);
	n_end = trim_end(n, close);
	if (!name_ok(n, (size_t)(n_end - n)))
		return vmcfg_fail(err, line, -EINVAL, "bad section name");
	if (items(doc) >= VMCFG_ITEMS_MAX)
		return vmcfg_fail(err, line, -E2BIG, "more than %d sections and keys", VMCFG_ITEMS_MAX);
	if (!section_new(doc, n, (size_t)(n_end - n), line))
		return vmcfg_fail(err, line, -ENOMEM, "out of memory");
	return 0;
}

/* Control characters other than tab have no place in a line (a quoted
 * value spells them as escapes); a NUL usually means a damaged file. */
static int line_check(const char *p, const char *end, int line, struct vmcfg_error *err)
{
	if ((size_t)(end - p) > VMCFG_LINE_MAX)
		return vmcfg_fail(err, line, -E2BIG, "line longer than %u bytes", VMCFG_LINE_MAX);
	for (const char *q = p; q < end; q++)
		if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
			return vmcfg_fail(err, line, -EINVAL, "control character 0x%02x at column %d",
				    (unsigned char)*q, (int)(q - p) + 1);
	return 0;
}

static int parse_line(struct vmcfg_doc *doc, const char *p, const char *end, int line,
		      struct vmcfg_error *err)
{
	int rc;

	if (end > p && end[-1] == '\r')
		end--;
	rc = line_check(p, end, line, err);
	if (rc)
		return rc;
	p = skip_ws(p, end);
	end = trim_end(p, end);
	if (p == end || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return parse_section(doc, p, end, line, err);
	return parse_entry(doc, p, end, line, err);
}

int vmcfg_parse(const char *text, size_t len, struct vmcfg_doc *doc, struct vmcfg_error *err)
{
	const char *p = text, *end = text + len;
	int line = 1, rc = 0;

	memset(doc, 0, sizeof(*doc));
	err->line = 0;
	err->msg[0] = '\0';
	if (len > VMCFG_FILE_MAX)
		return vmcfg_fail(err, 0, -EFBIG, "file larger than %u bytes", VMCFG_FILE_MAX);
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		rc = parse_line(doc, p, le, line++, err);
		p = nl ? nl + 1 : end;
	}
	if (rc)
		vmcfg_free(doc);
	return rc;
}

/* ---- Writing ---- */

struct outbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void out_put(struct outbuf *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->len + n + 1) * 2;
		char *np = realloc(o->p, cap);

		if (!np) {
			o->oom = true;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct outbuf *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Written as it is unless reading it back would change it: edge spaces,
 * a leading quote, control characters. */
static bool needs_quotes(const char *v)
{
	size_t n = strlen(v);

	if (n && (v[0] == ' ' || v[0] == '\t' || v[0] == '"' || v[n - 1] == ' ' ||
		  v[n - 1] == '\t'))
		return true;
	for (; *v; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return true;
	return false;
}

static void out_quoted(struct outbuf *o, const char *v)
{
	out_str(o, "\"");
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		char esc[5];

		if (c == '\\' || c == '"') {
			esc[0] = '\\';
			esc[1] = (char)c;
			out_put(o, esc, 2);
		} else if (c == '\n') {
			out_str(o, "\\n");
		} else if (c == '\r') {
			out_str(o, "\\r");
		} else if (c == '\t') {
			out_str(o, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			out_str(o, esc);
		} else {
			out_put(o, v, 1);
		}
	}
	out_str(o, "\"");
}

char *vmcfg_write(const struct vmcfg_doc *doc, size_t *len)
{
	struct outbuf o = { 0 };

	out_str(&o, "# hvpart virtual machine configuration (format: docs/vm-config.md).\n"
		    "# The parent rewrites this file on New-VM and Set-VM; comments are not kept.\n");
	for (int i = 0; i < doc->n; i++) {
		const struct vmcfg_section *s = &doc->s[i];

		out_str(&o, "\n[");
		out_str(&o, s->name);
		out_str(&o, "]\n");
		for (int j = 0; j < s->n; j++) {
			out_str(&o, s->e[j].key);
			out_str(&o, s->e[j].value[0] ? " = " : " =");   /* no trailing blank */
			if (needs_quotes(s->e[j].value))
				out_quoted(&o, s->e[j].value);
			else
				out_str(&o, s->e[j].value);
			out_str(&o, "\n");
		}
	}
	if (o.oom) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}
