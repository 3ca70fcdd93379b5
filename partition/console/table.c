/* table: PowerShell-like tables, lists and value formatting. See table.h. */
#include "partition/console/table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char spaces[] = "                                ";
static const char dashes[] = "--------------------------------";

void tbl_write(const struct tbl_sink *out, const char *s)
{
	size_t n = strlen(s);

	if (n && out->write)
		out->write(out->ctx, s, n);
}

void tbl_newline(const struct tbl_sink *out)
{
	tbl_write(out, out->crlf ? "\r\n" : "\n");
}

static const char *cell_text(const char *s)
{
	return s ? s : "";
}

static void repeat(const struct tbl_sink *out, const char *pat, size_t n)
{
	while (n > 0 && out->write) {
		size_t k = n < 32 ? n : 32;

		out->write(out->ctx, pat, k);
		n -= k;
	}
}


/* Trailing empty left-aligned cells are dropped so that a row never ends
 * in blanks. */
static int used_cols(const char *const *cells, int ncols, const char *align)
{
	while (ncols > 1 && !*cell_text(cells[ncols - 1]) &&
	       !(align && align[ncols - 1] == 'r'))
		ncols--;
	return ncols;
}

void tbl_print_row(const struct tbl_sink *out, const char *const *cells,
		   const size_t *widths, int ncols, const char *align)
{
	ncols = used_cols(cells, ncols, align);
	for (int c = 0; c < ncols; c++) {
		const char *s = cell_text(cells[c]);
		size_t len = strlen(s), pad = widths[c] > len ? widths[c] - len : 0;
		bool right = align && align[c] == 'r';

		if (c)
			repeat(out, spaces, 1);
		if (right)
			repeat(out, spaces, pad);
		tbl_write(out, s);
		if (!right && c + 1 < ncols)
			repeat(out, spaces, pad);
	}
	tbl_newline(out);
}

void tbl_print_dashes(const struct tbl_sink *out, const size_t *widths,
		      int ncols)
{
	for (int c = 0; c < ncols; c++) {
		if (c)
			repeat(out, spaces, 1);
		repeat(out, dashes, widths[c]);
	}
	tbl_newline(out);
}

int tbl_print(const struct tbl_sink *out, const char *const *headers,
	      int ncols, const char *const *cells, int nrows,
	      const char *align)
{
	size_t widths[TBL_COLS_MAX];

	if (!headers || ncols < 1 || ncols > TBL_COLS_MAX || nrows < 0 ||
	    (nrows > 0 && !cells))
		return -EINVAL;
	for (int c = 0; c < ncols; c++) {
		widths[c] = strlen(cell_text(headers[c]));
		for (int r = 0; r < nrows; r++) {
			size_t len = strlen(cell_text(cells[r * ncols + c]));

			if (len > widths[c])
				widths[c] = len;
		}
	}
	tbl_newline(out);
	tbl_print_row(out, headers, widths, ncols, align);
	tbl_print_dashes(out, widths, ncols);
	for (int r = 0; r < nrows; r++)
		tbl_print_row(out, cells + r * ncols, widths, ncols, align);
	tbl_newline(out);
	return 0;
}

void tbl_print_list(const struct tbl_sink *out, const char *const *names,
		    const char *const *values, int n)
{
	size_t w = 0;

	for (int i = 0; i < n; i++) {
		size_t len = strlen(cell_text(names[i]));

		if (len > w)
			w = len;
	}
	for (int i = 0; i < n; i++) {
		const char *name = cell_text(names[i]);

		tbl_write(out, name);
		repeat(out, spaces, w - strlen(name));
		tbl_write(out, " : ");
		tbl_write(out, cell_text(values[i]));
		tbl_newline(out);
	}
}

int tbl_format_bytes(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB" };
	unsigned u = 0;
	uint64_t div = 1, whole, hund;

	while (u + 1 < sizeof units / sizeof units[0] && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	whole = bytes / div;
	hund = ((bytes % div) * 100 + div / 2) / div;
	if (hund >= 100) {
		whole++;
		hund -= 100;
		if (whole == 1024 && u + 1 < sizeof units / sizeof units[0]) {
			whole = 1;
			u++;
		}
	}
	if (hund == 0)
		return snprintf(buf, n, "%llu %s", (unsigned long long)whole, units[u]);
	if (hund % 10 == 0)
		return snprintf(buf, n, "%llu.%llu %s", (unsigned long long)whole,
				(unsigned long long)(hund / 10), units[u]);
	return snprintf(buf, n, "%llu.%02llu %s", (unsigned long long)whole,
			(unsigned long long)hund, units[u]);
}

int tbl_format_uptime(char *buf, size_t n, uint64_t seconds)
{
	uint64_t days = seconds / 86400;
	unsigned h = (unsigned)(seconds / 3600 % 24);
	unsigned m = (unsigned)(seconds / 60 % 60);
	unsigned s = (unsigned)(seconds % 60);

	if (days)
		return snprintf(buf, n, "%llu.%02u:%02u:%02u",
				(unsigned long long)days, h, m, s);
	return snprintf(buf, n, "%02u:%02u:%02u", h, m, s);
}
