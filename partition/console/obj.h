/*
 * obj: the objects cmdlets return, and how the console shows them.
 *
 * As in PowerShell, a cmdlet hands objects down the pipeline instead of
 * printing text; whatever reaches the end of the pipeline is formatted by
 * the console. An object is a small record: a type (which says how it is
 * shown by default, like PowerShell's format data) and named, typed
 * properties. Property names compare case-insensitively.
 *
 * Value types and their text:
 *   STR    the string;                     NULL property value: empty
 *   INT    decimal                         (compares as a signed integer)
 *   BYTES  decimal bytes; tables and lists show "64 MB" (tbl_format_bytes);
 *          compares as bytes, so "64MB" and "67108864" are equal
 *   SPAN   a time span in seconds, "hh:mm:ss" or "d.hh:mm:ss"
 *   ENUM   one name of a NULL-terminated set ("Off", "Running", ...);
 *          ordered by its index in the set
 *   BOOL   "True" / "False"
 *
 * Objects are reference counted and immutable once emitted: Where-Object
 * passes the same object on, a variable keeps it after the line ends.
 */
#ifndef HVPART_CONSOLE_OBJ_H
#define HVPART_CONSOLE_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMD_PROPS_MAX 64       /* properties per object */
#define CMD_OBJS_MAX  65536    /* objects per pipeline stage or variable */

enum cmd_vtype { CMD_V_NULL, CMD_V_STR, CMD_V_INT, CMD_V_BYTES, CMD_V_SPAN,
		 CMD_V_ENUM, CMD_V_BOOL };

struct cmd_val {
	enum cmd_vtype type;
	const char *s;              /* STR */
	int64_t i;                  /* INT; ENUM: index into names; BOOL: 0/1 */
	uint64_t u;                 /* BYTES; SPAN: seconds */
	const char *const *names;   /* ENUM: the set, NULL-terminated */
};

struct cmd_prop {
	const char *name;
	struct cmd_val v;
};

/* Property initialisers for cmd_emit's array. */
#define CMD_PROP_STR(n, x)    { (n), { CMD_V_STR, (x), 0, 0, NULL } }
#define CMD_PROP_INT(n, x)    { (n), { CMD_V_INT, NULL, (x), 0, NULL } }
#define CMD_PROP_BYTES(n, x)  { (n), { CMD_V_BYTES, NULL, 0, (x), NULL } }
#define CMD_PROP_SPAN(n, x)   { (n), { CMD_V_SPAN, NULL, 0, (x), NULL } }
#define CMD_PROP_ENUM(n, x, set) { (n), { CMD_V_ENUM, NULL, (x), 0, (set) } }
#define CMD_PROP_BOOL(n, x)   { (n), { CMD_V_BOOL, NULL, !!(x), 0, NULL } }
#define CMD_PROP_NULL(n)      { (n), { CMD_V_NULL, NULL, 0, 0, NULL } }

/* A column of a table or a line of a list. */
struct cmd_column {
	const char *prop;           /* property name */
	const char *label;          /* header; NULL: the property name */
	char align;                 /* 'l', 'r', or 0: numbers right, rest left */
};

struct cmd_ctx;
struct cmd_obj;
typedef void (*cmd_show_fn)(struct cmd_ctx *ctx,
			    const struct cmd_obj *const *objs, int n);

/* How objects of a type are shown when they reach the end of a pipeline
 * (and which columns Format-Table uses when given none). */
struct cmd_type {
	const char *name;           /* e.g. "VirtualMachine" */
	bool list;                  /* shown as a list, not a table */
	const struct cmd_column *cols;  /* default columns; NULL: every property */
	int ncols;
	const char *group_by;       /* table: one table per run of equal values */
	const char *group_label;    /* of this property, headed "    Label: v" */
	cmd_show_fn show;           /* custom default display (replaces all the
				     * above except cols for Format-Table) */
};

struct cmd_obj {
	const struct cmd_type *type;
	int refs;
	int nprops;
	struct cmd_prop props[];    /* names and strings are stored after it */
};

struct cmd_objlist {
	struct cmd_obj **v;
	int n, cap;
};

/* The type of single values ($x.State, Select-Object -ExpandProperty, a
 * literal): one property, shown as its bare text, one per line. */
extern const struct cmd_type cmd_type_value;
/* Objects without format data (Select-Object's): a table of every
 * property when there are at most four, else a list (PowerShell's rule). */
extern const struct cmd_type cmd_type_custom;
/* Select-String's matches: IgnoreCase, LineNumber, Line, Filename, Path,
 * Pattern; shown as the line. */
extern const struct cmd_type cmd_type_matchinfo;

/* A new object with copies of the n properties (names and strings
 * included); refs = 1. NULL when out of memory or n is out of range. */
struct cmd_obj *cmd_obj_new(const struct cmd_type *t,
			    const struct cmd_prop *props, int n);
void cmd_obj_put(struct cmd_obj *o);               /* drop a reference */
/* The value of a property (case-insensitive name), or NULL. */
const struct cmd_val *cmd_obj_get(const struct cmd_obj *o, const char *name);

/* Append (taking a new reference): 0, -ENOMEM or -E2BIG. */
int cmd_list_add(struct cmd_objlist *l, struct cmd_obj *o);
void cmd_list_free(struct cmd_objlist *l);         /* drops all, empties */

/* The value as text (see above; BYTES in decimal) / as tables show it
 * (BYTES as "64 MB"). snprintf semantics. */
int cmd_val_text(const struct cmd_val *v, char *buf, size_t n);
int cmd_val_display(const struct cmd_val *v, char *buf, size_t n);
bool cmd_val_numeric(const struct cmd_val *v);     /* INT, BYTES, SPAN */

/* Emit an object from a cmdlet into its pipeline output (ctx->out).
 * 0, or -ENOMEM / -E2BIG after printing "Cmd : ..." (stop then). */
int cmd_emit(struct cmd_ctx *ctx, const struct cmd_type *t,
	     const struct cmd_prop *props, int n);
/* Pass an existing object on (Where-Object). */
int cmd_emit_obj(struct cmd_ctx *ctx, struct cmd_obj *o);

/* An object's text, as PowerShell's ToString gives it: a single value's
 * text, a MatchInfo's line, any other object "@{Name=web1; State=Running}"
 * (a PSCustomObject's), cut to fit n. Returns the string inside the object
 * when it is one, else buf. */
const char *cmd_obj_text(const struct cmd_obj *o, char *buf, size_t n);
/* The one value an object stands for in a comparison: a single value's,
 * a MatchInfo's Line; NULL for other objects. */
const struct cmd_val *cmd_obj_scalar(const struct cmd_obj *o);

/* Text into the pipeline a line at a time, as PowerShell's Get-Content
 * emits it: one string (a single value) per line, split at '\n' with a
 * '\r' before it dropped, NUL bytes left out, fed in pieces of any size.
 * A zeroed struct is ready. cmd_lines_end emits a last line without '\n'
 * and frees; cmd_lines_free frees after a failed feed. A line longer than
 * CMD_TEXT_LINE_MAX goes out in pieces of that size, so the memory held
 * is the emitted objects and one line: about 80 bytes of heap per line
 * besides its text (a 64 KiB log of 60-character lines, some 150 KiB),
 * and a line equal to the one before shares its object. 0, or -ENOMEM /
 * -E2BIG after cmd_emit's error line, -ECANCELED (stop then). */
#define CMD_TEXT_LINE_MAX 65536
struct cmd_lines {
	char *buf;                  /* the line so far, NUL-terminated */
	size_t len, cap;
	struct cmd_obj *last;       /* the last line's object (a reference) */
};
int cmd_lines_feed(struct cmd_ctx *ctx, struct cmd_lines *l, const char *s,
		   size_t n);
int cmd_lines_end(struct cmd_ctx *ctx, struct cmd_lines *l);
void cmd_lines_free(struct cmd_lines *l);

/* Formatting, for custom show functions and Format-Table/-List.
 * cols NULL: every property of the first object (tables: at most
 * TBL_COLS_MAX columns). */
void cmd_show_table(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
		    int n, const struct cmd_column *cols, int ncols);
void cmd_show_list(struct cmd_ctx *ctx, const struct cmd_obj *const *objs,
		   int n, const struct cmd_column *cols, int ncols);
/* One object's "Name : Value" lines (names padded to the widest) and a
 * blank line; cmd_show_list is a blank line and this for each object. */
void cmd_show_fields(struct cmd_ctx *ctx, const struct cmd_obj *o,
		     const struct cmd_column *cols, int ncols);
/* The default display (what PowerShell's Out-Default does): runs of
 * objects of one type, each shown as its type says. */
void cmd_show(struct cmd_ctx *ctx, const struct cmd_obj *const *objs, int n);

#endif
