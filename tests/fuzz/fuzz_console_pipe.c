/* libFuzzer: lines of text (split at newlines) through one variable
 * session: pipelines, variables, Where-Object script blocks, the regular
 * expression matcher, time spans and Tab completion at every position. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_console_demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void complete_everywhere(const char *line)
{
	const char *m[8];
	size_t len = strlen(line);

	for (size_t cur = 0; cur <= len; cur++) {
		size_t start = 99999;
		int n = demo_complete(NULL, line, cur, &start, m, 8);

		if (start > cur || n < 0)
			abort();
		for (int i = 0; i < n && i < 8; i++)
			demo_out_bytes += strlen(m[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmd_session session;
	static char text[CMD_LINE_MAX * 4];
	struct cmd_ctx ctx = { demo_write, NULL, false, NULL, &session };
	char *line = text, *nl;
	uint64_t span;

	if (size > sizeof text - 1)
		size = sizeof text - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int k = 0; k < 8 && line; k++, line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		cmd_run_line(demo_tab, DEMO_N, &ctx, line);
		complete_everywhere(line);
		cmd_parse_span(line, &span);
		if (nl && cmd_regex_match(line, nl + 1) > 1)
			abort();
	}
	cmd_session_clear(&session);
	return 0;
}
