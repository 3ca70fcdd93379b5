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
#include "partition/vsp/vsp_stor.h"

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

int vm_ide_start(struct vm *vm, char *why, size_t n)
{
	struct vm_ide *v = calloc(1, sizeof(*v));
	const char *serial;

	if (!v) {
		snprintf(why, n, "Out of memory for the virtual machine's IDE controller.");
		return -ENOMEM;
	}
	v->vm = vm;
	v->child = (uint64_t)vm->hv_id;
	pci_gen1_init(&v->pci);
	piix_ide_init(&v->ide, &v->pci.ide, &ide_ops, v);
	for (unsigned c = 0; c < 2; c++) {
		for (unsigned l = 0; l < 2; l++) {
			struct blockdev *bd = vsp_stor_ide_disk(v->child, c, l, &serial);

			if (bd && ide_attach(&v->ide.ch[c], l, bd, serial)) {
				snprintf(why, n, "The disk at IDE controller %u location %u is smaller than a sector.",
					 c, l);
				free(v);
				return -EINVAL;
			}
		}
		ide_reset(&v->ide.ch[c]);
	}
	vm->ide = v;
	return 0;
}

void vm_ide_stop(struct vm *vm)
{
	free(vm->ide);
	vm->ide = NULL;
}
