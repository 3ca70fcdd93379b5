/*
 * cmd_core: the built-in pipeline cmdlets: Get-Command, Where-Object
 * (cmd_where.c), Select-Object, Select-String (cmd_text.c), Sort-Object,
 * Measure-Object, Format-Table and Format-List. Property names given to them may hold wildcards, which
 * are matched against the first input object's properties.
 */
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- property lists ---- */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

static bool col_has(const struct cmd_column *c, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (cmd_name_eq(c[i].prop, name))
			return true;
	return false;
}

/* One -Property item into cols: a pattern's matches in the first object,
 * or the name as the object spells it (or as given). */
static int expand_one(const char *pat, const struct cmd_obj *first,
		      struct cmd_column *cols, int n, int max)
{
	const struct cmd_val *v = first ? cmd_obj_get(first, pat) : NULL;

	for (int i = 0; first && has_glob(pat) && i < first->nprops; i++)
		if (n < max && cmd_match_glob(pat, first->props[i].name) &&
		    !col_has(cols, n, first->props[i].name))
			cols[n++] = (struct cmd_column){ first->props[i].name,
							 NULL, 0 };
	if (has_glob(pat) || n >= max)
		return n;
	for (int i = 0; v && i < first->nprops; i++)
		if (&first->props[i].v == v)
			pat = first->props[i].name;
	if (!col_has(cols, n, pat))
		cols[n++] = (struct cmd_column){ pat, NULL, 0 };
	return n;
}

static int expand_props(const struct cmd_args *a, const struct cmd_obj *first,
			struct cmd_column *cols, int max)
{
	int n = 0;

	for (int i = 0; i < cmd_arg_count(a, "Property"); i++)
		n = expand_one(cmd_arg_str_at(a, "Property", i), first, cols,
			       n, max);
	return n;
}

static const struct cmd_obj *const *in_objs(const struct cmd_ctx *ctx)
{
	return (const struct cmd_obj *const *)ctx->in->v;
}

/* ---- Select-Object ---- */

static int select_one(struct cmd_ctx *ctx, struct cmd_obj *o,
		      const struct cmd_column *cols, int ncols,
		      const char *expand)
{
	struct cmd_prop p[CMD_PROPS_MAX];
	const struct cmd_val *v;

	if (expand) {
		if (!(v = cmd_obj_get(o, expand)) || v->type == CMD_V_NULL)
			return cmd_perr(ctx, ctx->cmd, 0, "Property \"%s\" "
					"cannot be found.", expand);
		p[0] = (struct cmd_prop){ expand, *v };
		return cmd_emit(ctx, &cmd_type_value, p, 1);
	}
	if (!cols)
		return cmd_emit_obj(ctx, o);
	for (int i = 0; i < ncols; i++) {
		v = cmd_obj_get(o, cols[i].prop);
		p[i].name = cols[i].prop;
		p[i].v = v ? *v : (struct cmd_val){ CMD_V_NULL, NULL, 0, 0,
						     NULL };
	}
	return cmd_emit(ctx, &cmd_type_custom, p, ncols);
}

/* The range of the input that -First, -Last and -Skip leave. */
static int select_range(struct cmd_ctx *ctx, const struct cmd_args *a,
			int *from, int *to)
{
	int64_t first = cmd_arg_int(a, "First", -1);
	int64_t last = cmd_arg_int(a, "Last", -1);
	int64_t skip = cmd_arg_int(a, "Skip", 0);
	int n = ctx->in->n;

	if ((cmd_arg_at(a, "First", 0) && first < 0) ||
	    (cmd_arg_at(a, "Last", 0) && last < 0) || skip < 0)
		return cmd_perr(ctx, a->def, -EINVAL, "-First, -Last and -Skip "
				"take numbers of 0 or more.");
	*from = skip < n ? (int)skip : n;
	*to = n;
	if (first >= 0 && first < *to - *from)
		*to = *from + (int)first;
	if (last >= 0 && last < *to - *from)
		*from = *to - (int)last;
	return 0;
}

static int select_object(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_column cols[CMD_PROPS_MAX];
	const char *expand = cmd_arg_str(a, "ExpandProperty");
	int from = 0, to = 0, ncols = 0, rc;

	if ((rc = select_range(ctx, a, &from, &to)) != 0 || from >= to)
		return rc;
	if (cmd_arg_count(a, "Property"))
		ncols = expand_props(a, ctx->in->v[from], cols, CMD_PROPS_MAX);
	for (int i = from; rc == 0 && i < to; i++)
		rc = select_one(ctx, ctx->in->v[i], ncols ? cols : NULL, ncols,
				expand);
	return rc;
}

/* ---- Sort-Object ---- */

struct sort_key {
	struct cmd_column cols[CMD_PROPS_MAX];
	int ncols;
	bool desc;
};

static int obj_cmp(const struct cmd_obj *x, const struct cmd_obj *y,
		   const struct sort_key *k)
{
	static const struct cmd_val none = { CMD_V_NULL, NULL, 0, 0, NULL };

	for (int i = 0; i < k->ncols; i++) {
		const struct cmd_val *a = cmd_obj_get(x, k->cols[i].prop);
		const struct cmd_val *b = cmd_obj_get(y, k->cols[i].prop);
		int c;

		if (x->type == &cmd_type_value && y->type == &cmd_type_value)
			a = &x->props[0].v, b = &y->props[0].v;
		c = cmd_val_cmp(a ? a : &none, b ? b : &none);
		if (c)
			return k->desc ? -c : c;
	}
	return 0;
}

/* A stable merge sort (PowerShell's Sort-Object keeps equal objects in
 * their input order). */
static void merge_sort(struct cmd_obj **v, struct cmd_obj **tmp, int n,
		       const struct sort_key *k)
{
	int mid = n / 2, i = 0, j = mid, o = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, k);
	merge_sort(v + mid, tmp, n - mid, k);
	while (i < mid && j < n)
		tmp[o++] = obj_cmp(v[j], v[i], k) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[o++] = v[i++];
	while (j < n)
		tmp[o++] = v[j++];
	memcpy(v, tmp, (size_t)n * sizeof *v);
}

/* Default key: the first column of the type's view, or first property. */
static int default_key(const struct cmd_obj *o, struct cmd_column *col)
{
	if (o->type->cols && o->type->ncols)
		*col = o->type->cols[0];
	else if (o->nprops)
		*col = (struct cmd_column){ o->props[0].name, NULL, 0 };
	else
		return 0;
	return 1;
}

static int sort_object(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct sort_key *k = malloc(sizeof *k);
	int n = ctx->in->n, rc = 0;
	struct cmd_obj **v = malloc((size_t)(n ? n : 1) * 2 * sizeof *v);

	if (!k || !v) {
		rc = cmd_perr(ctx, a->def, -ENOMEM, "Out of memory.");
		goto out;
	}
	if (n == 0)
		goto out;
	k->desc = cmd_arg_present(a, "Descending");
	k->ncols = cmd_arg_count(a, "Property") ?
		   expand_props(a, ctx->in->v[0], k->cols, CMD_PROPS_MAX) :
		   default_key(ctx->in->v[0], k->cols);
	memcpy(v, ctx->in->v, (size_t)n * sizeof *v);
	merge_sort(v, v + n, n, k);
	for (int i = 0; rc == 0 && i < n; i++)
		rc = cmd_emit_obj(ctx, v[i]);
out:
	free(k);
	free(v);
	return rc;
}

/* ---- Measure-Object ---- */

struct measure {
	int64_t count;
	struct cmd_val sum, min, max;
	bool seen;
};

static int measure_add(struct cmd_ctx *ctx, const struct cmd_def *d,
		       struct measure *m, const struct cmd_val *v)
{
	if (!v || v->type == CMD_V_NULL)
		return 0;
	if (!cmd_val_numeric(v))
		return cmd_perr(ctx, d, -EINVAL, "The property's values are "
				"not numbers.");
	m->count++;
	if (!m->seen) {
		m->sum = m->min = m->max = *v;
		m->seen = true;
		return 0;
	}
	if (cmd_val_cmp(v, &m->min) < 0)
		m->min = *v;
	if (cmd_val_cmp(v, &m->max) > 0)
		m->max = *v;
	if (v->type != m->sum.type)
		return cmd_perr(ctx, d, -EINVAL, "The property's values are of "
				"different types.");
	if (v->type == CMD_V_INT ? __builtin_add_overflow(m->sum.i, v->i,
							  &m->sum.i) :
	    __builtin_add_overflow(m->sum.u, v->u, &m->sum.u))
		return cmd_perr(ctx, d, -ERANGE, "The sum is too large.");
	return 0;
}

static int measure_emit(struct cmd_ctx *ctx, const char *prop,
			struct measure *m)
{
	static const struct cmd_type measure_type = {
		"MeasureInfo", true, NULL, 0, NULL, NULL, NULL,
	};
	struct cmd_val avg = m->sum;
	struct cmd_prop p[6] = {
		CMD_PROP_INT("Count", m->count), CMD_PROP_NULL("Average"),
		CMD_PROP_NULL("Sum"), CMD_PROP_NULL("Maximum"),
		CMD_PROP_NULL("Minimum"), CMD_PROP_STR("Property", prop),
	};

	if (m->seen) {
		if (avg.type == CMD_V_INT)
			avg.i /= m->count;
		else
			avg.u /= (uint64_t)m->count;
		p[1].v = avg;
		p[2].v = m->sum;
		p[3].v = m->max;
		p[4].v = m->min;
	}
	return cmd_emit(ctx, &measure_type, p, prop ? 6 : 1);
}

static int measure_object(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *prop = cmd_arg_str(a, "Property");
	struct measure m = { 0 };
	int rc = 0;

	for (int i = 0; rc == 0 && i < ctx->in->n; i++) {
		const struct cmd_obj *o = ctx->in->v[i];

		if (!prop)
			m.count++;
		else
			rc = measure_add(ctx, a->def, &m, o->type == &cmd_type_value ?
					 &o->props[0].v : cmd_obj_get(o, prop));
	}
	return rc ? rc : measure_emit(ctx, prop, &m);
}

/* ---- Format-Table, Format-List ---- */

static int format_table(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_column cols[TBL_COLS_MAX];
	const struct cmd_obj *const *objs = in_objs(ctx);
	int n = ctx->in->n;

	if (n && cmd_arg_count(a, "Property")) {
		cmd_show_table(ctx, objs, n, cols,
			       expand_props(a, objs[0], cols, TBL_COLS_MAX));
		return 0;
	}
	for (int i = 0, j; i < n; i = j) {
		const struct cmd_type *t = objs[i]->type;

		for (j = i + 1; j < n && objs[j]->type == t; j++)
			;
		cmd_show_table(ctx, objs + i, j - i, t->cols, t->ncols);
	}
	return 0;
}

static int format_list(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_column cols[CMD_PROPS_MAX];
	bool props = cmd_arg_count(a, "Property") > 0;

	if (ctx->in->n)
		cmd_write(ctx, "\n", 1);
	for (int i = 0; i < ctx->in->n; i++) {
		const struct cmd_obj *o = ctx->in->v[i];

		cmd_show_fields(ctx, o, props ? cols : NULL, props ?
				expand_props(a, o, cols, CMD_PROPS_MAX) : 0);
	}
	return 0;
}

/* ---- Get-Command ---- */

static const char *const command_types[] = { "Alias", "Cmdlet", NULL };
static const struct cmd_column command_cols[] = {
	{ "CommandType", NULL, 0 }, { "DisplayName", "Name", 0 },
	{ "Synopsis", NULL, 0 },
};
static const struct cmd_type command_type = {
	"CommandInfo", false, command_cols, 3, NULL, NULL, NULL,
};

/* Does text match one of the parameter's patterns (or none given)? */
static bool any_match(const struct cmd_args *a, const char *param,
		      const char *text)
{
	int n = cmd_arg_count(a, param);

	for (int i = 0; i < n; i++)
		if (cmd_match_glob(cmd_arg_str_at(a, param, i), text))
			return true;
	return n == 0;
}

static struct cmd_obj *command_obj(const struct cmd_def *d, const char *alias)
{
	char verb[64], disp[160];
	const char *dash = strchr(d->name, '-');
	int vl = dash ? (int)(dash - d->name) : 0;
	struct cmd_prop p[6] = {
		CMD_PROP_ENUM("CommandType", alias ? 0 : 1, command_types),
		CMD_PROP_STR("Name", alias ? alias : d->name),
		CMD_PROP_STR("DisplayName", disp),
		CMD_PROP_STR("Verb", verb),
		CMD_PROP_STR("Noun", dash ? dash + 1 : ""),
		CMD_PROP_STR("Synopsis", d->synopsis),
	};

	snprintf(verb, sizeof verb, "%.*s", vl, d->name);
	if (alias)
		snprintf(disp, sizeof disp, "%s -> %s", alias, d->name);
	else
		snprintf(disp, sizeof disp, "%s", d->name);
	return cmd_obj_new(&command_type, p, 6);
}

static bool cmdlet_wanted(const struct cmd_args *a, const struct cmd_def *d)
{
	char verb[64];
	const char *dash = strchr(d->name, '-');

	snprintf(verb, sizeof verb, "%.*s", dash ? (int)(dash - d->name) : 0,
		 d->name);
	return any_match(a, "Name", d->name) && any_match(a, "Verb", verb) &&
	       any_match(a, "Noun", dash ? dash + 1 : "");
}

/* Cmdlets, and (when -Name is given without -Verb/-Noun) aliases. */
static int command_collect(struct cmd_ctx *ctx, const struct cmd_args *a,
			   struct cmd_objlist *l)
{
	bool aliases = cmd_arg_count(a, "Name") && !cmd_arg_count(a, "Verb") &&
		       !cmd_arg_count(a, "Noun");
	int rc = 0;

	for (int i = -1; rc == 0 && i < ctx->ntab + cmd_core_n; i++) {
		const struct cmd_def *d = cmd_entry(ctx->tab, ctx->ntab, i);
		struct cmd_obj *o;

		if (cmdlet_wanted(a, d) && (o = command_obj(d, NULL)) != NULL) {
			rc = cmd_list_add(l, o);
			cmd_obj_put(o);
		}
		for (const char *const *al = d->aliases; rc == 0 && aliases &&
		     al && *al; al++) {
			if (!any_match(a, "Name", *al))
				continue;
			if ((o = command_obj(d, *al)) == NULL)
				return -ENOMEM;
			rc = cmd_list_add(l, o);
			cmd_obj_put(o);
		}
	}
	return rc;
}

/* A name without wildcards that matched nothing is an error. */
static int command_missing(struct cmd_ctx *ctx, const struct cmd_args *a,
			   const struct cmd_objlist *l)
{
	int rc = 0;

	for (int i = 0; i < cmd_arg_count(a, "Name"); i++) {
		const char *name = cmd_arg_str_at(a, "Name", i);
		bool found = has_glob(name);

		for (int k = 0; !found && k < l->n; k++)
			found = cmd_name_eq(cmd_obj_get(l->v[k], "Name")->s, name);
		if (!found)
			rc = cmd_perr(ctx, a->def, -ENOENT, "The term '%s' is not "
				      "recognized as the name of a cmdlet.", name);
	}
	return rc;
}

static int get_command(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_objlist l = { 0 };
	struct sort_key k = { .ncols = 1 };
	struct cmd_obj **tmp;
	int rc = command_collect(ctx, a, &l);

	tmp = malloc((size_t)(l.n ? l.n : 1) * sizeof *tmp);
	if (rc || !tmp) {
		rc = cmd_perr(ctx, a->def, -ENOMEM, "Out of memory.");
		goto out;
	}
	k.cols[0] = (struct cmd_column){ "Name", NULL, 0 };
	merge_sort(l.v, tmp, l.n, &k);
	for (int i = 0; rc == 0 && i < l.n; i++)
		rc = cmd_emit_obj(ctx, l.v[i]);
	if (rc == 0)
		rc = command_missing(ctx, a, &l);
out:
	free(tmp);
	cmd_list_free(&l);
	return rc;
}

/* ---- the table ---- */

#define P_PROPS(help) { "Property", CMD_P_STRING, CMD_F_MULTI, 0, help, NULL }

static const struct cmd_param where_params[] = {
	{ "FilterScript", CMD_P_BLOCK, 0, 0, "A script block: { $_.Property "
	  "-op Value }, several joined by -and / -or.", NULL },
	{ "Property", CMD_P_STRING, 0, 0, "The property to compare "
	  "(comparison statement form).", NULL },
	{ "Value", CMD_P_STRING, 0, 1, "The value to compare it with; "
	  "converted to the property's type (64MB, Running, 1:30:00).", NULL },
	{ "EQ", CMD_P_SWITCH, 0, -1, "Equal (text case-insensitively).",
	  CMD_ALIASES("IEQ") },
	{ "NE", CMD_P_SWITCH, 0, -1, "Not equal.", CMD_ALIASES("INE") },
	{ "GT", CMD_P_SWITCH, 0, -1, "Greater than.", CMD_ALIASES("IGT") },
	{ "GE", CMD_P_SWITCH, 0, -1, "Greater than or equal.",
	  CMD_ALIASES("IGE") },
	{ "LT", CMD_P_SWITCH, 0, -1, "Less than.", CMD_ALIASES("ILT") },
	{ "LE", CMD_P_SWITCH, 0, -1, "Less than or equal.", CMD_ALIASES("ILE") },
	{ "Like", CMD_P_SWITCH, 0, -1, "Matches a wildcard pattern (* ?).",
	  CMD_ALIASES("ILike") },
	{ "NotLike", CMD_P_SWITCH, 0, -1, "Does not match the wildcard.",
	  CMD_ALIASES("INotLike") },
	{ "Match", CMD_P_SWITCH, 0, -1, "Matches a regular expression.",
	  CMD_ALIASES("IMatch") },
	{ "NotMatch", CMD_P_SWITCH, 0, -1, "Does not match the expression.",
	  CMD_ALIASES("INotMatch") },
};
static const struct cmd_param select_params[] = {
	P_PROPS("The properties to keep (wildcards allowed)."),
	{ "ExpandProperty", CMD_P_STRING, 0, -1, "Output this property's "
	  "values alone.", NULL },
	{ "First", CMD_P_INT, 0, -1, "Keep only the first N objects.", NULL },
	{ "Last", CMD_P_INT, 0, -1, "Keep only the last N objects.", NULL },
	{ "Skip", CMD_P_INT, 0, -1, "Skip the first N objects.", NULL },
};
static const struct cmd_param sls_params[] = {
	{ "Pattern", CMD_P_STRING, CMD_F_REQUIRED | CMD_F_MULTI, 0, "The "
	  "text to find: regular expressions (as -match takes), or plain "
	  "text with -SimpleMatch; a line matches when any of them does.",
	  NULL },
	{ "InputObject", CMD_P_STRING, 0, -1, "The text to search instead of "
	  "the pipeline's input.", NULL },
	{ "SimpleMatch", CMD_P_SWITCH, 0, -1, "The pattern is plain text, not "
	  "a regular expression.", NULL },
	{ "NotMatch", CMD_P_SWITCH, 0, -1, "Keep the lines that match none of "
	  "the patterns.", NULL },
	{ "CaseSensitive", CMD_P_SWITCH, 0, -1, "Case counts (by default it "
	  "does not).", NULL },
};
static const struct cmd_param sort_params[] = {
	P_PROPS("The properties to sort by, in order (default: the first "
		"column)."),
	{ "Descending", CMD_P_SWITCH, 0, -1, "Largest first.", NULL },
};
static const struct cmd_param measure_params[] = {
	{ "Property", CMD_P_STRING, 0, 0, "A numeric property to sum, "
	  "average and find the extremes of.", NULL },
};
static const struct cmd_param ft_params[] = {
	P_PROPS("The columns (wildcards allowed; default: the type's)."),
	{ "AutoSize", CMD_P_SWITCH, 0, -1, "Accepted; columns always fit "
	  "their contents.", NULL },
};
static const struct cmd_param fl_params[] = {
	P_PROPS("The properties to list (wildcards allowed; default: all)."),
};
static const struct cmd_param gcm_params[] = {
	{ "Name", CMD_P_STRING, CMD_F_MULTI, 0, "Command names or patterns; "
	  "aliases match too.", NULL },
	{ "Verb", CMD_P_STRING, CMD_F_MULTI, -1, "Only these verbs (Get, "
	  "Start, ...; wildcards allowed).", NULL },
	{ "Noun", CMD_P_STRING, CMD_F_MULTI, -1, "Only these nouns (VM, "
	  "VHD, ...; wildcards allowed).", NULL },
};

static const char *const where_aliases[] = { "where", "?", NULL };
static const char *const select_aliases[] = { "select", NULL };
static const char *const sls_aliases[] = { "sls", NULL };
static const char *const sort_aliases[] = { "sort", NULL };
static const char *const measure_aliases[] = { "measure", NULL };
static const char *const ft_aliases[] = { "ft", NULL };
static const char *const fl_aliases[] = { "fl", NULL };
static const char *const gcm_aliases[] = { "gcm", NULL };

#define NP(p) p, (int)(sizeof p / sizeof p[0])

const struct cmd_def cmd_core_defs[] = {
	{ "Get-Command", "Lists the commands.",
	  "Lists the cmdlets (type, name, synopsis), sorted by name. -Verb and "
	  "-Noun pick by the parts of Verb-Noun; -Name takes names or "
	  "patterns and also finds aliases (ls -> Get-ChildItem).",
	  NP(gcm_params), get_command, gcm_aliases },
	{ "Where-Object", "Keeps the objects that pass a test.",
	  "Passes on the input objects for which a comparison holds. Two "
	  "forms: Where-Object State -eq Running (property, operator, value) "
	  "and Where-Object { $_.MemoryAssigned -gt 64MB } (a script block "
	  "with comparisons joined by -and / -or; $_ is the object). The "
	  "value is converted to the property's type: sizes (64MB), states "
	  "(Running), time spans (1:30:00 is 90 minutes; a bare number is "
	  "days, as in PowerShell). Text compares case-insensitively; -like "
	  "takes wildcards, -match a regular expression. A property alone "
	  "(Where-Object State) keeps objects where it is set.",
	  NP(where_params), cmd_where_object, where_aliases },
	{ "Select-Object", "Picks properties or objects.",
	  "With -Property, makes objects with only those properties; "
	  "-ExpandProperty outputs one property's values alone; -First, -Last "
	  "and -Skip pick objects by position.",
	  NP(select_params), select_object, select_aliases },
	{ "Select-String", "Finds text in lines and strings.",
	  "Passes on the input lines that match -Pattern, a regular "
	  "expression (the syntax of Where-Object's -match) or, with "
	  "-SimpleMatch, plain text. Case does not count unless "
	  "-CaseSensitive; -NotMatch keeps the lines that match none of the "
	  "patterns. A line is each input string (Get-VMHostLog and "
	  "Get-VMConsoleLog emit one per line), or an object's text "
	  "(@{Name=web1; State=Running}). Each line kept is a MatchInfo "
	  "object (Line, LineNumber, Pattern, IgnoreCase) shown as the line: "
	  "Get-VMHostLog | Select-String capture.",
	  NP(sls_params), cmd_select_string, sls_aliases },
	{ "Sort-Object", "Sorts objects by property values.",
	  "Sorts the input by the given properties (numbers by value, text "
	  "case-insensitively); equal objects keep their order.",
	  NP(sort_params), sort_object, sort_aliases },
	{ "Measure-Object", "Counts objects, or sums a property.",
	  "Counts the input objects; with -Property, also the sum, average, "
	  "largest and smallest value of that numeric property.",
	  NP(measure_params), measure_object, measure_aliases },
	{ "Format-Table", "Shows objects as a table.",
	  "Shows the input as a table of the given properties, or of the "
	  "columns the objects' type shows by default. It must be the last "
	  "command of the pipeline.",
	  NP(ft_params), format_table, ft_aliases },
	{ "Format-List", "Shows objects as lists of properties.",
	  "Shows each input object as \"Name : Value\" lines: the given "
	  "properties, or all of them. It must be the last command of the "
	  "pipeline.",
	  NP(fl_params), format_list, fl_aliases },
};
const int cmd_core_n = (int)(sizeof cmd_core_defs / sizeof cmd_core_defs[0]);

static const unsigned core_flags[] = {
	0, CMD_D_INPUT, CMD_D_INPUT, CMD_D_INPUT, CMD_D_INPUT, CMD_D_INPUT,
	CMD_D_INPUT | CMD_D_LAST, CMD_D_INPUT | CMD_D_LAST,
};
_Static_assert(sizeof core_flags / sizeof core_flags[0] ==
	       sizeof cmd_core_defs / sizeof cmd_core_defs[0],
	       "one flags entry per core command");

unsigned cmd_def_flags(const struct cmd_def *d)
{
	for (int i = 0; i < cmd_core_n; i++)
		if (d == &cmd_core_defs[i])
			return core_flags[i];
	return 0;
}
