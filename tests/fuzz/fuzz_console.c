/* libFuzzer: random bytes into the line editor; every completed line goes
 * to the cmdlet dispatcher with a demo table. */
#include <stdint.h>
#include <stdlib.h>

#include "partition/console/lineedit.h"
#include "tests/fuzz/fuzz_console_demo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lineedit le;

static void check(const struct lineedit *e)
{
	if (e->len > LE_LINE_MAX - 1 || e->cur > e->len ||
	    e->line[e->len] != '\0' || e->hist_count > LE_HIST_MAX ||
	    e->hist_pos < -1 || e->hist_pos >= e->hist_count)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_ctx ctx = { demo_write, NULL, true, NULL };
	char line[LE_LINE_MAX];

	le_init(&le, "PS hvpart> ", demo_write, demo_complete, NULL);
	le_prompt(&le);
	for (size_t i = 0; i < size; i++) {
		if (le_feed(&le, data[i], line, sizeof line) == 1) {
			if (strlen(line) > LE_LINE_MAX - 1)
				abort();
			cmd_run_line(demo_tab, DEMO_N, &ctx, line);
			le_prompt(&le);
		}
		check(&le);
	}
	return 0;
}
