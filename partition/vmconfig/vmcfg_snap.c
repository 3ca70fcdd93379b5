/*
 * The snapshot layer of the configuration format (vmcfg.h, "Snapshots";
 * docs/vm-config.md): the snapshot tree in [Snapshot] sections, the VM's
 * place in it ([VM] ParentSnapshotId), merges under way ([Merge]), and
 * the names Hyper-V gives snapshots and their AVHDs. Key names are
 * Hyper-V's VMSnapshot property names (Get-VMSnapshot | Format-List).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "partition/vmconfig/vmcfg_priv.h"

#define SNAP "Snapshot"
#define MERGE "Merge"

static const char *const once_keys[] = {
	"Id", "Name", "ParentId", "CreationTime", "SnapshotType", "SavedState", NULL,
};

static int key_once(const struct vmcfg_section *s, const char *key, struct vmcfg_error *err)
{
	const struct vmcfg_entry *twice = vmcfg_find(s, key, 1);

	return twice ? vmcfg_fail(err, twice->line, -EINVAL, "%s is given twice in one [%s]", key,
				  s->name) : 0;
}

static int need(const struct vmcfg_section *s, const char *key, struct vmcfg_error *err)
{
	const char *v = vmcfg_get(s, key);

	return v && v[0] ? 0 : vmcfg_fail(err, s->line, -EINVAL, "[%s] needs %s", s->name, key);
}

static int line_of(const struct vmcfg_section *s, const char *key)
{
	const struct vmcfg_entry *e = vmcfg_find(s, key, 0);

	return e ? e->line : s->line;
}

static int parse_time(const char *v, int64_t *out)
{
	int64_t t = 0;

	if (!*v || strlen(v) > 12)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EINVAL;
		t = t * 10 + (*v - '0');
	}
	*out = t;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcasecmp(v, "False") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	if (!strcasecmp(v, "True") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	return -EINVAL;
}

static int find_id(const struct vmcfg_snaps *s, int before, const uint8_t id[16])
{
	for (int i = 0; i < before; i++)
		if (!memcmp(s->s[i].id, id, 16))
			return i;
	return -1;
}

static int snap_parent(const struct vmcfg_section *sec, struct vmcfg_snaps *out, int i,
		       struct vmcfg_error *err)
{
	const char *v = vmcfg_get(sec, "ParentId");
	uint8_t g[16];

	out->s[i].parent = -1;
	if (!v || !v[0])
		return 0;
	if (vmcfg_guid_parse(v, g))
		return vmcfg_fail(err, line_of(sec, "ParentId"), -EINVAL, "ParentId must be a GUID");
	out->s[i].parent = find_id(out, i, g);
	if (out->s[i].parent < 0)
		return vmcfg_fail(err, line_of(sec, "ParentId"), -EINVAL,
				  "ParentId names no earlier [Snapshot]");
	return 0;
}

static int snap_disks(const struct vmcfg_section *sec, struct vmcfg_snap *sn,
		      struct vmcfg_error *err)
{
	const struct vmcfg_entry *e;

	for (sn->ndisks = 0; (e = vmcfg_find(sec, "Disk", sn->ndisks)) != NULL; sn->ndisks++) {
		if (!e->value[0] || strlen(e->value) >= VMCFG_DISK_PATH_MAX)
			return vmcfg_fail(err, e->line, -EINVAL, "Disk must be a path of 1 to %u characters",
					  VMCFG_DISK_PATH_MAX - 1);
		if (sn->ndisks == VMCFG_DRIVES_MAX)
			return vmcfg_fail(err, e->line, -EINVAL, "more than %d Disk keys", VMCFG_DRIVES_MAX);
	}
	return 0;
}

static int get_snap(const struct vmcfg_section *sec, struct vmcfg_snaps *out, int i,
		    struct vmcfg_error *err)
{
	struct vmcfg_snap *sn = &out->s[i];
	const char *type = vmcfg_get(sec, "SnapshotType");
	int rc = 0;

	memset(sn, 0, sizeof(*sn));
	sn->sec = sec;
	for (int k = 0; once_keys[k] && !rc; k++)
		rc = key_once(sec, once_keys[k], err);
	if (!rc)
		rc = need(sec, "Id", err) ?: need(sec, "Name", err) ?: need(sec, "CreationTime", err);
	if (rc)
		return rc;
	if (vmcfg_guid_parse(vmcfg_get(sec, "Id"), sn->id))
		return vmcfg_fail(err, line_of(sec, "Id"), -EINVAL, "Id must be a GUID");
	if (find_id(out, i, sn->id) >= 0)
		return vmcfg_fail(err, line_of(sec, "Id"), -EINVAL, "two snapshots have this Id");
	if (strlen(vmcfg_get(sec, "Name")) >= sizeof(sn->name))
		return vmcfg_fail(err, line_of(sec, "Name"), -EINVAL, "Name is longer than %d characters",
				  VMCFG_SNAP_NAME_MAX - 1);
	strcpy(sn->name, vmcfg_get(sec, "Name"));
	if (parse_time(vmcfg_get(sec, "CreationTime"), &sn->created))
		return vmcfg_fail(err, line_of(sec, "CreationTime"), -EINVAL,
				  "CreationTime must be seconds since 1970");
	if (type && strcasecmp(type, "Standard"))
		return vmcfg_fail(err, line_of(sec, "SnapshotType"), -EINVAL, "SnapshotType must be Standard");
	if (parse_bool(vmcfg_get(sec, "SavedState"), &sn->saved))
		return vmcfg_fail(err, line_of(sec, "SavedState"), -EINVAL, "SavedState must be True or False");
	return snap_parent(sec, out, i, err) ?: snap_disks(sec, sn, err);
}

static int get_current(const struct vmcfg_doc *doc, struct vmcfg_snaps *out,
		       struct vmcfg_error *err)
{
	const struct vmcfg_section *vm = vmcfg_section(doc, "VM", 0);
	const char *v = vmcfg_get(vm, "ParentSnapshotId");
	uint8_t g[16];

	out->current = -1;
	if (!v || !v[0])
		return 0;
	if (vmcfg_guid_parse(v, g) || (out->current = find_id(out, out->n, g)) < 0)
		return vmcfg_fail(err, line_of(vm, "ParentSnapshotId"), -EINVAL,
				  "ParentSnapshotId names no [Snapshot]");
	return 0;
}

int vmcfg_get_snaps(const struct vmcfg_doc *doc, struct vmcfg_snaps *out, struct vmcfg_error *err)
{
	int count = vmcfg_section_count(doc, SNAP), rc;

	out->n = 0;
	out->current = -1;
	for (int i = 0; i < count; i++) {
		const struct vmcfg_section *sec = vmcfg_section(doc, SNAP, i);

		if (i == VMCFG_SNAPS_MAX)
			return vmcfg_fail(err, sec->line, -EINVAL, "more than %d [%s] sections",
					  VMCFG_SNAPS_MAX, SNAP);
		rc = get_snap(sec, out, i, err);
		if (rc)
			return rc;
		out->n = i + 1;
	}
	return get_current(doc, out, err);
}

const char *vmcfg_snap_disk(const struct vmcfg_snap *sn, int k)
{
	const struct vmcfg_entry *e = vmcfg_find(sn->sec, "Disk", k);

	return e ? e->value : "";
}

int vmcfg_snap_set_current(struct vmcfg_doc *doc, const uint8_t *id)
{
	struct vmcfg_section *vm = vmcfg_section(doc, "VM", 0);
	char g[37];

	if (!vm)
		return -EINVAL;
	if (!id)
		return vmcfg_set(vm, "ParentSnapshotId", NULL);
	vmcfg_guid_format(id, g);
	return vmcfg_set(vm, "ParentSnapshotId", g);
}

int vmcfg_snap_add(struct vmcfg_doc *doc, const uint8_t id[16], const char *name, int64_t created,
		   bool saved, const char *const *paths, int n)
{
	const char *cur = vmcfg_get(vmcfg_section(doc, "VM", 0), "ParentSnapshotId");
	char g[37], when[24], parent[37] = "";
	struct vmcfg_section *s;
	int rc;

	if (!vmcfg_section(doc, "VM", 0) || created < 0 || !name[0] ||
	    strlen(name) >= VMCFG_SNAP_NAME_MAX)
		return -EINVAL;
	if (cur)
		snprintf(parent, sizeof(parent), "%s", cur);
	s = vmcfg_section_add(doc, SNAP);
	if (!s)
		return -ENOMEM;
	vmcfg_guid_format(id, g);
	snprintf(when, sizeof(when), "%lld", (long long)created);
	rc = vmcfg_add(s, "Id", g) ?: vmcfg_add(s, "Name", name);
	if (!rc && parent[0])
		rc = vmcfg_add(s, "ParentId", parent);
	rc = rc ?: vmcfg_add(s, "CreationTime", when) ?: vmcfg_add(s, "SnapshotType", "Standard") ?:
	     vmcfg_add(s, "SavedState", saved ? "True" : "False");
	for (int i = 0; i < n && !rc; i++)
		rc = vmcfg_add(s, "Disk", paths[i]);
	return rc ?: vmcfg_snap_set_current(doc, id);
}

/* The section whose Id is g (text form), or NULL. */
static struct vmcfg_section *section_by_id(struct vmcfg_doc *doc, const char *g)
{
	struct vmcfg_section *s;

	for (int i = 0; (s = vmcfg_section(doc, SNAP, i)) != NULL; i++)
		if (vmcfg_get(s, "Id") && !strcasecmp(vmcfg_get(s, "Id"), g))
			return s;
	return NULL;
}

int vmcfg_snap_remove(struct vmcfg_doc *doc, const uint8_t id[16])
{
	struct vmcfg_section *s, *vm = vmcfg_section(doc, "VM", 0);
	char g[37], parent[37] = "";
	const char *cur;
	int rc = 0;

	vmcfg_guid_format(id, g);
	s = section_by_id(doc, g);
	if (!s)
		return -ENOENT;
	if (vmcfg_get(s, "ParentId"))
		snprintf(parent, sizeof(parent), "%s", vmcfg_get(s, "ParentId"));
	vmcfg_section_remove(doc, s);
	for (int i = 0; (s = vmcfg_section(doc, SNAP, i)) != NULL && !rc; i++) {
		const char *p = vmcfg_get(s, "ParentId");

		if (p && !strcasecmp(p, g))
			rc = vmcfg_set(s, "ParentId", parent[0] ? parent : NULL);
	}
	vm = vmcfg_section(doc, "VM", 0);
	cur = vmcfg_get(vm, "ParentSnapshotId");
	if (!rc && cur && !strcasecmp(cur, g))
		rc = vmcfg_set(vm, "ParentSnapshotId", parent[0] ? parent : NULL);
	return rc;
}

int vmcfg_snap_set_saved(struct vmcfg_doc *doc, const uint8_t id[16], bool saved)
{
	struct vmcfg_section *s;
	char g[37];

	vmcfg_guid_format(id, g);
	s = section_by_id(doc, g);
	return s ? vmcfg_set(s, "SavedState", saved ? "True" : "False") : -ENOENT;
}

int vmcfg_snap_rename(struct vmcfg_doc *doc, const uint8_t id[16], const char *name)
{
	struct vmcfg_section *s;
	char g[37];

	if (!name[0] || strlen(name) >= VMCFG_SNAP_NAME_MAX)
		return -EINVAL;
	vmcfg_guid_format(id, g);
	s = section_by_id(doc, g);
	return s ? vmcfg_set(s, "Name", name) : -ENOENT;
}

int vmcfg_snap_find(const struct vmcfg_snaps *s, const char *name, int from)
{
	for (int i = from < 0 ? 0 : from; i < s->n; i++)
		if (!strcasecmp(s->s[i].name, name))
			return i;
	return -1;
}

int vmcfg_snap_dependents(const struct vmcfg_snaps *s, int i)
{
	int n = s->current == i;

	for (int k = 0; k < s->n; k++)
		n += s->s[k].parent == i;
	return n;
}

bool vmcfg_snap_file_used(const struct vmcfg_snaps *s, const char *path, int except)
{
	for (int i = 0; i < s->n; i++)
		for (int k = 0; i != except && k < s->s[i].ndisks; k++)
			if (!strcasecmp(vmcfg_snap_disk(&s->s[i], k), path))
				return true;
	return false;
}

/* ---- Names ---- */

void vmcfg_snap_default_name(const char *vm, int64_t year, unsigned mon, unsigned day,
			     unsigned hour, unsigned min, unsigned sec, char *out, size_t n)
{
	unsigned h12 = hour % 12 ? hour % 12 : 12;

	snprintf(out, n, "%s - (%u/%u/%lld - %u:%02u:%02u %s)", vm, mon, day, (long long)year, h12,
		 min, sec, hour < 12 ? "AM" : "PM");
}

/* Whether base ends in "_" and a GUID in text form. */
static bool ends_in_guid(const char *base, size_t len)
{
	uint8_t g[16];
	char tail[37];

	if (len < 37 || base[len - 37] != '_')
		return false;
	memcpy(tail, base + len - 36, 36);
	tail[36] = '\0';
	return !vmcfg_guid_parse(tail, g);
}

int vmcfg_avhd_name(const char *disk, const char *dir, const uint8_t g[16], char *out, size_t n)
{
	const char *slash = strrchr(disk, '\\'), *base = slash ? slash + 1 : disk;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	char id[37];
	int w;

	if (ends_in_guid(base, len))
		len -= 37;
	vmcfg_guid_format(g, id);
	for (char *c = id; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
	w = snprintf(out, n, "%s\\%.*s_%s.avhd", dir, (int)len, base, id);
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* ---- Merges under way ---- */

static int get_merge(const struct vmcfg_section *s, struct vmcfg_merge *m, struct vmcfg_error *err)
{
	static const char *const keys[] = { "Child", "Parent" };
	char *dst[] = { m->child, m->parent };

	for (int k = 0; k < 2; k++) {
		const char *v = vmcfg_get(s, keys[k]);
		int rc = key_once(s, keys[k], err) ?: need(s, keys[k], err);

		if (rc)
			return rc;
		if (strlen(v) >= VMCFG_DISK_PATH_MAX)
			return vmcfg_fail(err, line_of(s, keys[k]), -EINVAL, "%s is longer than %u characters",
					  keys[k], VMCFG_DISK_PATH_MAX - 1);
		strcpy(dst[k], v);
	}
	return 0;
}

int vmcfg_get_merges(const struct vmcfg_doc *doc, struct vmcfg_merge *m, int max, int *n,
		     struct vmcfg_error *err)
{
	int count = vmcfg_section_count(doc, MERGE), rc;

	*n = 0;
	for (int i = 0; i < count; i++) {
		const struct vmcfg_section *s = vmcfg_section(doc, MERGE, i);

		if (i == max)
			return vmcfg_fail(err, s->line, -EINVAL, "more than %d [%s] sections", max, MERGE);
		rc = get_merge(s, &m[i], err);
		if (rc)
			return rc;
		*n = i + 1;
	}
	return 0;
}

int vmcfg_merge_add(struct vmcfg_doc *doc, const char *child, const char *parent)
{
	struct vmcfg_section *s;

	if (!child[0] || !parent[0] || strlen(child) >= VMCFG_DISK_PATH_MAX ||
	    strlen(parent) >= VMCFG_DISK_PATH_MAX ||
	    vmcfg_section_count(doc, MERGE) >= VMCFG_MERGES_MAX)
		return -EINVAL;
	s = vmcfg_section_add(doc, MERGE);
	if (!s)
		return -ENOMEM;
	return vmcfg_add(s, "Child", child) ?: vmcfg_add(s, "Parent", parent);
}

int vmcfg_merge_done(struct vmcfg_doc *doc, const char *child)
{
	struct vmcfg_section *s;

	for (int i = 0; (s = vmcfg_section(doc, MERGE, i)) != NULL; i++) {
		const char *c = vmcfg_get(s, "Child");

		if (c && !strcasecmp(c, child)) {
			vmcfg_section_remove(doc, s);
			return 0;
		}
	}
	return -ENOENT;
}
