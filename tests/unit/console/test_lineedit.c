/* Unit tests for the console line editor (partition/console/lineedit.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "partition/console/lineedit.h"
#include "tests/unit/console/capture.h"

static struct capture out;
static struct lineedit le;
static char lines[40][LE_LINE_MAX];
static int nlines;

static const char *const names[] = {
	"Get-Help", "Get-VM", "Get-VMHost", "Get-VMHostLog", "Stop-VMHost",
	"Start-VM", "New-VM",
};

static const char *const dirs[] = { "C:\\vms\\", "C:\\vms.txt" };

/* Command names in the first word; paths (dirs) in later words. */
static int complete(void *ctx, const char *line, size_t cur, size_t *start,
		    const char **m, int max)
{
	const char *const *pool = names;
	size_t npool = sizeof names / sizeof names[0], len;
	const char *prefix;
	int k = 0;

	(void)ctx;
	for (*start = cur; *start > 0 && line[*start - 1] != ' '; (*start)--)
		;
	prefix = line + *start;
	len = cur - *start;
	for (size_t i = 0; i < *start; i++)
		if (line[i] != ' ') {
			pool = dirs;
			npool = 2;
			break;
		}
	for (size_t i = 0; i < npool; i++)
		if (strncasecmp(pool[i], prefix, len) == 0) {
			if (k < max)
				m[k] = pool[i];
			k++;
		}
	return k;
}

static int setup(void **state)
{
	(void)state;
	capture_reset(&out);
	le_init(&le, "PS hvpart> ", capture_write, complete, &out);
	nlines = 0;
	return 0;
}

static void feedn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (le_feed(&le, (uint8_t)s[i], lines[nlines % 40], LE_LINE_MAX))
			nlines++;
}

static void feed(const char *s)
{
	feedn(s, strlen(s));
}

static void test_prompt_and_echo(void **state)
{
	(void)state;
	le_prompt(&le);
	feed("Get-VM");
	assert_string_equal(out.buf, "PS hvpart> Get-VM");
	assert_int_equal(nlines, 0);
	feed("\r");
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "Get-VM");
	assert_string_equal(out.buf, "PS hvpart> Get-VM\r\n");
}

static void test_backspace(void **state)
{
	(void)state;
	feed("\x7f");                     /* column 0: bell only */
	assert_string_equal(out.buf, "\a");
	feed("\b");
	assert_string_equal(out.buf, "\a\a");
	capture_reset(&out);
	feed("abc\x7f\x08X\r");
	assert_string_equal(out.buf, "abc\b \b\b \bX\r\n");
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "aX");
}

static void test_enter_variants(void **state)
{
	(void)state;
	feed("a\r\nb\nc\r\r\n\n");
	assert_int_equal(nlines, 5);
	assert_string_equal(lines[0], "a");
	assert_string_equal(lines[1], "b");
	assert_string_equal(lines[2], "c");
	assert_string_equal(lines[3], "");   /* the second CR */
	assert_string_equal(lines[4], "");   /* LF after a CRLF's LF */
	assert_int_equal(capture_count(&out, "\r\n"), 5);
}

static void test_history_walk(void **state)
{
	(void)state;
	feed("one\rtwo\rthree\r");
	assert_int_equal(le_history_count(&le), 3);
	feed("par");                           /* being typed */
	capture_reset(&out);
	feed("\x1b[A");
	assert_string_equal(out.buf, "\rPS hvpart> three\x1b[K");
	feed("\x1bOA\x1b[A");
	assert_string_equal(le.line, "one");
	capture_reset(&out);
	feed("\x1b[A");                        /* past the oldest */
	assert_string_equal(out.buf, "\a");
	assert_string_equal(le.line, "one");
	feed("\x1b[B\x1bOB");
	assert_string_equal(le.line, "three");
	capture_reset(&out);
	feed("\x1b[B");                        /* back to the typed text */
	assert_string_equal(out.buf, "\rPS hvpart> par\x1b[K");
	capture_reset(&out);
	feed("\x1b[B");                        /* past the newest */
	assert_string_equal(out.buf, "\a");
	feed("\r");
	assert_string_equal(lines[3], "par");
}

static void test_history_rules(void **state)
{
	(void)state;
	feed("same\rsame\r\r   \r");
	assert_int_equal(le_history_count(&le), 1);
	for (int i = 0; i < 40; i++) {
		char buf[16];

		snprintf(buf, sizeof buf, "cmd%d\r", i);
		feed(buf);
	}
	assert_int_equal(le_history_count(&le), LE_HIST_MAX);
	assert_string_equal(le_history_get(&le, 0), "cmd39");
	assert_string_equal(le_history_get(&le, LE_HIST_MAX - 1), "cmd8");
	assert_null(le_history_get(&le, LE_HIST_MAX));
	assert_null(le_history_get(&le, -1));
	/* a recalled line that is run again is not duplicated */
	feed("\x1b[A\r");
	assert_string_equal(lines[(nlines - 1) % 40], "cmd39");
	assert_string_equal(le_history_get(&le, 1), "cmd38");
}

static void test_tab_one_match(void **state)
{
	(void)state;
	feed("stop");
	capture_reset(&out);
	feed("\t");
	assert_string_equal(out.buf, "\rPS hvpart> Stop-VMHost \x1b[K");
	feed("\r");
	assert_string_equal(lines[0], "Stop-VMHost ");
}

static void test_tab_many_matches(void **state)
{
	(void)state;
	feed("get-vmh");
	capture_reset(&out);
	feed("\t");                       /* common prefix Get-VMHost */
	assert_string_equal(out.buf, "\rPS hvpart> Get-VMHost\x1b[K");
	capture_reset(&out);
	feed("\t");                       /* second Tab lists */
	assert_string_equal(out.buf, "\r\nGet-VMHost  Get-VMHostLog\r\n"
				     "\rPS hvpart> Get-VMHost\x1b[K");
	feed("L\t\r");
	assert_string_equal(lines[0], "Get-VMHostLog ");
}

static void test_tab_no_progress_then_list(void **state)
{
	(void)state;
	feed("Get-");
	capture_reset(&out);
	feed("\t");                       /* already at the common prefix */
	assert_string_equal(out.buf, "\a");
	capture_reset(&out);
	feed("\t");
	assert_non_null(strstr(out.buf, "Get-Help  Get-VM  Get-VMHost  "
					"Get-VMHostLog\r\n"));
	feed("x\t");                      /* typing resets the Tab state */
	capture_reset(&out);
	feed("\t");
	assert_string_equal(out.buf, "\a");
}

static void test_tab_no_match_and_args(void **state)
{
	(void)state;
	feed("Foo");
	capture_reset(&out);
	feed("\t");
	assert_string_equal(out.buf, "\a");
	feed("\x15Get-VM a");             /* a later word: no path "a" */
	capture_reset(&out);
	feed("\t");
	assert_string_equal(out.buf, "\a");
	assert_string_equal(le.line, "Get-VM a");
	struct lineedit nc;
	le_init(&nc, "> ", capture_write, NULL, &out);
	capture_reset(&out);
	le_feed(&nc, '\t', lines[0], LE_LINE_MAX);
	assert_string_equal(out.buf, "\a");
}

static int many_calls;

static int complete_many(void *ctx, const char *line, size_t cur,
			 size_t *start, const char **m, int max)
{
	static const char *const pool[] = { "Aa", "Ab" };

	(void)ctx; (void)line;
	*start = cur;
	many_calls++;
	for (int i = 0; i < max; i++)
		m[i] = pool[i % 2];
	return max + 5;                     /* more than fit */
}

static void test_tab_too_many(void **state)
{
	struct lineedit e;

	(void)state;
	le_init(&e, "> ", capture_write, complete_many, &out);
	capture_reset(&out);
	le_feed(&e, '\t', lines[0], LE_LINE_MAX);
	assert_string_equal(out.buf, "\a");
	assert_int_equal(e.len, 0);
	capture_reset(&out);
	le_feed(&e, '\t', lines[0], LE_LINE_MAX);
	assert_int_equal(capture_count(&out, "Aa"), LE_MATCH_MAX / 2);
	assert_int_equal(many_calls, 2);
}

static void test_overflow_refused(void **state)
{
	char big[LE_LINE_MAX + 40];

	(void)state;
	memset(big, 'x', sizeof big);
	feedn(big, sizeof big);
	assert_int_equal(le.len, LE_LINE_MAX - 1);
	assert_int_equal(capture_count(&out, "\a"),
			 (int)sizeof big - (LE_LINE_MAX - 1));
	/* Enter hands nothing over: the cut line must not run */
	capture_reset(&out);
	assert_int_equal(le_feed(&le, '\r', lines[0], LE_LINE_MAX), -E2BIG);
	assert_int_equal(nlines, 0);
	assert_string_equal(out.buf, "\r\nThe command line is too long (at "
			    "most 511 characters); nothing was run.\r\n"
			    "PS hvpart> ");
	assert_int_equal(le.len, 0);
	assert_int_equal(le_history_count(&le), 0);
	/* the next line is normal again */
	feed("Get-VM\r");
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "Get-VM");
	/* ^U after an overflow starts afresh too */
	feedn(big, sizeof big);
	feed("\x15ok\r");
	assert_string_equal(lines[1], "ok");
	/* a completion that does not fit is refused, and is no overflow */
	memset(big, ' ', LE_LINE_MAX - 6);
	big[LE_LINE_MAX - 6] = 'n';       /* "New-VM " would not fit */
	feedn(big, LE_LINE_MAX - 5);
	capture_reset(&out);
	feed("\t");
	assert_string_equal(out.buf, "\a");
	assert_int_equal(le.len, LE_LINE_MAX - 5);
	assert_int_equal(le_feed(&le, '\r', lines[2], LE_LINE_MAX), 1);
}

static void test_tab_later_word(void **state)
{
	(void)state;
	feed("Get-Content C:\\v");
	capture_reset(&out);
	feed("\t");                      /* common prefix of both */
	assert_string_equal(out.buf, "\rPS hvpart> Get-Content C:\\vms\x1b[K");
	feed("\\\t");                   /* a directory: no blank after it */
	assert_string_equal(le.line, "Get-Content C:\\vms\\");
	feed("\x15Get-Content c:\\vms.\t");
	assert_string_equal(le.line, "Get-Content C:\\vms.txt ");
	/* completing in the middle keeps the tail */
	feed("\x15Get-VM C:\\vms.t -x\x1b[D\x1b[D\x1b[D\t");
	assert_string_equal(le.line, "Get-VM C:\\vms.txt -x");
}

static int prompts;

static void prompt_fn(void *ctx, char *buf, size_t n)
{
	(void)ctx;
	snprintf(buf, n, "PS C:\\vms%d> ", prompts++);
}

static void test_prompt_fn(void **state)
{
	(void)state;
	le_set_prompt_fn(&le, prompt_fn, NULL);
	capture_reset(&out);
	le_prompt(&le);
	assert_string_equal(out.buf, "PS C:\\vms0> ");
	feed("ab\x0c");                   /* a redraw keeps the prompt */
	assert_non_null(strstr(out.buf, "\rPS C:\\vms0> ab"));
	feed("\r");
	capture_reset(&out);
	le_prompt(&le);                   /* asked again for each line */
	assert_string_equal(out.buf, "PS C:\\vms1> ");
	le_set_prompt_fn(&le, NULL, NULL);
	capture_reset(&out);
	le_prompt(&le);
	assert_string_equal(out.buf, "PS C:\\vms1> ");
}

static void test_escape_swallowed(void **state)
{
	static const char *const seqs[] = {
		"\x1b[1;5R", "\x1b[?25h", "\x1b[200~", "\x1b[6n", "\x1b(B",
		"\x1bOP", "\x1b[15;2~", "\x1b[ q", "\x1b" "c", "\x1b[99Z",
		"\x1b[1;2Q", "\x1b[>0c", "\x1b]0;title\x07", "\x1b]2;t\x1b\\",
		"\x1bP1$r0m\x1b\\", "\x1b_apc\x80\xff\x1b\\", "\x1bO2P", "\x1b[5;5~",
		"\x1b[?1;2c", "\x1b[<0;1;1M",
	};

	(void)state;
	feed("ab");
	capture_reset(&out);
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
		feed(seqs[i]);
	assert_string_equal(out.buf, "");
	feed("c\r");
	assert_string_equal(lines[0], "abc");
}

static void test_modified_keys(void **state)
{
	(void)state;
	feed("one\rtwo\r");
	feed("ac\x1b[1;5D" "b");          /* Ctrl-Left acts as Left */
	feed("\x1b[1;5C" "d\r");
	assert_string_equal(lines[2], "abcd");
	feed("\x1b[1;2A\r");               /* Shift-Up recalls history */
	assert_string_equal(lines[3], "abcd");
	feed("x\x1b]0;t\ry\r");            /* CR ends a control string */
	assert_string_equal(lines[4], "x");
	assert_string_equal(lines[5], "y");
}

static void test_binary_garbage(void **state)
{
	uint8_t junk[256];
	size_t k = 0;

	(void)state;
	for (int b = 0x80; b <= 0xff; b++)
		junk[k++] = (uint8_t)b;
	for (int b = 0; b < 0x20; b++)
		if (!strchr("\x01\x02\x03\x04\x05\x06\x08\x09\x0a\x0b\x0c\x0d"
			    "\x0e\x10\x15\x1b", b) && b != 0)
			junk[k++] = (uint8_t)b;
	junk[k++] = 0;
	feed("ok");
	capture_reset(&out);
	feedn((const char *)junk, k);
	assert_int_equal(out.len, 0);
	feed("\r");
	assert_string_equal(lines[0], "ok");
}

/* A whole UTF-8 character is never inserted: it rings the bell and the
 * line is refused at Enter (else "café" would run as "caf"). */
static void test_utf8_refused(void **state)
{
	(void)state;
	le_prompt(&le);
	feed("New-VM -Name caf\xc3\xa9");
	assert_non_null(strstr(out.buf, "caf\a"));
	capture_reset(&out);
	assert_int_equal(le_feed(&le, '\r', lines[0], LE_LINE_MAX), -EILSEQ);
	assert_string_equal(out.buf, "\r\nThe line did not run: '\xc3\xa9' is not an ASCII "
			    "character, and this console takes ASCII only.\r\nPS hvpart> ");
	assert_int_equal(le_history_count(&le), 0);
	feed("Get-VM\r");                  /* the next line runs as usual */
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "Get-VM");
	/* Three- and four-byte characters; the first one is named. */
	feed("a\xe2\x82\xac b\xf0\x9f\x98\x80");
	capture_reset(&out);
	assert_int_equal(le_feed(&le, '\r', lines[1], LE_LINE_MAX), -EILSEQ);
	assert_non_null(strstr(out.buf, "'\xe2\x82\xac' is not an ASCII"));
	/* ^C and ^U forget it. */
	feed("x\xc3\xa9\x03y\r");
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[1], "y");
	feed("x\xc3\xa9\x15z\r");
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[2], "z");
}

/* Broken UTF-8 is dropped silently and does not block the line: overlong
 * forms, surrogates, code points past U+10FFFF, stray continuation bytes,
 * a character cut by an ASCII byte or by Enter. */
static void test_utf8_broken(void **state)
{
	static const char *const broken[] = {
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80\xbf", "\xc3x", "\xe2\x82",
	};

	(void)state;
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		capture_reset(&out);
		feed("k");
		feed(broken[i]);
		feed("\r");
		assert_int_equal(nlines, (int)i + 1);
		assert_null(strchr(out.buf, '\a'));
	}
	assert_string_equal(lines[8], "kx");        /* the ASCII byte stays */
	assert_string_equal(lines[9], "k");
	/* The cut character's continuation byte does not finish it on the
	 * next line. */
	feed("\xc3\r\xa9m\r");
	assert_int_equal(nlines, 12);
	assert_string_equal(lines[11], "m");
}

static void test_control_inside_escape(void **state)
{
	(void)state;
	feed("a\x1b[1\r");                /* CR aborts the sequence, then Enter */
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "a");
	feed("b\x1b[\x18" "c\r");          /* CAN aborts silently */
	assert_string_equal(lines[1], "bc");
	feed("d\x1b\x1b[De\r");           /* ESC restarts; left arrow applies */
	assert_string_equal(lines[2], "ed");
}

static void test_ctrl_c(void **state)
{
	(void)state;
	le_prompt(&le);
	feed("Stop-VMHost");
	capture_reset(&out);
	feed("\x03");
	assert_string_equal(out.buf, "^C\r\nPS hvpart> ");
	assert_int_equal(nlines, 0);
	feed("Get-VM\r");
	assert_string_equal(lines[0], "Get-VM");
	assert_int_equal(le_history_count(&le), 1);
}

static void test_ctrl_u(void **state)
{
	(void)state;
	feed("garbage");
	capture_reset(&out);
	feed("\x15");
	assert_string_equal(out.buf, "\rPS hvpart> \x1b[K");
	feed("x\r");
	assert_string_equal(lines[0], "x");
}

static void test_cursor_insert(void **state)
{
	(void)state;
	feed("ac");
	capture_reset(&out);
	feed("\x1b[D");
	assert_string_equal(out.buf, "\x1b[1D");
	capture_reset(&out);
	feed("b");
	assert_string_equal(out.buf, "bc\x1b[1D");
	feed("\x1b[C\x1b[C\x1bOD\x1bOC");   /* right past the end is a no-op */
	feed("d\r");
	assert_string_equal(lines[0], "abcd");
}

static void test_home_end_delete(void **state)
{
	(void)state;
	feed("bcd");
	feed("\x1b[H" "a");
	feed("\x1b[F" "e");
	feed("\x1b[1~" "\x1b[3~");        /* delete 'a' */
	feed("\x1b[4~" "\x04");           /* ^D at the end: bell */
	feed("\x01\x04\x05" "f");         /* delete 'b' */
	capture_reset(&out);
	feed("\x02\x02\x7f");             /* backspace in the middle */
	assert_string_equal(out.buf, "\x1b[1D\x1b[1D\bef\x1b[K\x1b[2D");
	feed("\r");
	assert_string_equal(lines[0], "cef");
	feed("xyz\x02\x02\x0b\r");         /* ^K */
	assert_string_equal(lines[1], "x");
}

static void test_ctrl_l_and_prompt(void **state)
{
	(void)state;
	feed("ab\x02");
	capture_reset(&out);
	feed("\x0c");
	assert_string_equal(out.buf, "\rPS hvpart> ab\x1b[K\x1b[1D");
	le_set_prompt(&le, "PS x> ");
	capture_reset(&out);
	le_prompt(&le);
	assert_string_equal(out.buf, "PS x> ab\x1b[1D");
}

static void test_small_out_buffer(void **state)
{
	char small[4];
	int done = 0;

	(void)state;
	for (const char *p = "abcdefgh\r"; *p; p++)
		done += le_feed(&le, (uint8_t)*p, small, sizeof small);
	assert_int_equal(done, 1);
	assert_string_equal(small, "abc");
	assert_string_equal(le_history_get(&le, 0), "abcdefgh");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_prompt_and_echo, setup),
		cmocka_unit_test_setup(test_backspace, setup),
		cmocka_unit_test_setup(test_enter_variants, setup),
		cmocka_unit_test_setup(test_history_walk, setup),
		cmocka_unit_test_setup(test_history_rules, setup),
		cmocka_unit_test_setup(test_tab_one_match, setup),
		cmocka_unit_test_setup(test_tab_many_matches, setup),
		cmocka_unit_test_setup(test_tab_no_progress_then_list, setup),
		cmocka_unit_test_setup(test_tab_no_match_and_args, setup),
		cmocka_unit_test_setup(test_tab_too_many, setup),
		cmocka_unit_test_setup(test_overflow_refused, setup),
		cmocka_unit_test_setup(test_tab_later_word, setup),
		cmocka_unit_test_setup(test_prompt_fn, setup),
		cmocka_unit_test_setup(test_escape_swallowed, setup),
		cmocka_unit_test_setup(test_modified_keys, setup),
		cmocka_unit_test_setup(test_binary_garbage, setup),
		cmocka_unit_test_setup(test_utf8_refused, setup),
		cmocka_unit_test_setup(test_utf8_broken, setup),
		cmocka_unit_test_setup(test_control_inside_escape, setup),
		cmocka_unit_test_setup(test_ctrl_c, setup),
		cmocka_unit_test_setup(test_ctrl_u, setup),
		cmocka_unit_test_setup(test_cursor_insert, setup),
		cmocka_unit_test_setup(test_home_end_delete, setup),
		cmocka_unit_test_setup(test_ctrl_l_and_prompt, setup),
		cmocka_unit_test_setup(test_small_out_buffer, setup),
	};

	return cmocka_run_group_tests_name("console_lineedit", tests, NULL, NULL);
}
