/*
 * The Linux x86 64-bit boot protocol for child partitions
 * (Documentation/arch/x86/boot.rst "64-bit Boot Protocol", zero-page.rst):
 * a bzImage's setup header checked, its protected-mode code placed, the
 * zero page, command line and initrd written, identity-mapping page tables
 * and a GDT built, and the vCPU state for the 64-bit entry.
 *
 * Guest memory layout (docs/child-platform.md "Boot"):
 *   0x1000            GDT: 0x10 flat 64-bit code, 0x18 flat data (boot.rst)
 *   0x2000-0x7fff     PML4, PDPT, 4 page directories: 0-4 GiB identity, 2 MiB pages
 *   0x8000            zero page (struct boot_params)
 *   0x9000-0x9fff     a stack page (RSP 0xa000; the kernel sets its own at once)
 *   0x10000-0x1ffff   command line
 *   0xe0000-0xfffff   ACPI tables, written by the caller (reserved in e820)
 *   pref_address      the kernel (init_size bytes), else the lowest
 *                     kernel_alignment boundary from 1 MiB for a relocatable one
 *   top of RAM        the initrd, page-aligned, below initrd_addr_max
 */
#ifndef PARTITION_LOADER_LINUX_H
#define PARTITION_LOADER_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/loader/multiboot.h"

#define LNX_GDT_GPA 0x1000u
#define LNX_PML4_GPA 0x2000u
#define LNX_PDPT_GPA 0x3000u
#define LNX_PD_GPA 0x4000u           /* four pages: one per GiB */
#define LNX_ZP_GPA 0x8000u
#define LNX_STACK_TOP 0xa000u
#define LNX_CMDLINE_GPA 0x10000u
#define LNX_CMDLINE_AREA 0x10000u
#define LNX_ACPI_GPA 0xe0000u        /* where vm.c puts the ACPI tables */
#define LNX_ACPI_AREA 0x20000u
#define LNX_MAP_TOP 0x100000000ull   /* the identity map covers 4 GiB */
#define LNX_RAM_MAX 0xf0000000ull    /* RAM below the DSDT's VMOD window */
#define LNX_BOOT_CS 0x10u            /* __BOOT_CS, boot.rst */
#define LNX_BOOT_DS 0x18u            /* __BOOT_DS */

struct ldr_linux_boot {
	const struct ldr_file *kernel;
	const struct ldr_file *initrd;   /* NULL or empty: none */
	const char *cmdline;             /* NULL: empty */
	uint64_t rsdp;                   /* GPA of the ACPI RSDP, 0: none */
};

/* What the loader decided, for the caller's log and the tests. */
struct ldr_linux_info {
	uint64_t load, init_size, initrd_gpa, initrd_len;
	uint16_t version;
};

/* true if the file carries a bzImage setup header ("HdrS" at 0x202 and
 * the 0xaa55 boot flag): the loader then treats it as Linux. */
bool ldr_is_bzimage(const struct ldr_file *k);

/* Load; 0 or a negative errno with a one-line reason in why. `info` may
 * be NULL. On failure guest memory may be partly written. */
int ldr_load_linux(const struct ldr_gmem *mem, const struct ldr_linux_boot *b,
		   struct ldr_vp_state *vp, struct ldr_linux_info *info,
		   char *why, size_t whylen);

#endif
