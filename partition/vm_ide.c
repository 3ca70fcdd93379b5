/*
 * A child's emulated IDE controller (see vm_ide.h): what a Hyper-V
 * generation 1 VM has at IDE controllers 0 and 1 (docs/ARCHITECTURE.md,
 * "Emulated IDE").
 *
 * Guest memory for bus-master DMA: the parent sees a child's page only
 * while hv has it mapped, and hv maps only the child's own RAM
 * (docs/ARCHITECTURE.md rule 1). A DMA the guest programs names its
 * pages as a storvsp request does, so each transfer's pages are mapped
 * with HvpartMapGpadlPages (docs/hypercalls.md "GPADL pages"), the bytes
 * moved at their host-physical addresses (the parent's identity map
 * covers them), and unmapped at once. A page that is not the child's
 * fails the whole call, which the bus-master engine ends as a master
 * abort (Error bit, ide_bmdma.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/vm.h"
#include "partition/vm_ide.h"
#include "partition/vsp/vsp_gpadl.h"
#include "partition/volume/fio_ext2.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_stor.h"

/* A DVD drive's medium: an ISO file opened read-only through its
 * drive's file operations (as vhd_mount_open_file opens a VHD); the
 * raw file backend of storage/blockdev.h serves it. Several drives, of
 * several VMs, may read one file. */
struct vm_ide_iso {
	struct vol_path file;
	struct fio_ext2 fx;
	struct fio_ops ops;
	struct blockdev bd;
};

/* Pages mapped a call: a PRD entry moves at most 64 KiB (17 pages). */
#define IDE_MAP_PAGES 32u

/* Bytes [gpa, gpa + len) within one batch of at most IDE_MAP_PAGES pages. */
static int mem_batch(struct vm_ide *v, uint64_t gpa, uint8_t *buf, size_t len, bool to_guest)
{
	uint64_t gpfn[IDE_MAP_PAGES] = { 0 }, pa[IDE_MAP_PAGES];
	uint32_t n = (uint32_t)(((gpa + len - 1) >> 12) - (gpa >> 12) + 1);
	size_t done = 0;

	if (!len || n > IDE_MAP_PAGES)
		return -EFAULT;      /* ide_mem never asks */
	for (uint32_t i = 0; i < n; i++)
		gpfn[i] = (gpa >> 12) + i;
	if (vsp_gpadl_hv_map(v->child, gpfn, n, pa))
		return -EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		size_t off = i ? 0 : (size_t)(gpa & 0xfff);
		size_t k = 4096 - off < len - done ? 4096 - off : len - done;
		uint8_t *p = (uint8_t *)(uintptr_t)pa[i] + off;

		if (to_guest)
			memcpy(p, buf + done, k);
		else
			memcpy(buf + done, p, k);
		done += k;
	}
	(void)vsp_gpadl_hv_unmap(pa, n);
	return 0;
}

static int ide_mem(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	uint8_t *b = buf;

	if (gpa >> 32 || len > (1ull << 32) - gpa)
		return -EFAULT;     /* the PRDs are 32-bit: the model never asks */
	while (len) {
		size_t room = IDE_MAP_PAGES * 4096 - (size_t)(gpa & 0xfff);
		size_t k = len < room ? len : room;
		int rc = mem_batch(ctx, gpa, b, k, to_guest);

		if (rc)
			return rc;
		gpa += k;
		b += k;
		len -= k;
	}
	return 0;
}

/* IRQ 14 and 15 (ide.h) through the child's 8259 pair, as COM1's IRQ 4. */
static void ide_irq(void *ctx, unsigned line, int level)
{
	struct vm_ide *v = ctx;

	vm_irq_set(v->vm, line, level);
}

static const struct ide_host_ops ide_ops = { ide_mem, ide_irq };

static void iso_close(struct vm_ide_iso *m)
{
	if (!m)
		return;
	blockdev_close(&m->bd);
	free(m);
}

/* Open path read-only as a medium: *out, or -errno with why. An ISO
 * 9660 image is a whole number of 2048-byte logical sectors (ECMA-119),
 * which is what the drive's READ CAPACITY reports. */
static int iso_open(const char *path, struct vm_ide_iso **out, char *why, size_t n)
{
	struct vm_ide_iso *m = calloc(1, sizeof(*m));
	uint64_t size;
	int rc;

	if (!m) {
		snprintf(why, n, "Out of memory for the DVD drive's medium.");
		return -ENOMEM;
	}
	rc = volume_resolve(path, &m->file);
	if (!rc) {
		fio_ext2_bind(&m->fx, m->file.vol, NULL, NULL, &m->ops);
		rc = blockdev_file_open(&m->ops, m->file.path, 0, 0, 0, &m->bd);
	}
	if (rc) {
		snprintf(why, n, "The file '%s' cannot be opened: %s.", path, volume_strerror(rc));
		free(m);
		return rc;
	}
	size = blockdev_get_size(&m->bd);
	if (size < ATAPI_SECTOR || size % ATAPI_SECTOR) {
		snprintf(why, n, "'%s' is not an ISO image: its size is not a whole number of "
			 "2048-byte sectors.", path);
		iso_close(m);
		return -EINVAL;
	}
	*out = m;
	return 0;
}

int vm_ide_iso_check(const char *path, char *why, size_t n)
{
	struct vm_ide_iso *m;
	int rc = iso_open(path, &m, why, n);

	if (!rc)
		iso_close(m);
	return rc;
}

static void ide_free(struct vm_ide *v)
{
	for (unsigned k = 0; k < 4; k++)
		iso_close(v->iso[k]);
	free(v);
}

/* The VM's DVD drives (vm->dvds): each with its ISO opened, or empty. */
static int attach_dvds(struct vm *vm, struct vm_ide *v, char *why, size_t n)
{
	for (int i = 0; i < vm->ndvds; i++) {
		const struct vmcfg_dvd *d = &vm->dvds[i];
		unsigned k = d->controller_number * 2u + d->controller_location;
		char serial[21];
		int rc;

		if (d->path[0] && (rc = iso_open(d->path, &v->iso[k], why, n)) != 0)
			return rc;
		snprintf(serial, sizeof(serial), "HVPART%02uCD%u%u", (unsigned)v->child,
			 (unsigned)d->controller_number, (unsigned)d->controller_location);
		rc = ide_attach_atapi(&v->ide.ch[d->controller_number], d->controller_location,
				      v->iso[k] ? &v->iso[k]->bd : NULL, serial);
		if (rc) {
			snprintf(why, n, "The DVD drive at IDE controller %u location %u cannot be "
				 "attached.", d->controller_number, d->controller_location);
			return rc;
		}
	}
	return 0;
}

static int attach_disks(struct vm_ide *v, char *why, size_t n)
{
	const char *serial;

	for (unsigned c = 0; c < 2; c++)
		for (unsigned l = 0; l < 2; l++) {
			struct blockdev *bd = vsp_stor_ide_disk(v->child, c, l, &serial);

			if (bd && ide_attach(&v->ide.ch[c], l, bd, serial)) {
				snprintf(why, n, "The disk at IDE controller %u location %u is smaller than a sector.",
					 c, l);
				return -EINVAL;
			}
		}
	return 0;
}

int vm_ide_start(struct vm *vm, char *why, size_t n)
{
	struct vm_ide *v = calloc(1, sizeof(*v));
	int rc;

	if (!v) {
		snprintf(why, n, "Out of memory for the virtual machine's IDE controller.");
		return -ENOMEM;
	}
	v->vm = vm;
	v->child = (uint64_t)vm->hv_id;
	pci_gen1_init(&v->pci);
	piix_ide_init(&v->ide, &v->pci.ide, &ide_ops, v);
	rc = attach_disks(v, why, n);
	if (!rc)
		rc = attach_dvds(vm, v, why, n);
	if (rc) {
		ide_free(v);
		return rc;
	}
	ide_reset(&v->ide.ch[0]);
	ide_reset(&v->ide.ch[1]);
	vm->ide = v;
	return 0;
}

int vm_ide_set_medium(struct vm *vm, unsigned num, unsigned loc, const char *path, char *why,
		      size_t n)
{
	struct vm_ide *v = vm->ide;
	struct vm_ide_iso *m = NULL;
	unsigned k = num * 2 + loc;
	int rc;

	if (!v || num > 1 || loc > 1 || !v->ide.ch[num].drive[loc].is_atapi) {
		snprintf(why, n, "The virtual machine has no DVD drive at IDE controller %u location %u.",
			 num, loc);
		return -ENODEV;
	}
	if (path && path[0] && (rc = iso_open(path, &m, why, n)) != 0)
		return rc;
	rc = ide_atapi_set_medium(&v->ide.ch[num], loc, m ? &m->bd : NULL);
	if (rc) {
		snprintf(why, n, "The DVD drive refused the medium.");
		iso_close(m);
		return rc;
	}
	iso_close(v->iso[k]);
	v->iso[k] = m;
	return 0;
}

void vm_ide_stop(struct vm *vm)
{
	if (vm->ide)
		ide_free(vm->ide);
	vm->ide = NULL;
}
