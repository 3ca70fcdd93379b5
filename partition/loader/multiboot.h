/*
 * Child-partition kernel loader: Multiboot v1 (0.6.96) and Multiboot2 ELF
 * kernels with modules and a command line. The parent calls it before the
 * child first runs, while it still owns the child's pages
 * (docs/ARCHITECTURE.md rule 1).
 *
 * Guest memory layout the loader produces (docs/child-platform.md):
 *   kernel segments   at their ELF p_paddr (or the Multiboot address fields),
 *                     anywhere in available RAM
 *   modules           page-aligned, in order, from the first free page after
 *                     the kernel's highest loaded byte (BSS included), else
 *                     the lowest free pages
 *   boot information  one block on the first free page from 0x9000 up,
 *                     else the lowest free one: never over the kernel or
 *                     a module
 */
#ifndef PARTITION_LOADER_MULTIBOOT_H
#define PARTITION_LOADER_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

/* The child's RAM as the parent sees it before hand-over. */
struct ldr_gmem {
	void *ctx;
	uint64_t size;           /* bytes of guest RAM at GPA 0 */
	int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);  /* 0 or -errno */
	int (*fill)(void *ctx, uint64_t gpa, uint8_t byte, size_t len);
};

struct ldr_file { const char *name; const void *data; size_t len; };

/* Segment register, access rights in the VMX guest-state format. */
struct ldr_seg { uint16_t sel; uint64_t base; uint32_t limit; uint32_t ar; };

/* Initial vCPU state the parent passes to hv. */
struct ldr_vp_state {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
	struct ldr_seg cs, ds, es, fs, gs, ss, tr, ldtr;
	uint64_t gdtr_base, idtr_base; uint32_t gdtr_limit, idtr_limit;
};

#define LDR_MAX_MODULES 64       /* modules per child */
#define LDR_MAX_CMDLINE 4096     /* bytes including the NUL */
#define LDR_MAX_NAME 256         /* module name bytes including the NUL */
#define LDR_LOADER_NAME "hvpart" /* Multiboot boot_loader_name */

/*
 * Load `kernel` (Multiboot2 header preferred, else Multiboot v1), place
 * `nmods` modules, build the boot information and fill `vp`. Returns 0, or
 * a negative errno with a one-line reason in `why` (NUL-terminated,
 * truncated to `whylen`). On failure guest memory may be partly written.
 */
int ldr_load_multiboot(const struct ldr_gmem *mem, const struct ldr_file *kernel,
		       const struct ldr_file *mods, int nmods, const char *cmdline,
		       struct ldr_vp_state *vp, char *why, size_t whylen);

#endif
