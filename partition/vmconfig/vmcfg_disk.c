/*
 * The disk layer of the configuration format: [HardDrive] sections (one
 * per disk, docs/vm-config.md) to struct vmcfg_disk and back. Key names
 * are Hyper-V's (Get-VMHardDiskDrive's ControllerType, ControllerNumber,
 * ControllerLocation, Path, and DiskNumber for a pass-through disk).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "partition/vmconfig/vmcfg_priv.h"

#define SECTION "HardDrive"

static const char *const disk_keys[] = {
	"Path", "ControllerType", "ControllerNumber", "ControllerLocation", "DiskNumber", NULL,
};
#define DISK_KEYS 5

/* A decimal number 0..max (no sign, no suffix). */
int vmcfg_small_number(const char *s, unsigned max, uint8_t *out)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = (uint8_t)v;
	return 0;
}

/* Each known key at most once; the entry for key, or NULL. */
static int disk_key(const struct vmcfg_section *s, const char *key,
		    const struct vmcfg_entry **e, struct vmcfg_error *err)
{
	const struct vmcfg_entry *twice = vmcfg_find(s, key, 1);

	if (twice)
		return vmcfg_fail(err, twice->line, -EINVAL, "%s is given twice in one [%s]", key,
				  SECTION);
	*e = vmcfg_find(s, key, 0);
	return 0;
}

/* ControllerType (default SCSI), ControllerNumber and ControllerLocation
 * within the type's range: SCSI controller 0 locations 0-63, IDE
 * controllers 0-1 locations 0-1 (a generation 1 VM's). */
static int disk_place(const struct vmcfg_entry *const e[DISK_KEYS], struct vmcfg_disk *d,
		      struct vmcfg_error *err)
{
	bool ide = e[1] && !strcasecmp(e[1]->value, "IDE");
	unsigned nmax = ide ? 1 : 0, lmax = ide ? 1 : VMCFG_DISKS_MAX - 1;

	if (e[1] && !ide && strcasecmp(e[1]->value, "SCSI"))
		return vmcfg_fail(err, e[1]->line, -EINVAL, "ControllerType must be SCSI or IDE");
	d->controller_type = ide ? VMCFG_CTRL_IDE : VMCFG_CTRL_SCSI;
	if (e[2] && vmcfg_small_number(e[2]->value, nmax, &d->controller_number))
		return vmcfg_fail(err, e[2]->line, -EINVAL, ide ? "ControllerNumber must be 0 or 1 "
				  "(two IDE controllers)" : "ControllerNumber must be 0 (one SCSI controller)");
	if (e[3] && vmcfg_small_number(e[3]->value, lmax, &d->controller_location))
		return vmcfg_fail(err, e[3]->line, -EINVAL, "ControllerLocation must be 0 to %u",
				  lmax);
	return 0;
}

/* DiskNumber: a pass-through disk's Get-Disk Number, decimal. */
static int disk_number(const struct vmcfg_entry *e, struct vmcfg_disk *d, struct vmcfg_error *err)
{
	const char *s = e->value;
	unsigned v = 0;

	if (!*s || strlen(s) > 4 || strspn(s, "0123456789") != strlen(s))
		return vmcfg_fail(err, e->line, -EINVAL, "DiskNumber must be 0 to %u",
				  VMCFG_DISK_NUMBER_MAX);
	for (; *s; s++)
		v = v * 10 + (unsigned)(*s - '0');
	d->pass_through = 1;
	d->disk_number = (uint16_t)v;
	return 0;
}

static int get_disk(const struct vmcfg_section *s, struct vmcfg_disk *d, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e[DISK_KEYS];
	int rc;

	memset(d, 0, sizeof(*d));
	for (int i = 0; disk_keys[i]; i++) {
		rc = disk_key(s, disk_keys[i], &e[i], err);
		if (rc)
			return rc;
	}
	if (e[4] && e[0])
		return vmcfg_fail(err, e[4]->line, -EINVAL, "[%s] has a Path and a DiskNumber; "
				  "give one", SECTION);
	if (e[4])
		return disk_number(e[4], d, err) ?: disk_place(e, d, err);
	if (!e[0] || !e[0]->value[0])
		return vmcfg_fail(err, s->line, -EINVAL, "[%s] needs a Path or a DiskNumber",
				  SECTION);
	if (strlen(e[0]->value) >= sizeof(d->path))
		return vmcfg_fail(err, e[0]->line, -EINVAL, "Path is longer than %u characters",
				  VMCFG_DISK_PATH_MAX - 1);
	memcpy(d->path, e[0]->value, strlen(e[0]->value) + 1);
	return disk_place(e, d, err);
}

/* d[i] against d[0..i): one disk a location, one location a file or
 * a physical disk. */
static int disk_unique(const struct vmcfg_disk *d, int i, int line, struct vmcfg_error *err)
{
	for (int j = 0; j < i; j++) {
		if (d[j].controller_type == d[i].controller_type &&
		    d[j].controller_number == d[i].controller_number &&
		    d[j].controller_location == d[i].controller_location)
			return vmcfg_fail(err, line, -EINVAL, "two disks at %s %u location %u",
					  d[i].controller_type == VMCFG_CTRL_IDE ? "IDE" : "SCSI",
					  d[i].controller_number, d[i].controller_location);
		if (d[j].pass_through && d[i].pass_through && d[j].disk_number == d[i].disk_number)
			return vmcfg_fail(err, line, -EINVAL, "DiskNumber %u is attached twice",
					  d[i].disk_number);
		if (!d[i].pass_through && !d[j].pass_through && !strcmp(d[j].path, d[i].path))
			return vmcfg_fail(err, line, -EINVAL, "%s is attached twice", d[i].path);
	}
	return 0;
}

int vmcfg_get_disks(const struct vmcfg_doc *doc, struct vmcfg_disk *d, int max, int *n,
		    struct vmcfg_error *err)
{
	int count = vmcfg_section_count(doc, SECTION), rc;

	*n = 0;
	for (int i = 0; i < count; i++) {
		const struct vmcfg_section *s = vmcfg_section(doc, SECTION, i);

		if (i >= max)
			return vmcfg_fail(err, s->line, -EINVAL, "more than %d [%s] sections", max,
					  SECTION);
		rc = get_disk(s, &d[i], err);
		if (rc)
			return rc;
		rc = disk_unique(d, i, s->line, err);
		if (rc)
			return rc;
		*n = i + 1;
	}
	return 0;
}

static int put_disk(struct vmcfg_section *s, const struct vmcfg_disk *d)
{
	char num[8], loc[8], dn[8];
	int rc;

	snprintf(num, sizeof(num), "%u", d->controller_number);
	snprintf(loc, sizeof(loc), "%u", d->controller_location);
	snprintf(dn, sizeof(dn), "%u", d->disk_number);
	/* A reused section drops the other kind's key. */
	rc = vmcfg_set(s, "Path", d->pass_through ? NULL : d->path);
	if (!rc)
		rc = vmcfg_set(s, "DiskNumber", d->pass_through ? dn : NULL);
	if (!rc)
		rc = vmcfg_set(s, "ControllerType",
			       d->controller_type == VMCFG_CTRL_IDE ? "IDE" : "SCSI");
	if (!rc)
		rc = vmcfg_set(s, "ControllerNumber", num);
	if (!rc)
		rc = vmcfg_set(s, "ControllerLocation", loc);
	return rc;
}

int vmcfg_put_disks(struct vmcfg_doc *doc, const struct vmcfg_disk *d, int n)
{
	struct vmcfg_section *s;
	int rc;

	while (vmcfg_section_count(doc, SECTION) > n)
		vmcfg_section_remove(doc, vmcfg_section(doc, SECTION, n));
	for (int i = 0; i < n; i++) {
		if ((d[i].pass_through ? d[i].disk_number > VMCFG_DISK_NUMBER_MAX : !d[i].path[0]) ||
		    memchr(d[i].path, 0, sizeof(d[i].path)) == NULL ||
		    d[i].controller_type > VMCFG_CTRL_IDE)
			return -EINVAL;
		s = vmcfg_section(doc, SECTION, i);
		if (!s)
			s = vmcfg_section_add(doc, SECTION);
		if (!s)
			return -ENOMEM;
		rc = put_disk(s, &d[i]);
		if (rc)
			return rc;
	}
	return 0;
}
