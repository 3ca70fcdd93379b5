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

/* Each returns the info GPA (> 0) or a negative errno, reason in why. */
int64_t ldr_build_mb1_info(const struct mb_boot *b, char *why, size_t whylen);
int64_t ldr_build_mb2_info(const struct mb_boot *b, char *why, size_t whylen);

#endif
