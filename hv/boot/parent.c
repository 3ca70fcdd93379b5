/*
 * Loading the parent partition: an ELF64 executable linked in the top
 * 2 GiB (-mcmodel=kernel), passed as the Multiboot2 module named "parent".
 * hv copies it into parent-owned RAM, builds its first page tables
 * (identity map of physical memory plus the kernel mapping), hands it a
 * boot-information page, and builds its EPT: everything but hv's pages.
 */
#include <errno.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/hv.h>
#include <hv/mm/ept.h>
#include <hv/mm/pagetable.h>
#include <hv/mm/pool.h>
#include <lib/elf.h>
#include "boot.h"

#define PARENT_VBASE_MIN 0xffffffff80000000ull
#define PARENT_MAX_SPAN (256ull << 20)

struct elf_span {
	uint64_t vmin, vmax;
};

static int elf_check(const uint8_t *img, uint64_t size, struct elf_span *sp, const char **why)
{
	const struct elf64_ehdr *eh = (const void *)img;

	*why = "the parent module is not an ELF64 x86-64 executable";
	if (size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) ||
	    eh->e_ident[ELF_EI_CLASS] != ELF_CLASS64 || eh->e_ident[ELF_EI_DATA] != ELF_DATA2LSB ||
	    eh->e_type != ELF_ET_EXEC || eh->e_machine != ELF_EM_X86_64)
		return -ENOEXEC;
	*why = "the parent module's ELF program headers are malformed";
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
	    eh->e_phoff > size || (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > size - eh->e_phoff)
		return -ENOEXEC;
	sp->vmin = ~0ull;
	sp->vmax = 0;
	for (uint16_t i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		*why = "a parent ELF segment lies outside the file or the top 2 GiB";
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
		    ph->p_vaddr < PARENT_VBASE_MIN || ph->p_memsz > PARENT_MAX_SPAN ||
		    ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
			return -ENOEXEC;
		if (ph->p_vaddr < sp->vmin)
			sp->vmin = ph->p_vaddr;
		if (ph->p_vaddr + ph->p_memsz > sp->vmax)
			sp->vmax = ph->p_vaddr + ph->p_memsz;
	}
	*why = "the parent ELF has no loadable segment containing its entry point";
	if (sp->vmin == ~0ull || eh->e_entry < sp->vmin || eh->e_entry >= sp->vmax ||
	    sp->vmax - sp->vmin > PARENT_MAX_SPAN)
		return -ENOEXEC;
	sp->vmin = ALIGN_DOWN(sp->vmin, 1ull << 21);
	return 0;
}

static void elf_copy(const uint8_t *img, uint64_t vmin, uint64_t pbase)
{
	const struct elf64_ehdr *eh = (const void *)img;

	for (uint16_t i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(*ph));
		uint8_t *dst;

		if (ph->p_type != ELF_PT_LOAD || !ph->p_memsz)
			continue;
		dst = (uint8_t *)(uintptr_t)(pbase + (ph->p_vaddr - vmin));
		memcpy(dst, img + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
}

/* Page-table pages for the parent come from parent-owned RAM. */
static void *parent_table_alloc(void *ctx, uint64_t *pa)
{
	struct hv_mem *m = ctx;

	if (frame_alloc_page(&m->phys, pa))
		return NULL;
	memset((void *)(uintptr_t)*pa, 0, 4096);
	return (void *)(uintptr_t)*pa;
}

static void parent_table_free(void *ctx, uint64_t pa)
{
	frame_free_page(&((struct hv_mem *)ctx)->phys, pa);
}

static void *ident_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static uint64_t phys_map_limit(const struct hv_mem *m)
{
	uint64_t lim = m->ram_top > HV_PHYS_LIMIT ? m->ram_top : HV_PHYS_LIMIT;

	return ALIGN_UP(lim, 1ull << 30);
}

static int parent_page_tables(struct hv_mem *m, uint64_t vmin, uint64_t pbase,
			      uint64_t span, uint64_t *cr3)
{
	static const struct pt_ops ops = { parent_table_alloc, parent_table_free, ident_p2v };
	struct pt pt;
	uint32_t r[4];
	unsigned opts = 0;

	cpuid(0x80000001, 0, r);
	if (!(r[3] & (1u << 26)))   /* 1 GiB pages, CPUID.80000001h:EDX[26] */
		opts |= PT_OPT_NO_1G;
	if (pt_init(&pt, &ops, m, opts) ||
	    pt_map_range(&pt, 0, 0, phys_map_limit(m), PT_RW) ||
	    pt_map_range(&pt, vmin, pbase, span, PT_RW | PT_G))
		return -ENOMEM;
	*cr3 = pt_cr3(&pt);
	return 0;
}

static void module_name(char *dst, const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && n < HVPART_NAME_MAX - 1) {
		dst[n] = s[n];
		n++;
	}
	dst[n] = '\0';
}

static void bi_add_range(struct hvpart_boot_info *bi, uint64_t base, uint64_t len)
{
	if (!len)
		return;
	if (bi->mem_count && bi->mem[bi->mem_count - 1].base +
	    bi->mem[bi->mem_count - 1].length == base) {
		bi->mem[bi->mem_count - 1].length += len;
		return;
	}
	if (bi->mem_count < HVPART_MAX_MEM_RANGES)
		bi->mem[bi->mem_count++] = (struct hvpart_mem_range){ base, len };
}

/* Hand every still-free page below 4 GiB, and all RAM above, to the parent. */
static void bi_fill_memory(struct hv_mem *m, struct hvpart_boot_info *bi)
{
	/* Take the free pages out of the allocator run by run: after this,
	 * hv's phys allocator is empty and the pages are the parent's. */
	for (;;) {
		uint64_t pa;

		if (frame_alloc_page(&m->phys, &pa))
			break;
		bi_add_range(bi, pa, 4096);
	}
	for (uint32_t i = 0; i < m->mbi->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &m->mbi->mmap[i];
		uint64_t b = e->base_addr, end = e->base_addr + e->length;

		if (e->type != 1 || end <= HV_PHYS_LIMIT)
			continue;
		if (b < HV_PHYS_LIMIT)
			b = HV_PHYS_LIMIT;
		bi_add_range(bi, ALIGN_UP(b, 4096), ALIGN_DOWN(end, 4096) - ALIGN_UP(b, 4096));
	}
}

static void bi_fill(struct hv_mem *m, const struct mb2_info *mbi, struct hvpart_boot_info *bi,
		    uint64_t boot_tsc)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = HVPART_BOOT_MAGIC;
	bi->boot_tsc = boot_tsc;
	if (mbi->rsdp_v2.ptr)
		bi->rsdp_gpa = m->info_pa + mbi->rsdp_v2.offset;
	else if (mbi->rsdp_v1.ptr)
		bi->rsdp_gpa = m->info_pa + mbi->rsdp_v1.offset;
	hv_snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", mbi->cmdline);
	for (uint32_t i = 0; i < mbi->module_count && bi->module_count < HVPART_MAX_MODULES; i++) {
		const struct mb2_module *mod = &mbi->modules[i];
		struct hvpart_module *bm = &bi->modules[bi->module_count];

		module_name(bm->name, mod->string);
		if (!strcmp(bm->name, "parent"))
			continue;
		bm->base = mod->start;
		bm->length = mod->end - mod->start;
		bi->module_count++;
	}
}

int boot_load_parent(struct hv_mem *m, const struct mb2_info *mbi, uint64_t boot_tsc,
		     struct hv_parent_image *img, const char **why)
{
	const struct mb2_module *mod = mb2_find_module(mbi, "parent");
	const uint8_t *elf;
	struct hvpart_boot_info *bi;
	struct elf_span sp;
	uint64_t span, pbase, bi_pa, heap_len;

	if (!mod) {
		*why = "no parent partition: GRUB must load it as a module named 'parent' (module2 /boot/parent.elf parent)";
		return -ENOENT;
	}
	elf = (const uint8_t *)(uintptr_t)mod->start;
	if (elf_check(elf, mod->end - mod->start, &sp, why))
		return -ENOEXEC;
	span = ALIGN_UP(sp.vmax - sp.vmin, 1ull << 21);
	*why = "not enough free memory for the parent partition's image";
	if (frame_alloc_contig(&m->phys, span / 4096, 512, &pbase))
		return -ENOMEM;
	elf_copy(elf, sp.vmin, pbase);
	*why = "not enough free memory for the parent partition's page tables";
	if (parent_page_tables(m, sp.vmin, pbase, span, &img->cr3) ||
	    frame_alloc_page(&m->phys, &bi_pa))
		return -ENOMEM;
	bi = (struct hvpart_boot_info *)(uintptr_t)bi_pa;
	bi_fill(m, mbi, bi, boot_tsc);
	/* The parent's heap: a quarter of what is left, at most 64 MiB. */
	heap_len = ALIGN_DOWN(frame_count_free(&m->phys) / 4 * 4096, 1ull << 21);
	if (heap_len > (64ull << 20))
		heap_len = 64ull << 20;
	if (heap_len < (4ull << 20) ||
	    frame_alloc_contig(&m->phys, heap_len / 4096, 512, &bi->heap_base))
		return -ENOMEM;
	bi->heap_len = heap_len;
	bi_fill_memory(m, bi);
	img->entry = ((const struct elf64_ehdr *)elf)->e_entry;
	img->boot_info_gpa = bi_pa;
	return 0;
}

int boot_parent_ept(struct hv_mem *m, struct partition *p)
{
	uint64_t lim = phys_map_limit(m);

	if (ept_init_opts(&p->ept, &hv_ept_ops, NULL, arch_ept_opts()))
		return -ENOMEM;
	/* Device memory is uncached; firmware-listed RAM (available, ACPI,
	 * NVS) is write-back (SDM Vol. 3C §29.3.7 memory typing with EPT). */
	if (ept_map_range(&p->ept, 0, 0, lim, EPT_RWX, EPT_MT_UC))
		return -ENOMEM;
	for (uint32_t i = 0; i < m->mbi->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &m->mbi->mmap[i];
		uint64_t b = ALIGN_DOWN(e->base_addr, 4096);
		uint64_t end = ALIGN_UP(e->base_addr + e->length, 4096);

		if ((e->type == 1 || e->type == 3 || e->type == 4) && end <= lim && end > b &&
		    ept_map_range(&p->ept, b, b, end - b, EPT_RWX, EPT_MT_WB))
			return -ENOMEM;
	}
	/* hv's own pages are not the parent's (docs/ARCHITECTURE.md rule 1). */
	if (ept_unmap_range(&p->ept, m->hv_start, m->hv_end - m->hv_start) ||
	    ept_unmap_range(&p->ept, m->pool_base, m->pool_size))
		return -ENOMEM;
	return 0;
}

/* The parent starts at its ELF entry in 64-bit mode, with the page tables
 * boot_load_parent built and RDI = its boot information: flat segments
 * (access rights as struct hvpart_seg holds them: type, S, DPL, P, L, D,
 * G; 0 = unusable), a busy 64-bit TSS selector, and no descriptor tables
 * yet (SDM Vol. 3A §9.8.5 "Initializing IA-32e Mode"). */
void boot_parent_vp_state(const struct hv_parent_image *img, struct hvpart_vp_state *s)
{
	static const struct hvpart_seg code = { .sel = 0x08, .limit = 0xffffffff, .ar = 0xa09b };
	static const struct hvpart_seg data = { .sel = 0x10, .limit = 0xffffffff, .ar = 0xc093 };
	static const struct hvpart_seg none = { .limit = 0xffffffff };

	memset(s, 0, sizeof(*s));
	s->gpr[GPR_RDI] = img->boot_info_gpa;
	s->rip = img->entry;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s->cr3 = img->cr3;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	s->cs = code;
	s->ss = s->ds = s->es = data;
	s->fs = s->gs = s->ldtr = none;
	s->tr = (struct hvpart_seg){ .sel = 0x18, .limit = 0x67, .ar = 0x8b };
}
