/* libFuzzer: random text straight into the cmdlet parser, the value
 * converters, Get-Help and the wildcard matcher. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_console_demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[CMD_LINE_MAX * 2];
	struct cmd_ctx ctx = { demo_write, NULL, false, NULL };
	const char *pat;
	int64_t i64;
	uint64_t u64;

	(void)demo_complete;

	if (size > sizeof text - 1)
		size = sizeof text - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	cmd_run_line(demo_tab, DEMO_N, &ctx, text);
	cmd_parse_int(text, &i64);
	cmd_parse_size(text, &u64);
	cmd_help(demo_tab, DEMO_N, &ctx, text);
	pat = strchr(text, '|');
	pat = pat ? pat + 1 : text;
	cmd_match_glob(text, pat);
	return 0;
}
