/*
 * The disk registry. A disk is a blockdev plus what Get-Disk shows; its
 * partition table is read (storage/ptable.c) when it is registered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/drivers/ahci.h"
#include "partition/drivers/ata.h"
#include "partition/drivers/disk.h"

static struct disk *disks[DISK_MAX];
static int next_number;

struct disk *disk_register(const struct blockdev *bd, const char *bus,
			   const char *location, const char *model,
			   const char *serial)
{
	struct disk *d;
	int slot = -1;

	for (int i = 0; i < DISK_MAX && slot < 0; i++)
		if (!disks[i])
			slot = i;
	if (slot < 0 || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->number = next_number++;
	d->bd = *bd;
	snprintf(d->bus, sizeof(d->bus), "%s", bus);
	snprintf(d->location, sizeof(d->location), "%s", location);
	snprintf(d->model, sizeof(d->model), "%s", model && *model ? model : "(unnamed)");
	snprintf(d->serial, sizeof(d->serial), "%s", serial ? serial : "");
	if (ptable_read(&d->bd, &d->table) < 0 && !d->table.note[0])
		snprintf(d->table.note, sizeof(d->table.note), "partition table unreadable");
	disks[slot] = d;
	return d;
}

int disk_unregister(struct disk *d)
{
	for (int i = 0; i < DISK_MAX; i++) {
		if (disks[i] != d)
			continue;
		if (d->use == DISK_USE_HOST_VOLUME || d->use == DISK_USE_VM)
			return -EBUSY;
		blockdev_close(&d->bd);
		disks[i] = NULL;
		free(d);
		return 0;
	}
	return -ENOENT;
}

int disk_count(void)
{
	int n = 0;

	for (int i = 0; i < DISK_MAX; i++)
		n += disks[i] != NULL;
	return n;
}

/* Disks in number order (the slots are filled in order and reused). */
struct disk *disk_at(int i)
{
	struct disk *best = NULL;
	int lower = -1;

	for (int k = 0; k <= i; k++) {
		best = NULL;
		for (int j = 0; j < DISK_MAX; j++)
			if (disks[j] && disks[j]->number > lower &&
			    (!best || disks[j]->number < best->number))
				best = disks[j];
		if (!best)
			return NULL;
		lower = best->number;
	}
	return best;
}

struct disk *disk_find(int number)
{
	for (int i = 0; i < DISK_MAX; i++)
		if (disks[i] && disks[i]->number == number)
			return disks[i];
	return NULL;
}

const char *disk_use_name(enum disk_use u)
{
	switch (u) {
	case DISK_USE_HOST_VOLUME: return "Host volume";
	case DISK_USE_VM: return "Pass-through";
	case DISK_USE_MOUNTED_VHD: return "Mounted VHD";
	default: return "None";
	}
}

char disk_mounted_letter(const struct disk *d)
{
	if (d->volume)
		return d->volume;
	for (int i = 0; i < d->table.nparts && i < PTABLE_PART_MAX; i++)
		if (d->part_volume[i])
			return d->part_volume[i];
	return 0;
}

int disk_set_offline(struct disk *d, bool offline)
{
	if (offline && (disk_mounted_letter(d) || d->use == DISK_USE_HOST_VOLUME ||
			d->use == DISK_USE_MOUNTED_VHD))
		return -EBUSY;
	if (!offline && d->use == DISK_USE_VM)
		return -EBUSY;
	d->offline = offline;
	return 0;
}

/* The parent's own disks are ATA hard disks (ata.c, ahci.c); CD/DVD
 * drives (bus ATAPI) are read-only media of another sector size. */
int disk_claim_vm(struct disk *d)
{
	if (!strcmp(d->bus, "ATAPI"))
		return -ENODEV;
	if (!d->offline || d->use != DISK_USE_NONE)
		return -EBUSY;
	d->use = DISK_USE_VM;
	return 0;
}

void disk_release_vm(struct disk *d)
{
	if (d->use == DISK_USE_VM)
		d->use = DISK_USE_NONE;
}

#ifdef __HVPART_TARGET__
/* The registry itself is portable: host tests (tests/unit/devices/
 * test_disk.c) register RAM disks. */
void disk_scan(void)
{
	ata_probe_all();
	ahci_probe_all();
}
#endif
