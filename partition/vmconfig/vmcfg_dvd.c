/*
 * The DVD drive layer of the configuration format: [DvdDrive] sections
 * (one per drive, docs/vm-config.md) to struct vmcfg_dvd and back. Key
 * names are Get-VMDvdDrive's (ControllerType, ControllerNumber,
 * ControllerLocation, Path). A generation 1 VM's DVD drives are on its
 * IDE controllers, so ControllerType is IDE or absent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "partition/vmconfig/vmcfg_priv.h"

#define SECTION "DvdDrive"

static const char *const dvd_keys[] = {
	"Path", "ControllerType", "ControllerNumber", "ControllerLocation", NULL,
};

static int get_keys(const struct vmcfg_section *s, const struct vmcfg_entry *e[4],
		    struct vmcfg_error *err)
{
	for (int i = 0; dvd_keys[i]; i++) {
		const struct vmcfg_entry *twice = vmcfg_find(s, dvd_keys[i], 1);

		if (twice)
			return vmcfg_fail(err, twice->line, -EINVAL, "%s is given twice in one [%s]",
					  dvd_keys[i], SECTION);
		e[i] = vmcfg_find(s, dvd_keys[i], 0);
	}
	return 0;
}

static int get_dvd(const struct vmcfg_section *s, struct vmcfg_dvd *d, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e[4];
	int rc = get_keys(s, e, err);

	memset(d, 0, sizeof(*d));
	if (rc)
		return rc;
	if (e[0] && strlen(e[0]->value) >= sizeof(d->path))
		return vmcfg_fail(err, e[0]->line, -EINVAL, "Path is longer than %u characters",
				  VMCFG_DISK_PATH_MAX - 1);
	if (e[0])
		memcpy(d->path, e[0]->value, strlen(e[0]->value) + 1);
	if (e[1] && strcasecmp(e[1]->value, "IDE"))
		return vmcfg_fail(err, e[1]->line, -EINVAL,
				  "ControllerType must be IDE (a generation 1 VM's DVD drives)");
	if (!e[2] || vmcfg_small_number(e[2]->value, 1, &d->controller_number))
		return vmcfg_fail(err, e[2] ? e[2]->line : s->line, -EINVAL,
				  "ControllerNumber must be 0 or 1 (two IDE controllers)");
	if (!e[3] || vmcfg_small_number(e[3]->value, 1, &d->controller_location))
		return vmcfg_fail(err, e[3] ? e[3]->line : s->line, -EINVAL,
				  "ControllerLocation must be 0 or 1");
	return 0;
}

/* d[i] against d[0..i) and the IDE hard disks: one device a place. */
static int dvd_unique(const struct vmcfg_disk *disks, int ndisks, const struct vmcfg_dvd *d,
		      int i, int line, struct vmcfg_error *err)
{
	unsigned num = d[i].controller_number, loc = d[i].controller_location;

	for (int j = 0; j < i; j++)
		if (d[j].controller_number == num && d[j].controller_location == loc)
			return vmcfg_fail(err, line, -EINVAL, "two DVD drives at IDE %u location %u",
					  num, loc);
	for (int j = 0; j < ndisks; j++)
		if (disks[j].controller_type == VMCFG_CTRL_IDE && disks[j].controller_number == num &&
		    disks[j].controller_location == loc)
			return vmcfg_fail(err, line, -EINVAL, "IDE %u location %u has a hard disk and "
					  "a DVD drive", num, loc);
	return 0;
}

int vmcfg_get_dvds(const struct vmcfg_doc *doc, const struct vmcfg_disk *disks, int ndisks,
		   struct vmcfg_dvd *d, int max, int *n, struct vmcfg_error *err)
{
	int count = vmcfg_section_count(doc, SECTION), rc;

	*n = 0;
	for (int i = 0; i < count; i++) {
		const struct vmcfg_section *s = vmcfg_section(doc, SECTION, i);

		if (i >= max)
			return vmcfg_fail(err, s->line, -EINVAL, "more than %d [%s] sections", max,
					  SECTION);
		rc = get_dvd(s, &d[i], err);
		if (!rc)
			rc = dvd_unique(disks, ndisks, d, i, s->line, err);
		if (rc)
			return rc;
		*n = i + 1;
	}
	return 0;
}

static int put_dvd(struct vmcfg_section *s, const struct vmcfg_dvd *d)
{
	char num[8], loc[8];
	int rc;

	snprintf(num, sizeof(num), "%u", d->controller_number);
	snprintf(loc, sizeof(loc), "%u", d->controller_location);
	rc = vmcfg_set(s, "ControllerType", "IDE");
	if (!rc)
		rc = vmcfg_set(s, "ControllerNumber", num);
	if (!rc)
		rc = vmcfg_set(s, "ControllerLocation", loc);
	if (!rc)
		rc = vmcfg_set(s, "Path", d->path[0] ? d->path : NULL);
	return rc;
}

int vmcfg_put_dvds(struct vmcfg_doc *doc, const struct vmcfg_dvd *d, int n)
{
	struct vmcfg_section *s;
	int rc;

	while (vmcfg_section_count(doc, SECTION) > n)
		vmcfg_section_remove(doc, vmcfg_section(doc, SECTION, n));
	for (int i = 0; i < n; i++) {
		if (memchr(d[i].path, 0, sizeof(d[i].path)) == NULL || d[i].controller_number > 1 ||
		    d[i].controller_location > 1)
			return -EINVAL;
		s = vmcfg_section(doc, SECTION, i);
		if (!s)
			s = vmcfg_section_add(doc, SECTION);
		if (!s)
			return -ENOMEM;
		rc = put_dvd(s, &d[i]);
		if (rc)
			return rc;
	}
	return 0;
}
