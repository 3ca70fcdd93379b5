/*
 * A child's kernel into its memory: the loaders (partition/loader/) over
 * the child's pages while they are still the parent's (loaded before the
 * hand-over, docs/ARCHITECTURE.md rule 1), the boot files (drive B:) or
 * a path on any drive, and the ACPI tables the child finds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/acpi/acpi.h"
#include "partition/loader/linux.h"
#include "partition/parent.h"
#include "partition/vm_load.h"
#include "partition/volume/volume.h"

/* Guest memory for the loader: the child's pages, still the parent's. */
static int gmem_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	const struct pmem_set *set = ctx;
	const uint8_t *s = src;

	while (len) {
		uint64_t contig, pa = pmem_gpa_to_pa(set, gpa, &contig);
		size_t n = len < contig ? len : (size_t)contig;

		if (!contig)
			return -EFAULT;
		memcpy((void *)(uintptr_t)pa, s, n);
		gpa += n;
		s += n;
		len -= n;
	}
	return 0;
}

static int gmem_fill(void *ctx, uint64_t gpa, uint8_t byte, size_t len)
{
	const struct pmem_set *set = ctx;

	while (len) {
		uint64_t contig, pa = pmem_gpa_to_pa(set, gpa, &contig);
		size_t n = len < contig ? len : (size_t)contig;

		if (!contig)
			return -EFAULT;
		memset((void *)(uintptr_t)pa, byte, n);
		gpa += n;
		len -= n;
	}
	return 0;
}

/* A dry run checks a kernel against the memory size without touching any. */
static int dry_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	(void)src;
	return gpa + len <= *(uint64_t *)ctx ? 0 : -EFAULT;
}

static int dry_fill(void *ctx, uint64_t gpa, uint8_t byte, size_t len)
{
	(void)byte;
	return gpa + len <= *(uint64_t *)ctx ? 0 : -EFAULT;
}

#define VM_FILE_MAX (256u << 20)

/* A kernel or module: a boot file by bare name (drive B:), or a path on
 * any drive (C:\guests\x.elf), read into memory for the load. */
static int file_get(const char *name, struct ldr_file *f, void **owned)
{
	const struct hvpart_module *m = parent_file_find(name);
	size_t len;

	*owned = NULL;
	if (m) {
		f->name = m->name;
		f->data = (const void *)(uintptr_t)m->base;
		f->len = m->length;
		return 0;
	}
	if (volume_load_file(name, VM_FILE_MAX, owned, &len))
		return -ENOENT;
	f->name = name;
	f->data = *owned;
	f->len = len;
	return 0;
}

/* The ACPI tables a child finds in the 0xe0000 scan area (a Linux child
 * also through the zero page's acpi_rsdp_addr): a local APIC per vCPU,
 * no IOAPIC, the 8259 pair of partition/devices/pic8259.c
 * (partition/acpi/acpi.h). */
static int vm_acpi(const struct vm *vm, const struct ldr_gmem *gm, uint64_t *rsdp, char *why,
		   size_t n)
{
	static uint8_t tables[LNX_ACPI_AREA];
	struct acpi_config ac = { vm->processors ? vm->processors : 1, false, true };
	struct acpi_layout lay;
	int rc = acpi_build_tables(&ac, LNX_ACPI_GPA, tables, sizeof(tables), &lay);

	if (!rc)
		rc = gm->write(gm->ctx, LNX_ACPI_GPA, tables, lay.len);
	if (rc)
		snprintf(why, n, "Building the VM's ACPI tables failed (%d).", rc);
	*rsdp = lay.rsdp;
	return rc;
}

/* A bzImage (recognised by its setup header, never by name): ACPI tables,
 * then the Linux boot protocol with the optional initrd. */
static int vm_load_linux(struct vm *vm, const struct ldr_gmem *gm, const struct ldr_file *k,
			 struct ldr_vp_state *vp, void **owned, char *why, size_t n)
{
	struct ldr_file rd = { 0 };
	struct ldr_linux_boot b = { k, NULL, vm->cmdline, 0 };
	int rc;

	if (vm->nmodules) {
		snprintf(why, n, "'%s' is a Linux kernel: it takes -Initrd, not -Module.", vm->kernel);
		return -EINVAL;
	}
	if (vm->mem_bytes > LNX_RAM_MAX) {
		snprintf(why, n, "A Linux VM has at most %u MB of memory (its MMIO window starts at 0x%x).",
			 (unsigned)(LNX_RAM_MAX >> 20), (unsigned)LNX_RAM_MAX);
		return -EINVAL;
	}
	if (vm->initrd[0]) {
		if (file_get(vm->initrd, &rd, owned)) {
			snprintf(why, n, "Cannot find path '%s' because it does not exist.", vm->initrd);
			return -ENOENT;
		}
		b.initrd = &rd;
	}
	if ((rc = vm_acpi(vm, gm, &b.rsdp, why, n)))
		return rc;
	return ldr_load_linux(gm, &b, vp, NULL, why, n);
}

static int load(struct vm *vm, const struct ldr_gmem *gm, struct ldr_vp_state *vp, char *why,
		size_t n)
{
	struct ldr_file kernel, mods[VM_MODULES_MAX];
	void *owned[VM_MODULES_MAX + 2] = { 0 };
	int rc = -ENOENT, i;

	if (file_get(vm->kernel, &kernel, &owned[0])) {
		snprintf(why, n, "Cannot find path '%s' because it does not exist.", vm->kernel);
		goto out;
	}
	if (ldr_is_bzimage(&kernel)) {
		rc = vm_load_linux(vm, gm, &kernel, vp, &owned[VM_MODULES_MAX + 1], why, n);
		goto out;
	}
	rc = -EINVAL;
	if (vm->initrd[0]) {
		snprintf(why, n, "'%s' is not a Linux bzImage: -Initrd is for Linux kernels (a Multiboot kernel takes -Module).",
			 vm->kernel);
		goto out;
	}
	rc = -ENOENT;
	for (i = 0; i < vm->nmodules; i++)
		if (file_get(vm->modules[i], &mods[i], &owned[i + 1])) {
			snprintf(why, n, "Cannot find path '%s' because it does not exist.",
				 vm->modules[i]);
			goto out;
		}
	/* A Multiboot kernel finds its vCPUs in the MADT too (before the
	 * load: a kernel placed over the scan area wins). */
	rc = vm_acpi(vm, gm, &(uint64_t){ 0 }, why, n);
	if (!rc)
		rc = ldr_load_multiboot(gm, &kernel, mods, vm->nmodules, vm->cmdline, vp, why, n);
out:
	for (i = 0; i < VM_MODULES_MAX + 2; i++)
		free(owned[i]);
	return rc;
}

int vm_load_check(struct vm *vm, char *why, size_t n)
{
	struct ldr_gmem dry = { &vm->mem_bytes, vm->mem_bytes, dry_write, dry_fill };
	struct ldr_vp_state vp;

	return load(vm, &dry, &vp, why, n);
}

int vm_load_into(struct vm *vm, struct ldr_vp_state *vp, char *why, size_t n)
{
	struct ldr_gmem gm = { &vm->mem, vm->mem_bytes, gmem_write, gmem_fill };

	gmem_fill(&vm->mem, 0, 0, vm->mem_bytes);
	return load(vm, &gm, vp, why, n);
}
