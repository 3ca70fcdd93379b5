/* vhd: host tool for VHD images (create/info/check/convert/merge/
 * live-merge/read/write).  The command line is a stable contract that scripts rely on;
 * every error is one line "vhd: FILE: problem" and a non-zero exit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/vhd/vhd_cmds.h"

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  vhd create [--type fixed|dynamic] [--block-size BYTES] "
	      "--size SIZE FILE\n"
	      "  vhd create --parent PARENT FILE\n"
	      "  vhd info [--json] FILE\n"
	      "  vhd check FILE\n"
	      "  vhd convert [--from raw] [--to raw|fixed|dynamic] IN OUT\n"
	      "  vhd merge CHILD\n"
	      "  vhd live-merge [--blocks N] TOP [IMAGE]\n"
	      "      merge IMAGE (a parent in TOP's chain) into its parent as\n"
	      "      under a running VM; without IMAGE, finish one under way;\n"
	      "      --blocks stops after N blocks, leaving it under way\n"
	      "  vhd read FILE OFFSET LENGTH\n"
	      "  vhd write FILE OFFSET    (data from stdin)\n"
	      "SIZE, OFFSET, LENGTH accept K, M, G and T suffixes.\n", f);
}

void vhdtool_fail(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vhd: %s: ", file ? file : "(no file)");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vhdtool_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || (shift && v > (~0ull >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "create", vhdtool_create }, { "info", vhdtool_info },
		{ "check", vhdtool_check }, { "convert", vhdtool_convert },
		{ "merge", vhdtool_merge }, { "read", vhdtool_read },
		{ "write", vhdtool_write }, { "live-merge", vhdtool_live_merge },
	};
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	vhdtool_fail(NULL, "unknown command '%s' (try vhd --help)", argv[1]);
	return 2;
}
