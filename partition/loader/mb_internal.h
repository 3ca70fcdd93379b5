/* Internal interface between multiboot.c and mb_info.c. */
#ifndef PARTITION_LOADER_MB_INTERNAL_H
#define PARTITION_LOADER_MB_INTERNAL_H

#include "partition/loader/ldr_common.h"

/* What the boot information describes. */
struct mb_boot {
	const struct ldr_gmem *mem;
	const struct ldr_file *mods;
	const struct ldr_placed *placed;
	int nmods;
	const char *cmdline;
};

/* Each writes the boot information through w (from w->cur, which must be
 * page-aligned, so that a dry run from 0 gives the size of the real one)
 * and returns its GPA or a negative errno, reason in why. */
int64_t ldr_build_mb1_info(const struct mb_boot *b, struct ldr_info_writer *w,
			   char *why, size_t whylen);
int64_t ldr_build_mb2_info(const struct mb_boot *b, struct ldr_info_writer *w,
			   char *why, size_t whylen);

#endif
