/* Data-moving subcommands of `vhd`: convert, merge, read, write. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "storage/host/fio_posix.h"
#include "storage/vhd/vhd.h"
#include "tools/vhd/vhd_cmds.h"

#define CHUNK (1u << 20)

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	static int last = -1;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (!isatty(2) || pct == last)
		return;
	last = pct;
	fprintf(stderr, "\r%s: %3d%%%s", (const char *)ctx, pct,
		done >= total ? "\n" : "");
}

static int is_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int open_input(const char *in, int raw, struct blockdev *bd,
		      struct vhd **vp)
{
	struct vhd_err err = { "" };
	struct vhd *v;
	int rc;

	if (raw) {
		rc = blockdev_file_open(fio_posix_get_ops(), in, 0, 0, 0, bd);
		if (rc)
			vhdtool_fail(in, "cannot open: %s", strerror(-rc));
		return rc;
	}
	rc = vhd_open(fio_posix_get_ops(), in, 0, &v, &err);
	if (rc) {
		vhdtool_fail(in, "%s", err.msg);
		return rc;
	}
	*vp = v;
	return vhd_blockdev_wrap(v, 0, bd);
}

static int open_output(const char *out, int to, uint64_t size,
		       struct blockdev *bd)
{
	struct vhd_create_params p = { .type = to, .size = size };
	const struct fio_ops *ops = fio_posix_get_ops();
	struct vhd_err err = { "" };
	struct vhd *v;
	void *fh;
	int rc;

	if (to == 0) {
		rc = ops->open(ops->ctx, out, FIO_O_RDWR | FIO_O_CREATE, &fh);
		if (!rc)
			ops->close(ops->ctx, fh);
		if (!rc)
			rc = blockdev_file_open(ops, out, 0, 0, 1, bd);
		if (!rc)
			bd->size = size;   /* grows as we write */
		if (rc)
			vhdtool_fail(out, "cannot create: %s", strerror(-rc));
		return rc;
	}
	rc = vhd_create(ops, out, &p, &err);
	if (!rc)
		rc = vhd_open(ops, out, VHD_OPEN_RDWR, &v, &err);
	if (rc) {
		vhdtool_fail(out, "%s", err.msg);
		return rc;
	}
	return vhd_blockdev_wrap(v, 1, bd);
}

/* Copies everything but zeros; holes of a VHD chain are not even read,
 * which keeps a mostly empty 2040G disk fast to convert. */
static int copy_all(struct blockdev *src, struct vhd *vsrc,
		    struct blockdev *dst, const char *in, const char *out)
{
	uint64_t off, size = blockdev_get_size(src);
	uint8_t *buf = malloc(CHUNK);
	size_t n;
	int rc = 0, used = 1;

	if (!buf)
		return -ENOMEM;
	for (off = 0; off < size && !rc; off += n) {
		n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		if (vsrc && vhd_query_chain_allocated(vsrc, off, n, &used) == 0
		    && !used)
			continue;
		rc = blockdev_read(src, off, buf, n);
		if (rc) {
			vhdtool_fail(in, "read failed at %llu",
				     (unsigned long long)off);
			break;
		}
		if (!is_zero(buf, n))
			rc = blockdev_write(dst, off, buf, n);
		if (rc)
			vhdtool_fail(out, "write failed at %llu",
				     (unsigned long long)off);
		progress("convert", off + n, size);
	}
	free(buf);
	return rc;
}

static int parse_to(const char *s, int *to)
{
	if (!strcmp(s, "raw"))
		*to = 0;
	else if (!strcmp(s, "fixed"))
		*to = VHD_TYPE_FIXED;
	else if (!strcmp(s, "dynamic"))
		*to = VHD_TYPE_DYNAMIC;
	else
		return -1;
	return 0;
}

int vhdtool_convert(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	int i, raw = 0, to = VHD_TYPE_DYNAMIC, rc;
	struct blockdev src, dst;
	struct vhd *vsrc = NULL;
	const struct fio_ops *ops = fio_posix_get_ops();
	void *fh;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--from") && i + 1 < argc) {
			if (strcmp(argv[++i], "raw") && strcmp(argv[i], "vhd"))
				return vhdtool_fail(NULL, "convert: --from "
					"must be raw or vhd"), 2;
			raw = !strcmp(argv[i], "raw");
		} else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
			if (parse_to(argv[++i], &to))
				return vhdtool_fail(NULL, "convert: --to must "
					"be raw, fixed or dynamic"), 2;
		} else if (argv[i][0] == '-' || (in && out)) {
			return vhdtool_fail(NULL, "convert: unexpected "
					    "argument '%s'", argv[i]), 2;
		} else if (!in) {
			in = argv[i];
		} else {
			out = argv[i];
		}
	}
	if (!in || !out)
		return vhdtool_fail(NULL, "convert: need IN and OUT"), 2;
	if (open_input(in, raw, &src, &vsrc))
		return 1;
	if (to && blockdev_get_size(&src) % 512) {
		vhdtool_fail(in, "size %llu is not a multiple of 512",
			     (unsigned long long)blockdev_get_size(&src));
		blockdev_close(&src);
		return 1;
	}
	if (open_output(out, to, blockdev_get_size(&src), &dst)) {
		blockdev_close(&src);
		return 1;
	}
	rc = copy_all(&src, vsrc, &dst, in, out);
	if (!rc && to == 0 && ops->open(ops->ctx, out, FIO_O_RDWR, &fh) == 0) {
		rc = ops->truncate(ops->ctx, fh, blockdev_get_size(&src));
		ops->close(ops->ctx, fh);
	}
	if (!rc && (rc = blockdev_flush(&dst)))
		vhdtool_fail(out, "flush failed: %s", strerror(-rc));
	blockdev_close(&dst);
	blockdev_close(&src);
	if (rc)
		unlink(out);
	return rc ? 1 : 0;
}

int vhdtool_merge(int argc, char **argv)
{
	struct vhd_err err = { "" };

	if (argc != 2 || argv[1][0] == '-')
		return vhdtool_fail(NULL, "merge: need exactly one CHILD"), 2;
	if (vhd_merge(fio_posix_get_ops(), argv[1], progress, "merge", &err)) {
		vhdtool_fail(argv[1], "%s", err.msg);
		return 1;
	}
	return 0;
}

int vhdtool_read(int argc, char **argv)
{
	uint64_t off, len;
	uint8_t *buf;
	struct vhd *v;
	size_t n;
	int rc = 0;
	struct vhd_err err = { "" };

	if (argc != 4 || vhdtool_parse_size(argv[2], &off) ||
	    vhdtool_parse_size(argv[3], &len))
		return vhdtool_fail(NULL, "read: need FILE OFFSET LENGTH"), 2;
	if (vhd_open(fio_posix_get_ops(), argv[1], 0, &v, &err))
		return vhdtool_fail(argv[1], "%s", err.msg), 1;
	buf = malloc(CHUNK);
	if (!buf) {
		vhdtool_fail(argv[1], "out of memory");
		rc = 1;
	} else if (off > vhd_get_size(v) || len > vhd_get_size(v) - off) {
		vhdtool_fail(argv[1], "range %llu+%llu is past the disk end "
			     "%llu", (unsigned long long)off,
			     (unsigned long long)len,
			     (unsigned long long)vhd_get_size(v));
		rc = 1;
	}
	for (; !rc && len; len -= n, off += n) {
		n = len < CHUNK ? (size_t)len : CHUNK;
		rc = vhd_read(v, buf, n, off);
		if (rc)
			vhdtool_fail(argv[1], "%s", vhd_get_error(v));
		else if (fwrite(buf, 1, n, stdout) != n)
			{ vhdtool_fail("(stdout)", "write error"); rc = 1; }
	}
	free(buf);
	vhd_close(v);
	return rc ? 1 : 0;
}

int vhdtool_write(int argc, char **argv)
{
	struct vhd_err err = { "" };
	uint8_t *buf;
	uint64_t off;
	struct vhd *v;
	size_t n;
	int rc = 0;

	if (argc != 3 || vhdtool_parse_size(argv[2], &off))
		return vhdtool_fail(NULL, "write: need FILE OFFSET"), 2;
	if (vhd_open(fio_posix_get_ops(), argv[1], VHD_OPEN_RDWR, &v, &err))
		return vhdtool_fail(argv[1], "%s", err.msg), 1;
	buf = malloc(CHUNK);
	if (!buf) {
		vhdtool_fail(argv[1], "out of memory");
		rc = 1;
	}
	while (!rc && (n = fread(buf, 1, CHUNK, stdin)) > 0) {
		rc = vhd_write(v, buf, n, off);
		if (rc)
			vhdtool_fail(argv[1], "%s", vhd_get_error(v));
		off += n;
	}
	if (!rc && (rc = vhd_flush(v)))
		vhdtool_fail(argv[1], "flush failed: %s", strerror(-rc));
	free(buf);
	vhd_close(v);
	return rc ? 1 : 0;
}
