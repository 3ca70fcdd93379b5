/*
 * lineedit: a small line editor for the parent console, driven one byte at a
 * time from a VT100-style serial terminal. Portable C, no allocation, no I/O:
 * all output goes through the caller's write callback.
 *
 * Keys understood:
 *   printable ASCII      inserted at the cursor and echoed
 *   0x7f, 0x08 (^H)      erase the character before the cursor (bell at col 0)
 *   CR, LF, CRLF         complete the line (a CR followed by LF is one Enter)
 *   ESC [ A / ESC O A    previous history entry (^P too)
 *   ESC [ B / ESC O B    next history entry; past the newest restores the
 *                        line being typed (^N too)
 *   ESC [ C / D (O C/D)  cursor right / left (^F / ^B too)
 *   ESC [ H, ESC [ 1~, ESC [ 7~, ^A    start of line
 *   ESC [ F, ESC [ 4~, ESC [ 8~, ^E    end of line
 *   ESC [ 3~, ^D         delete the character under the cursor
 *   ^C                   abandon the line: prints "^C", CRLF and a new prompt
 *   ^U                   kill the whole line;  ^K kill to end of line
 *   ^L                   redraw the line
 *   Tab                  complete the word before the cursor through the
 *                        complete callback (a unique match gets a blank
 *                        after it unless it ends in '\' or '/', a
 *                        directory); a second Tab lists ambiguous matches
 * Anything else below 0x20 is ignored without echo. Bytes >= 0x80 are never
 * inserted: a whole UTF-8 character rings the bell, and Enter then refuses
 * the line with one message naming the character (le_feed returns -EILSEQ;
 * nothing runs, since the line would run without it); broken UTF-8 is
 * dropped silently.
 * Escape sequences other than those above are swallowed whole (ESC plus
 * intermediates plus final; CSI parameter/intermediate/final bytes per
 * ECMA-48; SS3 with optional digit/';' parameters; control strings
 * ESC ] / P / X / ^ / _ up to BEL or ESC \). Modifier parameters are
 * ignored (ESC [ 1 ; 5 C is a right arrow). A C0 control byte inside a
 * sequence aborts the sequence and is then handled as a key (ESC starts a
 * new sequence; CAN/SUB just abort).
 *
 * Redraw of the line is: "\r", prompt, text, "ESC [ K", then "ESC [ n D" to
 * put the cursor back if it is not at the end.
 */
#ifndef HVPART_CONSOLE_LINEEDIT_H
#define HVPART_CONSOLE_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LE_LINE_MAX   512   /* buffer size including the NUL: 511 chars max */
#define LE_HIST_MAX   32    /* history ring entries */
#define LE_PROMPT_MAX 320   /* prompt buffer size including the NUL */
#define LE_MATCH_MAX  64    /* completion candidates asked for per Tab */

typedef void (*le_write_fn)(void *ctx, const char *s, size_t n);
/* Completion of line[0..cur) (the cursor is at cur): set *start to where
 * the word being completed begins (<= cur), fill matches[0..max) with
 * replacements for line[*start..cur) and return the number of matches
 * (may exceed max, only the first max are used; 0: none). Strings must
 * stay valid until the next call. cmd_complete_line is one. */
typedef int (*le_complete_fn)(void *ctx, const char *line, size_t cur,
			      size_t *start, const char **matches, int max);
/* Write the prompt to buf (NUL-terminated, at most n bytes), e.g.
 * "PS C:\vms> " from the current location. */
typedef void (*le_prompt_fn)(void *ctx, char *buf, size_t n);

enum le_esc_state { LE_ESC_NONE, LE_ESC_ESC, LE_ESC_INTER, LE_ESC_CSI,
		    LE_ESC_SS3, LE_ESC_STR };

struct lineedit {
	char line[LE_LINE_MAX];
	size_t len;                       /* characters in line */
	size_t cur;                       /* cursor, 0..len */
	char hist[LE_HIST_MAX][LE_LINE_MAX];
	int hist_count;                   /* valid entries, <= LE_HIST_MAX */
	int hist_head;                    /* slot of the next entry to write */
	int hist_pos;                     /* -1 editing a fresh line, else age */
	char saved[LE_LINE_MAX];          /* fresh line kept while browsing */
	char prompt[LE_PROMPT_MAX];
	size_t prompt_len;
	enum le_esc_state esc;            /* escape-sequence parser state */
	unsigned esc_param;               /* first numeric CSI parameter */
	bool esc_private;                 /* CSI had a non-digit parameter byte */
	bool esc_semi;                    /* past the first CSI parameter */
	bool last_cr;                     /* previous byte was CR (for CRLF) */
	bool tab_pending;                 /* previous key was an ambiguous Tab */
	bool overflow;                    /* typed input was refused: too long */
	char u8[4];                       /* UTF-8 character being received */
	uint8_t u8_len, u8_need;          /* its bytes so far, bytes still due */
	char foreign[5];                  /* first non-ASCII character typed */
	le_write_fn write;
	le_complete_fn complete;
	void *ctx;
	le_prompt_fn prompt_fn;
	void *prompt_ctx;
};

/* Set up the editor. The prompt is copied (truncated to LE_PROMPT_MAX-1);
 * complete may be NULL (Tab then rings the bell). Nothing is printed. */
void le_init(struct lineedit *le, const char *prompt, le_write_fn w,
	     le_complete_fn c, void *ctx);
/* Replace the prompt (used by the next le_prompt/redraw). */
void le_set_prompt(struct lineedit *le, const char *prompt);
/* Have le_prompt ask fn for the prompt each time (fn NULL: the fixed one). */
void le_set_prompt_fn(struct lineedit *le, le_prompt_fn fn, void *ctx);
/* Print the prompt followed by the current line contents (normally empty). */
void le_prompt(struct lineedit *le);
/* Feed one input byte. Returns 1 when a line is complete: it is copied to
 * out (NUL-terminated, truncated to outsz-1 if out is smaller than
 * LE_LINE_MAX), "\r\n" has been echoed, the editor is reset for the next
 * line, and the line is added to history when it is not blank and differs
 * from the newest entry. The caller then runs the line and calls le_prompt.
 * Returns 0 otherwise. Input beyond LE_LINE_MAX-1 characters is refused with
 * a bell (0x07), and then the Enter that ends the line prints an error
 * instead of handing the cut line over (nothing of it must run): le_feed
 * returns -E2BIG, the line is dropped (not kept in history) and a new
 * prompt is printed. */
int le_feed(struct lineedit *le, uint8_t byte, char *out, size_t outsz);
/* Redraw prompt and line, e.g. after asynchronous output. */
void le_redraw(struct lineedit *le);
/* History access, age 0 = newest. NULL if out of range. */
int le_history_count(const struct lineedit *le);
const char *le_history_get(const struct lineedit *le, int age);

#endif
