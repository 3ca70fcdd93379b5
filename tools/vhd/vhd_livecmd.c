/* `vhd live-merge`: the library's live merge (storage/vhd/vhd_live.c) on
 * the host, a chain at a time: begin or resume, step, finish. --blocks
 * stops after that many copied blocks and leaves the merge under way, so
 * that scripts can write to the top between runs as a running VM would. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "storage/host/fio_posix.h"
#include "storage/vhd/vhd.h"
#include "tools/vhd/vhd_cmds.h"

#define STEP_BLOCKS 8u

/* The image of top's chain (top excluded) that is the file at path. */
static struct vhd *find_image(struct vhd *top, const char *path)
{
	char want[PATH_MAX], have[PATH_MAX];
	struct vhd *v;

	if (!realpath(path, want))
		return NULL;
	for (v = vhd_get_parent(top); v; v = vhd_get_parent(v))
		if (realpath(vhd_get_path(v), have) && !strcmp(want, have))
			return v;
	return NULL;
}

static void show(struct vhd_live_merge *lm)
{
	uint32_t done, total;

	vhd_live_merge_get_progress(lm, &done, &total);
	if (isatty(2))
		fprintf(stderr, "\rMerging (%u %%)", total ?
			(unsigned)((uint64_t)done * 100 / total) : 100);
}

/* Steps until done (then finish) or until limit blocks are copied (then
 * stop, the merge left under way). */
static int run(const char *top, struct vhd_live_merge *lm, uint64_t limit)
{
	struct vhd_err err = { "" };
	uint64_t copied = 0;
	uint32_t n;
	int rc = 0;

	while (rc == 0 && copied < limit) {
		n = limit - copied < STEP_BLOCKS ? (uint32_t)(limit - copied) :
		    STEP_BLOCKS;
		rc = vhd_live_merge_step(lm, n, &err);
		copied += n;
		show(lm);
	}
	if (isatty(2))
		fputc('\n', stderr);
	if (rc < 0) {
		vhdtool_fail(top, "%s", err.msg);
		vhd_live_merge_stop(lm);
		return 1;
	}
	if (rc == 0)
		return vhd_live_merge_stop(lm) ? 1 : 0;
	if (vhd_live_merge_finish(lm, &err)) {
		vhdtool_fail(top, "%s", err.msg);
		return 1;
	}
	return 0;
}

static int start(struct vhd *v, const char *top, const char *image,
		 struct vhd_live_merge **lm)
{
	struct vhd_err err = { "" };
	struct vhd *mid = NULL;
	int rc;

	if (image && !(mid = find_image(v, image))) {
		vhdtool_fail(top, "%s is not a parent in this chain", image);
		return 1;
	}
	/* begin continues a stopped merge of the same image; resume takes
	 * up whatever merge the chain has under way. */
	rc = mid ? vhd_live_merge_begin(v, mid, lm, &err) :
	     vhd_live_merge_resume(v, lm, &err);
	if (rc)
		vhdtool_fail(top, "%s", err.msg);
	return rc ? 1 : 0;
}

int vhdtool_live_merge(int argc, char **argv)
{
	struct vhd_err err = { "" };
	struct vhd_live_merge *lm = NULL;
	uint64_t limit = UINT64_MAX;
	struct vhd *v;
	int i = 1, rc;

	if (argc > 2 && !strcmp(argv[1], "--blocks")) {
		if (vhdtool_parse_size(argv[2], &limit))
			return vhdtool_fail(NULL, "live-merge: bad --blocks"),
			       2;
		i = 3;
	}
	if (argc - i < 1 || argc - i > 2 || argv[i][0] == '-')
		return vhdtool_fail(NULL, "live-merge: need TOP [IMAGE]"), 2;
	if (vhd_open(fio_posix_get_ops(), argv[i], VHD_OPEN_RDWR, &v, &err))
		return vhdtool_fail(argv[i], "%s", err.msg), 1;
	rc = start(v, argv[i], argc - i == 2 ? argv[i + 1] : NULL, &lm);
	if (!rc && lm)
		rc = run(argv[i], lm, limit);
	vhd_close(v);
	return rc;
}
