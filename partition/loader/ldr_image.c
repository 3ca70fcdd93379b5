/*
 * Kernel image loading into guest memory: ELF32/ELF64 by program headers
 * (System V gABI ch. 5), placing each PT_LOAD segment at p_paddr as GRUB
 * does, and raw images by Multiboot address fields (0.6.96 §3.1.3,
 * Multiboot2 §3.1.5). Every segment is validated before any byte is written.
 */
#include <errno.h>
#include <string.h>

#include "partition/loader/ldr_common.h"
#include "partition/loader/ldr_format.h"

/* One PT_LOAD segment, normalised from ELF32 or ELF64. */
struct seg {
	uint64_t off, vaddr, paddr, filesz, memsz;
};

/* The header fields we use, normalised. */
struct elfinfo {
	int cls;
	uint64_t entry, phoff;
	uint16_t type, machine, phentsize, phnum;
};

static int elf_ident(const struct ldr_file *k, char *why, size_t whylen)
{
	const uint8_t *d = k->data;

	if (k->len < 16 || d[0] != ELF_MAG0 || d[1] != 'E' || d[2] != 'L' ||
	    d[3] != 'F')
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is not an ELF file", ldr_name(k));
	if ((d[ELF_EI_CLASS] != ELF_CLASS32 && d[ELF_EI_CLASS] != ELF_CLASS64) ||
	    d[ELF_EI_DATA] != ELF_DATA2LSB || d[ELF_EI_VERSION] != ELF_EV_CURRENT)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is not a little-endian ELF32/ELF64 file",
				ldr_name(k));
	return d[ELF_EI_CLASS];
}

static int elf_header(const struct ldr_file *k, struct elfinfo *ei,
		      char *why, size_t whylen)
{
	struct elf32_ehdr h32;
	struct elf64_ehdr h64;
	int cls = elf_ident(k, why, whylen);

	if (cls < 0)
		return cls;
	ei->cls = cls;
	if (cls == ELF_CLASS32) {
		if (k->len < sizeof(h32))
			goto trunc;
		memcpy(&h32, k->data, sizeof(h32));
		*ei = (struct elfinfo){ cls, h32.e_entry, h32.e_phoff, h32.e_type,
					h32.e_machine, h32.e_phentsize, h32.e_phnum };
	} else {
		if (k->len < sizeof(h64))
			goto trunc;
		memcpy(&h64, k->data, sizeof(h64));
		*ei = (struct elfinfo){ cls, h64.e_entry, h64.e_phoff, h64.e_type,
					h64.e_machine, h64.e_phentsize, h64.e_phnum };
	}
	return 0;
trunc:
	return ldr_fail(why, whylen, -ENOEXEC,
			"kernel '%s' is truncated inside its ELF header", ldr_name(k));
}

/* Validate the header fields that decide how program headers are read. */
static int elf_check(const struct ldr_file *k, const struct elfinfo *ei,
		     char *why, size_t whylen)
{
	size_t want = ei->cls == ELF_CLASS32 ? sizeof(struct elf32_phdr)
					     : sizeof(struct elf64_phdr);
	uint16_t mach = ei->cls == ELF_CLASS32 ? ELF_EM_386 : ELF_EM_X86_64;

	if (ei->type != ELF_ET_EXEC)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is not an executable ELF file (type %u)",
				ldr_name(k), ei->type);
	if (ei->machine != mach)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is not an x86 ELF file (machine %u)",
				ldr_name(k), ei->machine);
	if (ei->phentsize != want || ei->phnum == 0 || ei->phnum > LDR_MAX_PHNUM)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' has a bad program header table (%u entries of %u bytes)",
				ldr_name(k), ei->phnum, ei->phentsize);
	if (ei->phoff > k->len || (uint64_t)ei->phnum * want > k->len - ei->phoff)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is truncated: program headers at 0x%llx run past the end",
				ldr_name(k), (unsigned long long)ei->phoff);
	return 0;
}

/* Read program header i; returns 1 for a PT_LOAD, 0 otherwise. */
static int elf_phdr(const struct ldr_file *k, const struct elfinfo *ei, int i,
		    struct seg *s)
{
	const uint8_t *p = (const uint8_t *)k->data + ei->phoff +
			   (uint64_t)i * ei->phentsize;
	struct elf32_phdr p32;
	struct elf64_phdr p64;

	if (ei->cls == ELF_CLASS32) {
		memcpy(&p32, p, sizeof(p32));
		*s = (struct seg){ p32.p_offset, p32.p_vaddr, p32.p_paddr,
				   p32.p_filesz, p32.p_memsz };
		return p32.p_type == ELF_PT_LOAD;
	}
	memcpy(&p64, p, sizeof(p64));
	*s = (struct seg){ p64.p_offset, p64.p_vaddr, p64.p_paddr, p64.p_filesz,
			   p64.p_memsz };
	return p64.p_type == ELF_PT_LOAD;
}

/* Check one segment's placement and record it in img. */
static int seg_admit(const struct ldr_gmem *mem, const struct ldr_file *k,
		     const struct seg *s, struct ldr_image *img,
		     char *why, size_t whylen)
{
	unsigned long long pa = s->paddr;
	char sz[32];
	int i, rc;

	if (s->filesz > s->memsz)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' segment at 0x%llx has file size above memory size",
				ldr_name(k), pa);
	if (s->off > k->len || s->filesz > k->len - s->off)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is truncated: segment at 0x%llx runs past the end of the file",
				ldr_name(k), pa);
	rc = ldr_range_check(mem, s->paddr, s->memsz);
	ldr_size_text(mem->size, sz, sizeof(sz));
	if (rc == -ERANGE)
		return ldr_fail(why, whylen, rc,
				"kernel segment at 0x%llx does not fit in %s of guest memory",
				pa, sz);
	if (rc)
		return ldr_fail(why, whylen, -ERANGE,
				"kernel segment at 0x%llx overlaps the reserved area 0x%x-0x%x",
				pa, LDR_LOW_END, LDR_HIGH_BASE - 1);
	for (i = 0; i < img->nsegs; i++)
		if (s->paddr < img->seg_hi[i] && s->paddr + s->memsz > img->seg_lo[i])
			return ldr_fail(why, whylen, -ENOEXEC,
					"kernel '%s' segments at 0x%llx and 0x%llx overlap",
					ldr_name(k), (unsigned long long)img->seg_lo[i], pa);
	if (img->nsegs == LDR_MAX_SEGS)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' has more than %d loadable segments",
				ldr_name(k), LDR_MAX_SEGS);
	img->seg_lo[img->nsegs] = s->paddr;
	img->seg_hi[img->nsegs++] = s->paddr + s->memsz;
	return 0;
}

/* Copy file bytes, then zero the rest of the segment (BSS, gABI ch. 5). */
static int seg_write(const struct ldr_gmem *mem, const struct ldr_file *k,
		     uint64_t gpa, uint64_t off, uint64_t filesz, uint64_t memsz,
		     char *why, size_t whylen)
{
	int rc = 0;

	if (filesz)
		rc = mem->write(mem->ctx, gpa, (const uint8_t *)k->data + off, filesz);
	if (!rc && memsz > filesz)
		rc = mem->fill(mem->ctx, gpa + filesz, 0, memsz - filesz);
	if (rc)
		return ldr_fail(why, whylen, rc,
				"writing kernel '%s' at 0x%llx failed", ldr_name(k),
				(unsigned long long)gpa);
	return 0;
}

static void img_bounds(struct ldr_image *img)
{
	int i;

	img->lo = UINT64_MAX;
	img->hi = 0;
	for (i = 0; i < img->nsegs; i++) {
		if (img->seg_lo[i] < img->lo)
			img->lo = img->seg_lo[i];
		if (img->seg_hi[i] > img->hi)
			img->hi = img->seg_hi[i];
	}
}

/*
 * The entry point is virtual; like GRUB, translate it to physical through
 * the PT_LOAD segment whose virtual range contains it.
 */
static uint64_t elf_entry(const struct ldr_file *k, const struct elfinfo *ei)
{
	struct seg s;
	int i;

	for (i = 0; i < ei->phnum; i++)
		if (elf_phdr(k, ei, i, &s) && s.memsz && ei->entry >= s.vaddr &&
		    ei->entry - s.vaddr < s.memsz)
			return ei->entry - s.vaddr + s.paddr;
	return ei->entry;
}

int ldr_image_load_elf(const struct ldr_gmem *mem, const struct ldr_file *k,
		       struct ldr_image *img, char *why, size_t whylen)
{
	struct elfinfo ei = { 0 };
	struct seg s;
	int i, rc;

	memset(img, 0, sizeof(*img));
	if ((rc = elf_header(k, &ei, why, whylen)) ||
	    (rc = elf_check(k, &ei, why, whylen)))
		return rc;
	for (i = 0; i < ei.phnum; i++)
		if (elf_phdr(k, &ei, i, &s) && s.memsz &&
		    (rc = seg_admit(mem, k, &s, img, why, whylen)))
			return rc;
	if (!img->nsegs)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' has no loadable segments", ldr_name(k));
	for (i = 0; i < ei.phnum; i++)
		if (elf_phdr(k, &ei, i, &s) && s.memsz &&
		    (rc = seg_write(mem, k, s.paddr, s.off, s.filesz, s.memsz,
				    why, whylen)))
			return rc;
	img_bounds(img);
	img->entry = elf_entry(k, &ei);
	return 0;
}

/*
 * Raw load by address fields (Multiboot 0.6.96 §3.1.3; Multiboot2 §3.1.5):
 * the file offset of load_addr is hdr_off - (header_addr - load_addr);
 * load_end_addr 0 means "to the end of the file"; bss_end_addr 0 means no
 * BSS. Multiboot2 load_addr 0xffffffff means "load from the file start".
 */
int ldr_image_load_raw(const struct ldr_gmem *mem, const struct ldr_file *k,
		       const struct ldr_raw_addrs *ra, struct ldr_image *img,
		       char *why, size_t whylen)
{
	uint64_t load = ra->load_addr, off, filesz, memsz;
	struct seg s;
	int rc;

	memset(img, 0, sizeof(*img));
	if (ra->load_addr == 0xffffffffu) {
		if (ra->header_addr < ra->hdr_off)
			goto bad;
		load = ra->header_addr - ra->hdr_off;
	}
	if (load > ra->header_addr || ra->header_addr - load > ra->hdr_off)
		goto bad;
	off = ra->hdr_off - (ra->header_addr - load);
	filesz = ra->load_end_addr ? (uint64_t)ra->load_end_addr - load : k->len - off;
	if (ra->load_end_addr && ra->load_end_addr < load)
		goto bad;
	memsz = ra->bss_end_addr ? (uint64_t)ra->bss_end_addr - load : filesz;
	if (ra->bss_end_addr && memsz < filesz)
		goto bad;
	s = (struct seg){ off, load, load, filesz, memsz };
	if (!memsz)
		goto bad;
	if ((rc = seg_admit(mem, k, &s, img, why, whylen)) ||
	    (rc = seg_write(mem, k, load, off, filesz, memsz, why, whylen)))
		return rc;
	img_bounds(img);
	return 0;
bad:
	return ldr_fail(why, whylen, -ENOEXEC,
			"kernel '%s' has inconsistent Multiboot load addresses",
			ldr_name(k));
}
