/*
 * cmd_regex: a small backtracking regular-expression matcher for
 * Where-Object -Match and Select-String (newlib has no regcomp). The
 * syntax is the common subset of .NET's and POSIX ERE listed in cmd.h;
 * matching is unanchored and case-insensitive unless asked otherwise
 * (Select-String -CaseSensitive), as PowerShell's is.
 *
 * The pattern compiles to nodes: characters, '.', classes, anchors and
 * groups, each with a quantifier {min,max}. A group holds a list of
 * alternatives, each a sequence of nodes. Matching is depth-first with
 * continuations, so a quantified group can give back iterations; a step
 * budget and a depth limit bound the work a hostile pattern can cause
 * (the parent's stack is 64 KiB).
 */
#include "partition/console/cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RE_NODES_MAX 256
#define RE_ALTS_MAX  128
#define RE_REP_MAX   1000       /* largest {m,n} bound */
#define RE_STEPS     200000
#define RE_DEPTH     96         /* about 200 bytes of stack each */

enum re_kind { RE_CHAR, RE_ANY, RE_CLASS, RE_BOL, RE_EOL, RE_GROUP };

struct re_node {
	enum re_kind kind;
	int min, max;                 /* max < 0: unbounded */
	int next;                     /* next node of the sequence, or -1 */
	int alt;                      /* RE_GROUP: first alternative */
	unsigned char c;              /* RE_CHAR, lower case */
	unsigned char set[32];        /* RE_CLASS: bitmap, both cases */
};

struct re_alt {
	int first;                    /* first node, -1: empty */
	int next;                     /* next alternative, -1: none */
};

struct cmd_regex {
	struct re_node node[RE_NODES_MAX];
	struct re_alt alt[RE_ALTS_MAX];
	int nnode, nalt;
	bool icase;                   /* characters match either case */
	const char *p;                /* parse cursor */
	const char *subject;
	long steps;
	int depth;
};

/* ---- parsing ---- */

static int new_node(struct cmd_regex *re, enum re_kind k)
{
	struct re_node *n;

	if (re->nnode == RE_NODES_MAX)
		return -E2BIG;
	n = &re->node[re->nnode];
	memset(n, 0, sizeof *n);
	n->kind = k;
	n->min = n->max = 1;
	n->next = -1;
	n->alt = -1;
	return re->nnode++;
}

static void set_bit(unsigned char *set, int c)
{
	set[c >> 3] |= (unsigned char)(1u << (c & 7));
}

/* A class member; with icase in both cases. */
static void set_add(unsigned char *set, unsigned c, bool icase)
{
	c = (unsigned char)c;
	set_bit(set, icase ? tolower((int)c) : (int)c);
	set_bit(set, icase ? toupper((int)c) : (int)c);
}

static bool set_has(const unsigned char *set, unsigned char c)
{
	return set[c >> 3] & (1u << (c & 7));
}

/* \d \w \s and their negations into set; false for other letters. */
static bool class_escape(unsigned char *set, char e)
{
	unsigned char tmp[32] = { 0 };
	char lower = (char)tolower((unsigned char)e);

	if (lower != 'd' && lower != 'w' && lower != 's')
		return false;
	for (unsigned c = 1; c < 256; c++)
		if ((lower == 'd' && isdigit((int)c)) ||
		    (lower == 'w' && (isalnum((int)c) || c == '_')) ||
		    (lower == 's' && isspace((int)c)))
			set_add(tmp, c, false);
	for (int i = 0; i < 32; i++)
		set[i] |= (unsigned char)(e == lower ? tmp[i] : ~tmp[i]);
	return true;
}

static char plain_escape(char e)
{
	return e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
}

/* One class member (a character or an escape); returns the character, or
 * -1 when it was a \d-style class (already added), -EINVAL at the end. */
static int class_char(struct cmd_regex *re, unsigned char *set)
{
	char c = *re->p;

	if (!c)
		return -EINVAL;
	re->p++;
	if (c != '\\')
		return (unsigned char)c;
	if (!*re->p)
		return -EINVAL;
	if (class_escape(set, *re->p)) {
		re->p++;
		return -1;
	}
	return (unsigned char)plain_escape(*re->p++);
}

static int parse_class(struct cmd_regex *re, struct re_node *n)
{
	unsigned char set[32] = { 0 };
	bool neg = *re->p == '^';
	int lo, hi;

	re->p += neg;
	do {
		if ((lo = class_char(re, set)) == -EINVAL)
			return -EINVAL;
		if (lo >= 0 && re->p[0] == '-' && re->p[1] && re->p[1] != ']') {
			re->p++;
			if ((hi = class_char(re, set)) < 0 || hi < lo)
				return -EINVAL;
			for (int c = lo; c <= hi; c++)
				set_add(set, (unsigned)c, re->icase);
		} else if (lo >= 0) {
			set_add(set, (unsigned)lo, re->icase);
		}
	} while (*re->p && *re->p != ']');
	if (*re->p++ != ']')
		return -EINVAL;
	for (int i = 0; i < 32; i++)
		n->set[i] = neg ? (unsigned char)~set[i] : set[i];
	n->set[0] &= (unsigned char)~1u;            /* never NUL */
	return 0;
}

static int parse_num(struct cmd_regex *re, int *out)
{
	int v = 0;

	if (!isdigit((unsigned char)*re->p))
		return -EINVAL;
	while (isdigit((unsigned char)*re->p)) {
		v = v * 10 + (*re->p++ - '0');
		if (v > RE_REP_MAX)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "{m}", "{m,}" or "{m,n}" at re->p (after '{'). */
static int parse_braces(struct cmd_regex *re, struct re_node *n)
{
	if (parse_num(re, &n->min))
		return -EINVAL;
	n->max = n->min;
	if (*re->p == ',') {
		re->p++;
		n->max = -1;
		if (*re->p != '}' && parse_num(re, &n->max))
			return -EINVAL;
	}
	if (*re->p++ != '}' || (n->max >= 0 && n->max < n->min))
		return -EINVAL;
	return 0;
}

static int parse_quant(struct cmd_regex *re, struct re_node *n)
{
	char q = *re->p;

	if (q == '*' || q == '+' || q == '?') {
		re->p++;
		n->min = q == '+';
		n->max = q == '?' ? 1 : -1;
	} else if (q == '{' && isdigit((unsigned char)re->p[1])) {
		re->p++;
		if (parse_braces(re, n))
			return -EINVAL;
	} else {
		return 0;
	}
	if (*re->p == '?')
		re->p++;                    /* lazy: same answer for a match test */
	if (*re->p == '*' || *re->p == '+' || *re->p == '?')
		return -EINVAL;             /* nested quantifier */
	return 0;
}

static int parse_alts(struct cmd_regex *re, int depth);

/* A character as the matcher compares it: lower case when case does not
 * count. */
static unsigned char fold(const struct cmd_regex *re, char c)
{
	unsigned char u = (unsigned char)c;

	return re->icase ? (unsigned char)tolower(u) : u;
}

static int parse_atom(struct cmd_regex *re, int depth)
{
	char c = *re->p++;
	int k;

	if (c == '*' || c == '+' || c == '?' || c == ')')
		return -EINVAL;
	k = new_node(re, c == '.' ? RE_ANY : c == '[' ? RE_CLASS :
		     c == '^' ? RE_BOL : c == '$' ? RE_EOL :
		     c == '(' ? RE_GROUP : RE_CHAR);
	if (k < 0)
		return k;
	if (c == '[' && parse_class(re, &re->node[k]))
		return -EINVAL;
	if (c == '(') {
		if (re->p[0] == '?' && re->p[1] == ':')
			re->p += 2;
		if ((re->node[k].alt = parse_alts(re, depth + 1)) < 0)
			return re->node[k].alt;
		if (*re->p++ != ')')
			return -EINVAL;
	}
	if (c == '\\') {
		if (!*re->p)
			return -EINVAL;
		if (class_escape(re->node[k].set, *re->p))
			re->node[k].kind = RE_CLASS;
		else
			re->node[k].c = fold(re, plain_escape(*re->p));
		re->p++;
	} else if (re->node[k].kind == RE_CHAR) {
		re->node[k].c = fold(re, c);
	}
	return parse_quant(re, &re->node[k]) ? -EINVAL : k;
}

/* A sequence up to '|', ')' or the end: its first node, or -1. */
static int parse_seq(struct cmd_regex *re, int depth)
{
	int first = -1, last = -1;

	while (*re->p && *re->p != '|' && *re->p != ')') {
		int k = parse_atom(re, depth);

		if (k < 0)
			return k == -1 ? -EINVAL : k;
		if (last >= 0)
			re->node[last].next = k;
		else
			first = k;
		last = k;
	}
	return first;
}

/* Alternatives separated by '|': the index of the first. */
static int parse_alts(struct cmd_regex *re, int depth)
{
	int head = -1, prev = -1;

	if (depth > 32)
		return -E2BIG;
	do {
		int a, first;

		if (head >= 0)
			re->p++;                    /* the '|' */
		first = parse_seq(re, depth);
		if (first < -1)
			return first;
		if (re->nalt == RE_ALTS_MAX)
			return -E2BIG;
		a = re->nalt++;
		re->alt[a].first = first;
		re->alt[a].next = -1;
		if (prev >= 0)
			re->alt[prev].next = a;
		else
			head = a;
		prev = a;
	} while (*re->p == '|');
	return head;
}

/* ---- matching ---- */

struct re_k {                 /* what follows a group iteration */
	const struct re_k *up;
	int node;
	int iter;
	const char *start;
};

static int m_seq(struct cmd_regex *re, int n, const char *s, const struct re_k *k);

static bool one(const struct cmd_regex *re, const struct re_node *n, const char *s)
{
	unsigned char c = (unsigned char)*s;

	if (!c)
		return false;
	if (n->kind == RE_ANY)
		return c != '\n';
	if (n->kind == RE_CLASS)
		return set_has(n->set, c);
	return fold(re, (char)c) == n->c;
}

static int m_group(struct cmd_regex *re, int n, const char *s, const struct re_k *up,
		   int iter)
{
	const struct re_node *g = &re->node[n];

	if (g->max < 0 || iter < g->max) {
		for (int a = g->alt; a >= 0; a = re->alt[a].next) {
			struct re_k k = { up, n, iter + 1, s };
			int r = m_seq(re, re->alt[a].first, s, &k);

			if (r)
				return r;
		}
	}
	return iter >= g->min ? m_seq(re, g->next, s, up) : 0;
}

/* The end of a group's alternative: iterate again, unless that iteration
 * matched nothing (an empty loop would never end). */
static int m_after(struct cmd_regex *re, const char *s, const struct re_k *k)
{
	if (s == k->start)
		return m_seq(re, re->node[k->node].next, s, k->up);
	return m_group(re, k->node, s, k->up, k->iter);
}

static int m_atom(struct cmd_regex *re, const struct re_node *n, const char *s,
		  const struct re_k *k)
{
	int count = 0;

	if (n->kind == RE_BOL || n->kind == RE_EOL) {
		if (n->kind == RE_BOL ? s != re->subject : *s != '\0')
			return n->min == 0 ? m_seq(re, n->next, s, k) : 0;
		return m_seq(re, n->next, s, k);
	}
	while ((n->max < 0 || count < n->max) && one(re, n, s + count))
		count++;
	for (; count >= n->min; count--) {
		int r = m_seq(re, n->next, s + count, k);

		if (r)
			return r;
	}
	return 0;
}

/* A single character, '.', class or anchor without a quantifier? */
static bool simple(const struct re_node *n)
{
	return n->kind != RE_GROUP && n->min == 1 && n->max == 1;
}

static int m_seq(struct cmd_regex *re, int n, const char *s, const struct re_k *k)
{
	int r;

	if (--re->steps < 0 || re->depth >= RE_DEPTH)
		return -E2BIG;
	for (; n >= 0 && simple(&re->node[n]); n = re->node[n].next) {
		const struct re_node *a = &re->node[n];

		if (a->kind == RE_BOL || a->kind == RE_EOL) {
			if (a->kind == RE_BOL ? s != re->subject : *s != '\0')
				return 0;
			continue;
		}
		if (!one(re, a, s++))
			return 0;
	}
	if (n < 0)
		return k ? m_after(re, s, k) : 1;
	re->depth++;
	if (re->node[n].kind == RE_GROUP)
		r = m_group(re, n, s, k, 0);
	else
		r = m_atom(re, &re->node[n], s, k);
	re->depth--;
	return r;
}

int cmd_regex_compile(const char *pattern, bool case_sensitive,
		      struct cmd_regex **out)
{
	struct cmd_regex *re = malloc(sizeof *re);
	int root;

	*out = NULL;
	if (!re)
		return -ENOMEM;
	re->nnode = re->nalt = 0;
	re->icase = !case_sensitive;
	re->p = pattern;
	root = new_node(re, RE_GROUP);          /* node 0, where exec starts */
	re->node[root].alt = parse_alts(re, 0);
	if (re->node[root].alt < 0 || *re->p) {
		int rc = re->node[root].alt == -E2BIG ? -E2BIG : -EINVAL;

		free(re);
		return rc;
	}
	*out = re;
	return 0;
}

/* Each call has its own step budget: one line's backtracking cannot use
 * up the next line's. */
int cmd_regex_exec(struct cmd_regex *re, const char *s)
{
	int r = 0;

	re->subject = s;
	re->steps = RE_STEPS;
	re->depth = 0;
	for (const char *at = s; r == 0; at++) {
		r = m_seq(re, 0, at, NULL);
		if (!*at)
			break;
	}
	return r;
}

void cmd_regex_free(struct cmd_regex *re)
{
	free(re);
}

int cmd_regex_match(const char *pattern, const char *s)
{
	struct cmd_regex *re;
	int r = cmd_regex_compile(pattern, false, &re);

	if (r == 0)
		r = cmd_regex_exec(re, s);
	cmd_regex_free(re);
	return r;
}
