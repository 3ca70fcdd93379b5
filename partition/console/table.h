/*
 * table: PowerShell-like output helpers for the parent console.
 *
 * tbl_print prints, PowerShell "Format-Table" style:
 *     <blank line>
 *     Name   State   Memory
 *     ----   -----   ------
 *     parent Running 64 MB
 *     <blank line>
 * Column widths are computed over the header and all rows first; columns are
 * separated by one space; the dashes row is as wide as its column; the last
 * column is not padded and trailing empty cells are dropped, so rows never
 * end in blanks (except before an empty right-aligned cell). A column may be right-aligned
 * (numbers): pass align as a string of 'l'/'r', one per column (NULL = all
 * left). Cells may be NULL (printed empty).
 *
 * tbl_print_list prints "Format-List" style, names padded to the widest:
 *     Name   : parent
 *     Memory : 64 MB
 *
 * Line ends are "\n", or "\r\n" when the sink's crlf flag is set.
 */
#ifndef HVPART_CONSOLE_TABLE_H
#define HVPART_CONSOLE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TBL_COLS_MAX 16

typedef void (*tbl_write_fn)(void *ctx, const char *s, size_t n);

struct tbl_sink {
	tbl_write_fn write;
	void *ctx;
	bool crlf;
};

/* cells is row-major: cells[r * ncols + c]. Returns 0 or -EINVAL
 * (ncols out of 1..TBL_COLS_MAX, nrows < 0, or NULL headers). */
int tbl_print(const struct tbl_sink *out, const char *const *headers,
	      int ncols, const char *const *cells, int nrows,
	      const char *align);
/* One row with given widths (no newline handling beyond the row's own). */
void tbl_print_row(const struct tbl_sink *out, const char *const *cells,
		   const size_t *widths, int ncols, const char *align);
/* The dashes row for widths (the column separator is one space). */
void tbl_print_dashes(const struct tbl_sink *out, const size_t *widths,
		      int ncols);
/* "Format-List": one "Name : Value" line per pair, names aligned. */
void tbl_print_list(const struct tbl_sink *out, const char *const *names,
		    const char *const *values, int n);
/* Write a raw string / a line end. */
void tbl_write(const struct tbl_sink *out, const char *s);
void tbl_newline(const struct tbl_sink *out);

/* "0 B", "512 B", "64 MB", "1.5 GB", "1.25 TB": the largest unit (binary,
 * 1024) the value reaches, at most two decimals, trailing zeros dropped,
 * rounded to nearest. Returns the length (snprintf semantics). */
int tbl_format_bytes(char *buf, size_t n, uint64_t bytes);
/* "hh:mm:ss", or "d.hh:mm:ss" from one day on (PowerShell TimeSpan). */
int tbl_format_uptime(char *buf, size_t n, uint64_t seconds);

#endif
