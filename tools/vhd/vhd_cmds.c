/* Subcommands of the `vhd` tool, over the storage library and POSIX fio. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "storage/host/fio_posix.h"
#include "storage/vhd/vhd.h"
#include "tools/vhd/vhd_cmds.h"

static const char *type_name(int t)
{
	return t == VHD_TYPE_FIXED ? "fixed" : t == VHD_TYPE_DYNAMIC ?
	       "dynamic" : t == VHD_TYPE_DIFF ? "differencing" : "unknown";
}

/* Absolute form of a path whose last component may not exist yet. */
static int abs_path(const char *in, char *out)
{
	char a[PATH_MAX], b[PATH_MAX], dir[PATH_MAX];

	snprintf(a, sizeof(a), "%s", in);
	snprintf(b, sizeof(b), "%s", in);
	if (!realpath(dirname(a), dir))
		return -errno;
	if (snprintf(out, PATH_MAX, "%s/%s", strcmp(dir, "/") ? dir : "",
		     basename(b)) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int usage_err(const char *cmd, const char *msg)
{
	vhdtool_fail(NULL, "%s: %s (see vhd --help)", cmd, msg);
	return 2;
}

static int parse_type(const char *s, int *type)
{
	if (!strcmp(s, "fixed"))
		*type = VHD_TYPE_FIXED;
	else if (!strcmp(s, "dynamic"))
		*type = VHD_TYPE_DYNAMIC;
	else
		return -1;
	return 0;
}

int vhdtool_create(int argc, char **argv)
{
	struct vhd_create_params p = { .type = VHD_TYPE_DYNAMIC };
	const char *file = NULL, *parent = NULL;
	char fabs[PATH_MAX], pabs[PATH_MAX];
	struct vhd_err err = { "" };
	uint64_t bs = 0;
	int i, have_size = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			if (parse_type(argv[++i], &p.type))
				return usage_err("create", "--type must be "
						 "fixed or dynamic");
		} else if (!strcmp(argv[i], "--block-size") && i + 1 < argc) {
			if (vhdtool_parse_size(argv[++i], &bs) || bs > (1u << 30))
				return usage_err("create", "bad --block-size");
		} else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if (vhdtool_parse_size(argv[++i], &p.size))
				return usage_err("create", "bad --size");
			have_size = 1;
		} else if (!strcmp(argv[i], "--parent") && i + 1 < argc) {
			parent = argv[++i];
		} else if (argv[i][0] == '-' || file) {
			return usage_err("create", "unexpected argument");
		} else {
			file = argv[i];
		}
	}
	if (!file || (!parent && !have_size) || (parent && have_size))
		return usage_err("create", "need FILE and either --size or "
				 "--parent");
	p.block_size = (uint32_t)bs;
	if (abs_path(file, fabs)) {
		vhdtool_fail(file, "folder does not exist");
		return 1;
	}
	if (parent) {
		if (!realpath(parent, pabs)) {
			vhdtool_fail(parent, "parent: %s", strerror(errno));
			return 1;
		}
		p.type = VHD_TYPE_DIFF;
		p.parent = pabs;
	}
	if (vhd_create(fio_posix_get_ops(), fabs, &p, &err)) {
		vhdtool_fail(file, "%s", err.msg);
		return 1;
	}
	return 0;
}

static const char *positional(int argc, char **argv, int *idx)
{
	while (*idx < argc && argv[*idx][0] == '-' && argv[*idx][1])
		(*idx)++;
	return *idx < argc ? argv[(*idx)++] : NULL;
}

static struct vhd *open_or_fail(const char *file, unsigned flags)
{
	struct vhd_err err = { "" };
	struct vhd *v = NULL;

	if (vhd_open(fio_posix_get_ops(), file, flags, &v, &err)) {
		vhdtool_fail(file, "%s", err.msg);
		return NULL;
	}
	return v;
}

static void uuid_str(const uint8_t *u, char *out)
{
	sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
		u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		u[15]);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* What `vhd info` prints, as text or as JSON. */
struct info_view {
	struct vhd_info in;      /* creator strings made printable */
	char uuid[40];
	int merging;             /* an interrupted merge: done of total blocks */
	uint32_t done, total;
	const char *live;        /* a live merge under way: its child's path */
	uint32_t ldone, ltotal;
};

static void info_gather(struct vhd *v, struct info_view *iv)
{
	vhd_get_info(v, &iv->in);
	printable(iv->in.creator_app);
	printable(iv->in.creator_os);
	uuid_str(iv->in.uuid, iv->uuid);
	iv->merging = vhd_merge_get_progress(fio_posix_get_ops(), vhd_get_path(v), &iv->done,
					     &iv->total) == 0;
	for (iv->live = NULL; v && !iv->live; v = vhd_get_parent(v))
		if (vhd_live_merge_query(fio_posix_get_ops(), vhd_get_path(v),
					 &iv->ldone, &iv->ltotal) == 0)
			iv->live = vhd_get_path(v);
}

static void info_text(struct vhd *v, const struct info_view *iv)
{
	const struct vhd_info *in = &iv->in;
	struct vhd_info pin;
	struct vhd *p;
	char u[40];

	printf("file:             %s\ntype:             %s\n"
	       "virtual size:     %llu\noriginal size:    %llu\n"
	       "file size:        %llu\ngeometry (CHS):   %u/%u/%u\n"
	       "uuid:             %s\ncreator:          %s %u.%u (%s)\n",
	       vhd_get_path(v), type_name(in->type),
	       (unsigned long long)in->cur_size,
	       (unsigned long long)in->orig_size,
	       (unsigned long long)in->file_size, in->cylinders, in->heads,
	       in->spt, iv->uuid, in->creator_app, in->creator_ver >> 16,
	       in->creator_ver & 0xFFFF, in->creator_os);
	if (in->type != VHD_TYPE_FIXED)
		printf("block size:       %u\nallocated blocks: %u of %u\n",
		       in->block_size, in->allocated_blocks,
		       (unsigned)((in->cur_size + in->block_size - 1) /
				  in->block_size));
	for (p = vhd_get_parent(v); p; p = vhd_get_parent(p)) {
		vhd_get_info(p, &pin);
		uuid_str(pin.uuid, u);
		printf("parent:           %s (%s, %s)\n", vhd_get_path(p),
		       type_name(pin.type), u);
	}
	if (iv->merging)
		printf("merge:            interrupted at block %u of %u "
		       "(run `vhd merge` again to finish)\n", iv->done, iv->total);
	if (iv->live)
		printf("live merge:       of %s's parent, at block %u of %u "
		       "(run `vhd live-merge` to finish)\n", iv->live,
		       iv->ldone, iv->ltotal);
}

static void info_json(struct vhd *v, const struct info_view *iv)
{
	const struct vhd_info *in = &iv->in;
	struct vhd_info pin;
	struct vhd *p;
	char u[40];

	printf("{\"file\": ");
	json_str(vhd_get_path(v));
	printf(", \"type\": \"%s\", \"virtual_size\": %llu, "
	       "\"original_size\": %llu, \"file_size\": %llu, "
	       "\"geometry\": {\"cylinders\": %u, \"heads\": %u, "
	       "\"sectors\": %u}, \"uuid\": \"%s\", \"creator\": "
	       "{\"app\": ", type_name(in->type),
	       (unsigned long long)in->cur_size,
	       (unsigned long long)in->orig_size,
	       (unsigned long long)in->file_size, in->cylinders, in->heads,
	       in->spt, iv->uuid);
	json_str(in->creator_app);
	printf(", \"version\": \"%u.%u\", \"os\": ", in->creator_ver >> 16,
	       in->creator_ver & 0xFFFF);
	json_str(in->creator_os);
	printf("}, \"block_size\": %u, \"allocated_blocks\": %u, "
	       "\"footer_copy_used\": %s, \"chain\": [", in->block_size,
	       in->allocated_blocks, in->used_footer_copy ? "true" : "false");
	for (p = vhd_get_parent(v); p; p = vhd_get_parent(p)) {
		vhd_get_info(p, &pin);
		uuid_str(pin.uuid, u);
		printf("%s{\"file\": ", p == vhd_get_parent(v) ? "" : ", ");
		json_str(vhd_get_path(p));
		printf(", \"type\": \"%s\", \"uuid\": \"%s\"}",
		       type_name(pin.type), u);
	}
	printf("]");
	if (iv->merging)
		printf(", \"merge\": {\"done_blocks\": %u, \"total_blocks\": "
		       "%u}", iv->done, iv->total);
	if (iv->live) {
		printf(", \"live_merge\": {\"child\": ");
		json_str(iv->live);
		printf(", \"done_blocks\": %u, \"total_blocks\": %u}",
		       iv->ldone, iv->ltotal);
	}
	printf("}\n");
}

int vhdtool_info(int argc, char **argv)
{
	int i = 1, json = 0, k;
	const char *file;
	struct info_view iv;
	struct vhd *v;

	for (k = 1; k < argc; k++)
		if (!strcmp(argv[k], "--json"))
			json = 1;
		else if (argv[k][0] == '-')
			return usage_err("info", "unknown option");
	file = positional(argc, argv, &i);
	if (!file || positional(argc, argv, &i))
		return usage_err("info", "need exactly one FILE");
	v = open_or_fail(file, 0);
	if (!v)
		return 1;
	info_gather(v, &iv);
	if (json)
		info_json(v, &iv);
	else
		info_text(v, &iv);
	vhd_close(v);
	return 0;
}

struct check_ctx {
	const char *file;
};

static void check_report(void *ctx, const char *problem)
{
	printf("%s: %s\n", ((struct check_ctx *)ctx)->file, problem);
}

int vhdtool_check(int argc, char **argv)
{
	struct check_ctx c;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return usage_err("check", "need exactly one FILE");
	c.file = argv[1];
	rc = vhd_check(fio_posix_get_ops(), argv[1], check_report, &c);
	if (rc < 0) {
		vhdtool_fail(argv[1], "cannot open: %s", strerror(-rc));
		return 2;
	}
	return rc ? 1 : 0;
}
