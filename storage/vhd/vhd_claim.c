/* Claims on the files of open VHD chains (vhd_claim.h). */
#include "storage/vhd/vhd_claim.h"

#include <errno.h>
#include <string.h>

static int same_file(const struct vhd_claim *c, const void *vol, const char *path)
{
	return c->vol == vol && !strcmp(c->path, path);
}

const struct vhd_claim *vhd_claims_find(const struct vhd_claims *t, const void *vol,
					const char *path, int write)
{
	for (unsigned i = 0; i < t->n; i++)
		if (same_file(&t->c[i], vol, path) && (write || t->c[i].write))
			return &t->c[i];
	return NULL;
}

const struct vhd_claim *vhd_claims_conflict(const struct vhd_claims *t, const void *vol,
					    const struct vhd *v, int writable)
{
	const struct vhd_claim *who = NULL;

	for (int top = 1; v && !who; v = vhd_get_parent(v), top = 0)
		who = vhd_claims_find(t, vol, vhd_get_path(v), top && writable);
	return who;
}

static unsigned chain_length(const struct vhd *v)
{
	unsigned n = 0;

	for (; v; v = vhd_get_parent(v))
		n++;
	return n;
}

int vhd_claims_take(struct vhd_claims *t, const void *vol, const struct vhd *v, int writable,
		    int owner, const struct vhd_claim **who)
{
	*who = vhd_claims_conflict(t, vol, v, writable);
	if (*who)
		return -EBUSY;
	if (chain_length(v) > VHD_CLAIM_MAX - t->n)
		return -ENOSPC;
	for (int top = 1; v; v = vhd_get_parent(v), top = 0)
		t->c[t->n++] = (struct vhd_claim){ vol, vhd_get_path(v), owner, top && writable };
	return 0;
}

int vhd_claims_hold(struct vhd_claims *t, const void *vol, const char *path, int owner,
		    const struct vhd_claim **who)
{
	struct vhd_claim *mine = NULL;

	*who = NULL;
	for (unsigned i = 0; i < t->n; i++) {
		if (!same_file(&t->c[i], vol, path))
			continue;
		/* Another owner, or another chain of owner's (two disks
		 * over one parent): each would read the merge's writes */
		if (t->c[i].owner != owner || mine) {
			*who = &t->c[i];
			return -EBUSY;
		}
		mine = &t->c[i];
	}
	if (!mine)
		return -ENOENT;
	mine->write = 1;
	return 0;
}

void vhd_claims_drop(struct vhd_claims *t, const void *vol, const struct vhd *v, int owner)
{
	for (; v; v = vhd_get_parent(v))
		for (unsigned i = 0; i < t->n; i++) {
			struct vhd_claim *c = &t->c[i];

			if (c->owner == owner && c->path == vhd_get_path(v) && c->vol == vol) {
				*c = t->c[--t->n];
				break;
			}
		}
}
