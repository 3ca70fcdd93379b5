/* lineedit: byte-at-a-time VT100 line editor. See lineedit.h. */
#include "partition/console/lineedit.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LE_CAP (LE_LINE_MAX - 1)

static void put(struct lineedit *le, const char *s, size_t n)
{
	if (n && le->write)
		le->write(le->ctx, s, n);
}

static void puts_(struct lineedit *le, const char *s)
{
	put(le, s, strlen(s));
}

static void bell(struct lineedit *le)
{
	put(le, "\a", 1);
}

static void cursor_left(struct lineedit *le, size_t n)
{
	char buf[16];
	int k;

	if (n == 0)
		return;
	k = snprintf(buf, sizeof buf, "\x1b[%uD", (unsigned)n);
	put(le, buf, (size_t)k);
}

static void cursor_right(struct lineedit *le, size_t n)
{
	char buf[16];
	int k;

	if (n == 0)
		return;
	k = snprintf(buf, sizeof buf, "\x1b[%uC", (unsigned)n);
	put(le, buf, (size_t)k);
}

void le_redraw(struct lineedit *le)
{
	put(le, "\r", 1);
	put(le, le->prompt, le->prompt_len);
	put(le, le->line, le->len);
	put(le, "\x1b[K", 3);
	cursor_left(le, le->len - le->cur);
}

void le_set_prompt(struct lineedit *le, const char *prompt)
{
	size_t n = prompt ? strlen(prompt) : 0;

	if (n > LE_PROMPT_MAX - 1)
		n = LE_PROMPT_MAX - 1;
	if (n)
		memcpy(le->prompt, prompt, n);
	le->prompt[n] = '\0';
	le->prompt_len = n;
}

void le_init(struct lineedit *le, const char *prompt, le_write_fn w,
	     le_complete_fn c, void *ctx)
{
	memset(le, 0, sizeof *le);
	le->hist_pos = -1;
	le->write = w;
	le->complete = c;
	le->ctx = ctx;
	le_set_prompt(le, prompt);
}

void le_set_prompt_fn(struct lineedit *le, le_prompt_fn fn, void *ctx)
{
	le->prompt_fn = fn;
	le->prompt_ctx = ctx;
}

void le_prompt(struct lineedit *le)
{
	if (le->prompt_fn) {
		char buf[LE_PROMPT_MAX];

		buf[0] = '\0';
		le->prompt_fn(le->prompt_ctx, buf, sizeof buf);
		buf[sizeof buf - 1] = '\0';
		le_set_prompt(le, buf);
	}
	put(le, le->prompt, le->prompt_len);
	put(le, le->line, le->len);
	cursor_left(le, le->len - le->cur);
}

int le_history_count(const struct lineedit *le)
{
	return le->hist_count;
}

const char *le_history_get(const struct lineedit *le, int age)
{
	if (age < 0 || age >= le->hist_count)
		return NULL;
	return le->hist[(le->hist_head - 1 - age + 2 * LE_HIST_MAX) % LE_HIST_MAX];
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return false;
	return true;
}

static void history_add(struct lineedit *le, const char *s)
{
	const char *last = le_history_get(le, 0);

	if (is_blank(s) || (last && strcmp(last, s) == 0))
		return;
	memcpy(le->hist[le->hist_head], s, strlen(s) + 1);
	le->hist_head = (le->hist_head + 1) % LE_HIST_MAX;
	if (le->hist_count < LE_HIST_MAX)
		le->hist_count++;
}

static void set_line(struct lineedit *le, const char *s)
{
	size_t n = strlen(s);

	memcpy(le->line, s, n + 1);
	le->len = le->cur = n;
	le->overflow = false;
	le->foreign[0] = '\0';
}

static void clear_line(struct lineedit *le)
{
	le->len = le->cur = 0;
	le->line[0] = '\0';
	le->overflow = false;
	le->foreign[0] = '\0';
}

/* Replace line[from, to) by s[0..n); the cursor ends after the insertion.
 * Returns -ENOSPC (with a bell) if it would not fit. */
static int splice(struct lineedit *le, size_t from, size_t to, const char *s,
		  size_t n)
{
	size_t tail = le->len - to;

	if (le->len - (to - from) + n > LE_CAP) {
		bell(le);
		return -1;
	}
	memmove(le->line + from + n, le->line + to, tail);
	memcpy(le->line + from, s, n);
	le->len = from + n + tail;
	le->line[le->len] = '\0';
	le->cur = from + n;
	return 0;
}

static void insert_char(struct lineedit *le, char ch)
{
	size_t tail = le->len - le->cur;

	if (splice(le, le->cur, le->cur, &ch, 1) < 0) {
		le->overflow = true;            /* input was lost */
		return;
	}
	put(le, &ch, 1);
	if (tail) {
		put(le, le->line + le->cur, tail);
		cursor_left(le, tail);
	}
}

static void backspace(struct lineedit *le)
{
	size_t tail = le->len - le->cur;

	if (le->cur == 0) {
		bell(le);
		return;
	}
	splice(le, le->cur - 1, le->cur, "", 0);
	if (tail == 0) {
		puts_(le, "\b \b");
		return;
	}
	put(le, "\b", 1);
	put(le, le->line + le->cur, tail);
	put(le, "\x1b[K", 3);
	cursor_left(le, tail);
}

static void delete_at_cursor(struct lineedit *le)
{
	size_t tail;

	if (le->cur >= le->len) {
		bell(le);
		return;
	}
	splice(le, le->cur, le->cur + 1, "", 0);
	tail = le->len - le->cur;
	put(le, le->line + le->cur, tail);
	put(le, "\x1b[K", 3);
	cursor_left(le, tail);
}

static void move_to(struct lineedit *le, size_t pos)
{
	if (pos > le->cur)
		cursor_right(le, pos - le->cur);
	else
		cursor_left(le, le->cur - pos);
	le->cur = pos;
}

static void history_step(struct lineedit *le, int dir)
{
	int pos = le->hist_pos + dir;

	if (pos >= le->hist_count || pos < -1) {
		bell(le);
		return;
	}
	if (le->hist_pos == -1)
		memcpy(le->saved, le->line, le->len + 1);
	le->hist_pos = pos;
	set_line(le, pos == -1 ? le->saved : le_history_get(le, pos));
	le_redraw(le);
}

/* Enter after input was refused: the cut line must not run. */
static int enter_overflow(struct lineedit *le)
{
	char msg[96];

	snprintf(msg, sizeof msg, "\r\nThe command line is too long (at most "
		 "%d characters); nothing was run.\r\n", LE_LINE_MAX - 1);
	puts_(le, msg);
	clear_line(le);
	le->hist_pos = -1;
	le_prompt(le);
	return -E2BIG;
}

/* A line that had a non-ASCII character typed into it would run without
 * that character (e.g. a VM named "caf" for "café"): refuse it whole. */
static int enter_foreign(struct lineedit *le)
{
	puts_(le, "\r\nThe line did not run: '");
	puts_(le, le->foreign);
	puts_(le, "' is not an ASCII character, and this console takes ASCII only.\r\n");
	clear_line(le);
	le->hist_pos = -1;
	le_prompt(le);
	return -EILSEQ;
}

static int enter(struct lineedit *le, char *out, size_t outsz)
{
	size_t n = le->len;

	if (le->overflow)
		return enter_overflow(le);
	if (le->foreign[0])
		return enter_foreign(le);
	puts_(le, "\r\n");
	if (out && outsz) {
		if (n > outsz - 1)
			n = outsz - 1;
		memcpy(out, le->line, n);
		out[n] = '\0';
	}
	history_add(le, le->line);
	clear_line(le);
	le->hist_pos = -1;
	return 1;
}

static void ctrl_c(struct lineedit *le)
{
	puts_(le, "^C\r\n");
	clear_line(le);
	le->hist_pos = -1;
	le_prompt(le);
}

/* ---- Tab completion ---- */

static size_t common_prefix(const char **m, int n)
{
	size_t k = strlen(m[0]);

	for (int i = 1; i < n; i++) {
		size_t j = 0;

		while (j < k && m[i][j] &&
		       tolower((unsigned char)m[i][j]) == tolower((unsigned char)m[0][j]))
			j++;
		k = j;
	}
	return k;
}

static void list_matches(struct lineedit *le, const char **m, int n)
{
	puts_(le, "\r\n");
	for (int i = 0; i < n; i++) {
		if (i)
			puts_(le, "  ");
		puts_(le, m[i]);
	}
	puts_(le, "\r\n");
	le_redraw(le);
}

/* A directory completes without the blank after it. */
static bool wants_blank(const char *match)
{
	size_t n = strlen(match);

	return n == 0 || (match[n - 1] != '\\' && match[n - 1] != '/');
}

static void complete_with(struct lineedit *le, size_t start, const char *s,
			  size_t n, bool space)
{
	if (splice(le, start, le->cur, s, n) < 0)
		return;
	if (space) {
		if (le->cur < le->len && le->line[le->cur] == ' ')
			le->cur++;
		else
			splice(le, le->cur, le->cur, " ", 1);
	}
	le_redraw(le);
}

/* Several matches: extend to their common prefix, or list them on a
 * second Tab. */
static void complete_many(struct lineedit *le, size_t start, const char **m,
			  int n, bool again)
{
	size_t plen = le->cur - start, common = common_prefix(m, n);

	le->tab_pending = true;
	if (common > plen || (common == plen &&
			      strncmp(m[0], le->line + start, plen) != 0)) {
		complete_with(le, start, m[0], common, false);
		return;
	}
	if (again)
		list_matches(le, m, n);
	else
		bell(le);
}

static void tab(struct lineedit *le)
{
	const char *m[LE_MATCH_MAX];
	size_t start = le->cur;
	int n;
	bool again = le->tab_pending;

	le->tab_pending = false;
	le->line[le->len] = '\0';
	n = le->complete ? le->complete(le->ctx, le->line, le->cur, &start, m,
					LE_MATCH_MAX) : 0;
	if (start > le->cur)
		start = le->cur;
	if (n > LE_MATCH_MAX) {
		n = LE_MATCH_MAX;                /* list only; never over-complete */
		le->tab_pending = true;
		if (again)
			list_matches(le, m, n);
		else
			bell(le);
		return;
	}
	if (n <= 0)
		bell(le);
	else if (n == 1)
		complete_with(le, start, m[0], strlen(m[0]), wants_blank(m[0]));
	else
		complete_many(le, start, m, n, again);
}

/* ---- escape sequences ---- */

static void csi_final(struct lineedit *le, uint8_t b)
{
	if (le->esc_private)
		return;
	switch (b) {
	case 'A': history_step(le, 1); break;
	case 'B': history_step(le, -1); break;
	case 'C': if (le->cur < le->len) move_to(le, le->cur + 1); break;
	case 'D': if (le->cur > 0) move_to(le, le->cur - 1); break;
	case 'H': move_to(le, 0); break;
	case 'F': move_to(le, le->len); break;
	case '~':
		if (le->esc_param == 1 || le->esc_param == 7)
			move_to(le, 0);
		else if (le->esc_param == 4 || le->esc_param == 8)
			move_to(le, le->len);
		else if (le->esc_param == 3)
			delete_at_cursor(le);
		break;
	default: break;
	}
}

/* Control strings (OSC, DCS, PM, APC, SOS) run to BEL or ESC \; any other
 * C0 byte aborts them and is handled as a key. */
static bool str_feed(struct lineedit *le, uint8_t b)
{
	if (b == 0x07) {
		le->esc = LE_ESC_NONE;
		return true;
	}
	if (b == 0x1b) {
		le->esc = LE_ESC_ESC;
		return true;
	}
	if (b < 0x20) {
		le->esc = LE_ESC_NONE;
		return b == 0x18 || b == 0x1a;
	}
	return true;
}

static void esc_first(struct lineedit *le, uint8_t b)
{
	le->esc_param = 0;
	le->esc_private = false;
	le->esc_semi = false;
	if (b == '[')
		le->esc = LE_ESC_CSI;
	else if (b == 'O')
		le->esc = LE_ESC_SS3;
	else if (strchr("]PX^_", b))
		le->esc = LE_ESC_STR;
	else if (b < 0x30)
		le->esc = LE_ESC_INTER;
	else
		le->esc = LE_ESC_NONE;          /* two-byte sequence, e.g. Alt+key */
}

/* CSI (and SS3) parameter, intermediate and final bytes. */
static void csi_byte(struct lineedit *le, uint8_t b)
{
	if (b >= 0x40) {
		le->esc = LE_ESC_NONE;
		csi_final(le, b);
	} else if (b >= '0' && b <= '9') {
		if (!le->esc_semi && le->esc_param < 1000)
			le->esc_param = le->esc_param * 10 + (unsigned)(b - '0');
	} else if (b == ';') {
		le->esc_semi = true;
	} else {
		le->esc_private = true;           /* '?', '<', intermediates, ... */
	}
}

/* Returns true when the byte was consumed by the escape parser. */
static bool esc_feed(struct lineedit *le, uint8_t b)
{
	if (le->esc == LE_ESC_NONE)
		return false;
	if (le->esc == LE_ESC_STR)
		return str_feed(le, b);
	if (b < 0x20 || b >= 0x7f) {         /* control or non-ASCII: abort */
		le->esc = LE_ESC_NONE;
		return b >= 0x7f || b == 0x18 || b == 0x1a;
	}
	if (le->esc == LE_ESC_ESC)
		esc_first(le, b);
	else if (le->esc == LE_ESC_INTER)
		le->esc = b >= 0x30 ? LE_ESC_NONE : LE_ESC_INTER;
	else
		csi_byte(le, b);                  /* CSI or SS3 */
	return true;
}

static void kill_to_end(struct lineedit *le)
{
	le->len = le->cur;
	le->line[le->len] = '\0';
	put(le, "\x1b[K", 3);
}

static void kill_line(struct lineedit *le)
{
	clear_line(le);
	le_redraw(le);
}

static void control(struct lineedit *le, uint8_t b)
{
	switch (b) {
	case 0x01: move_to(le, 0); break;                      /* ^A */
	case 0x02: if (le->cur) move_to(le, le->cur - 1); break; /* ^B */
	case 0x03: ctrl_c(le); break;
	case 0x04: delete_at_cursor(le); break;                /* ^D */
	case 0x05: move_to(le, le->len); break;                /* ^E */
	case 0x06: if (le->cur < le->len) move_to(le, le->cur + 1); break;
	case 0x08: case 0x7f: backspace(le); break;
	case 0x09: tab(le); break;
	case 0x0b: kill_to_end(le); break;                     /* ^K */
	case 0x0c: le_redraw(le); break;                       /* ^L */
	case 0x0e: history_step(le, -1); break;                /* ^N */
	case 0x10: history_step(le, 1); break;                 /* ^P */
	case 0x15: kill_line(le); break;                       /* ^U */
	case 0x1b: le->esc = LE_ESC_ESC; break;
	default: break;                                        /* ignored */
	}
}

/* UTF-8 (RFC 3629 section 4): a lead byte C2-DF, E0-EF or F0-F4 and one
 * to three continuation bytes 80-BF, where E0 needs A0-BF next (no overlong
 * form), ED 80-9F (no surrogate), F0 90-BF and F4 80-8F (nothing past
 * U+10FFFF). A whole character is remembered (the first one per line) and
 * answered with a bell; stray and broken bytes are dropped silently. */
static bool utf8_second_ok(uint8_t lead, uint8_t b)
{
	uint8_t lo = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
	uint8_t hi = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;

	return b >= lo && b <= hi;
}

static void utf8_byte(struct lineedit *le, uint8_t b)
{
	if (b >= 0xc2 && b <= 0xf4) {
		le->u8[0] = (char)b;
		le->u8_len = 1;
		le->u8_need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
		return;
	}
	if (!le->u8_need || b > 0xbf ||
	    (le->u8_len == 1 && !utf8_second_ok((uint8_t)le->u8[0], b))) {
		le->u8_need = 0;
		return;
	}
	le->u8[le->u8_len++] = (char)b;
	if (--le->u8_need)
		return;
	if (!le->foreign[0]) {
		memcpy(le->foreign, le->u8, le->u8_len);
		le->foreign[le->u8_len] = '\0';
	}
	bell(le);
}

int le_feed(struct lineedit *le, uint8_t b, char *out, size_t outsz)
{
	bool after_cr = le->last_cr;

	le->last_cr = false;
	if (esc_feed(le, b))
		return 0;
	if (b < 0x80)
		le->u8_need = 0;                 /* an unfinished UTF-8 character */
	if (b == '\r' || b == '\n') {
		le->tab_pending = false;
		if (b == '\n' && after_cr)
			return 0;                    /* LF of a CRLF */
		le->last_cr = (b == '\r');
		return enter(le, out, outsz);
	}
	if (b != 0x09)
		le->tab_pending = false;
	if (b >= 0x80) {
		utf8_byte(le, b);
		return 0;
	}
	if (b < 0x20 || b == 0x7f)
		control(le, b);
	else
		insert_char(le, (char)b);
	return 0;
}
