/*
 * Linux x86 64-bit boot protocol: see linux.h for the layout. Every check
 * of the bzImage happens before any byte of guest memory is written, so a
 * refused kernel leaves the memory as it was (and New-VM's dry run needs
 * no memory at all).
 */
#include <errno.h>
#include <string.h>

#include "partition/loader/ldr_common.h"
#include "partition/loader/ldr_format.h"
#include "partition/loader/linux.h"

#define HDR_END_MIN 0x26cu         /* protocol 2.12's header runs to init_size */
#define DEFAULT_INITRD_MAX 0x37ffffffu /* boot.rst: before 2.03 */

/* The checked facts about one bzImage. */
struct bz {
	struct lnx_setup_header h;
	uint64_t hdr_len;          /* bytes of header the image really has */
	uint64_t setup_len;        /* real-mode part: (setup_sects + 1) * 512 */
	uint64_t payload_len;      /* protected-mode part: syssize * 16 */
	uint64_t load;             /* chosen load address */
};

bool ldr_is_bzimage(const struct ldr_file *k)
{
	uint32_t magic;
	uint16_t flag;

	if (!k || !k->data || k->len < 0x206)
		return false;
	memcpy(&flag, (const uint8_t *)k->data + 0x1fe, 2);
	memcpy(&magic, (const uint8_t *)k->data + 0x202, 4);
	return flag == LNX_BOOT_FLAG && magic == LNX_HDR_MAGIC;
}

/*
 * The header's length from the jump at 0x200 (boot.rst: "the header ends
 * at 0x202 + the byte at 0x201"), clipped to what we know and to the file.
 */
static int hdr_copy(const struct ldr_file *k, struct bz *z, char *why, size_t whylen)
{
	const uint8_t *d = k->data;
	uint64_t end = 0x202u + d[0x201];

	if (end > LNX_HDR_OFFSET + sizeof(z->h))
		end = LNX_HDR_OFFSET + sizeof(z->h);
	if (end < HDR_END_MIN)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' has a setup header of %llu bytes, too short for boot protocol 2.12",
				ldr_name(k), (unsigned long long)(end - LNX_HDR_OFFSET));
	if (end > k->len)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is truncated inside its setup header", ldr_name(k));
	memset(&z->h, 0, sizeof(z->h));
	z->hdr_len = end - LNX_HDR_OFFSET;
	memcpy(&z->h, d + LNX_HDR_OFFSET, z->hdr_len);
	return 0;
}

/* boot.rst: protocol 2.12 or later with XLF_KERNEL_64 for the 64-bit
 * entry; LOADED_HIGH, since the code goes above 1 MiB. */
static int hdr_protocol(const struct ldr_file *k, const struct bz *z,
			char *why, size_t whylen)
{
	const struct lnx_setup_header *h = &z->h;

	if (h->version < LNX_MIN_VERSION)
		return ldr_fail(why, whylen, -ENOTSUP,
				"kernel '%s' speaks Linux boot protocol %u.%02u; hvpart needs 2.12 or later (64-bit entry)",
				ldr_name(k), h->version >> 8, h->version & 0xff);
	if (!(h->xloadflags & LNX_XLF_KERNEL_64))
		return ldr_fail(why, whylen, -ENOTSUP,
				"kernel '%s' has no 64-bit entry point (xloadflags bit 0 clear)",
				ldr_name(k));
	if (!(h->loadflags & LNX_LOADED_HIGH))
		return ldr_fail(why, whylen, -ENOTSUP,
				"kernel '%s' is a zImage (loads below 1 MiB); hvpart boots bzImages only",
				ldr_name(k));
	return 0;
}

/* setup_sects and syssize must describe the file; init_size must hold
 * the code; a relocatable kernel's alignment must be a power of two. */
static int hdr_sizes(const struct ldr_file *k, struct bz *z, char *why, size_t whylen)
{
	const struct lnx_setup_header *h = &z->h;
	uint32_t align = h->kernel_alignment;

	z->setup_len = ((uint64_t)(h->setup_sects ? h->setup_sects
						  : LNX_DEFAULT_SETUP_SECTS) + 1) * LNX_SECTOR;
	z->payload_len = (uint64_t)h->syssize * 16;
	if (!z->payload_len || z->setup_len > k->len ||
	    z->payload_len > k->len - z->setup_len)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is truncated: its header gives %llu bytes, the file has %llu",
				ldr_name(k), (unsigned long long)(z->setup_len + z->payload_len),
				(unsigned long long)k->len);
	if (h->init_size < z->payload_len || z->payload_len <= LNX_ENTRY64_OFFSET)
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is corrupt: init_size 0x%x is smaller than its code (0x%llx)",
				ldr_name(k), h->init_size, (unsigned long long)z->payload_len);
	if (h->relocatable_kernel && (align < LDR_PAGE || (align & (align - 1))))
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is corrupt: kernel_alignment 0x%x is not a power of two of at least 4 KiB",
				ldr_name(k), align);
	return 0;
}

static bool load_fits(const struct ldr_gmem *mem, uint64_t at, uint32_t size)
{
	uint64_t top = mem->size < LNX_MAP_TOP ? mem->size : LNX_MAP_TOP;

	return at >= LDR_HIGH_BASE && at <= top && size <= top - at;
}

/*
 * boot.rst: a non-relocatable kernel runs only at pref_address; a
 * relocatable one anywhere kernel_alignment-aligned. pref_address first
 * (it saves the decompressor a relocation), else the lowest aligned
 * address from 1 MiB.
 */
static int choose_load(const struct ldr_gmem *mem, const struct ldr_file *k,
		       struct bz *z, char *why, size_t whylen)
{
	const struct lnx_setup_header *h = &z->h;
	uint64_t low;
	char sz[32];

	if (load_fits(mem, h->pref_address, h->init_size) &&
	    (!h->relocatable_kernel || !(h->pref_address & (h->kernel_alignment - 1)))) {
		z->load = h->pref_address;
		return 0;
	}
	low = h->relocatable_kernel ? ldr_align_up(LDR_HIGH_BASE, h->kernel_alignment) : 0;
	if (low && load_fits(mem, low, h->init_size)) {
		z->load = low;
		return 0;
	}
	ldr_size_text(mem->size, sz, sizeof(sz));
	return ldr_fail(why, whylen, -ENOMEM,
			"kernel '%s' needs %llu MiB of memory to start (init_size 0x%x at 0x%llx); the VM has %s",
			ldr_name(k),
			(unsigned long long)(((low ? low : h->pref_address) + h->init_size + (1u << 20) - 1) >> 20),
			h->init_size, (unsigned long long)(low ? low : h->pref_address), sz);
}

static int check_cmdline(const struct ldr_file *k, const struct bz *z, const char *cmdline,
			 char *why, size_t whylen)
{
	size_t len = strnlen(cmdline, LNX_CMDLINE_AREA);

	if (len >= LNX_CMDLINE_AREA || len > z->h.cmdline_size)
		return ldr_fail(why, whylen, -E2BIG,
				"command line of %zu bytes is over kernel '%s''s limit of %u bytes (cmdline_size)",
				len, ldr_name(k), (unsigned)z->h.cmdline_size);
	return 0;
}

/* The initrd goes as high as it can (boot.rst: below initrd_addr_max),
 * page-aligned, above everything the kernel's init_size covers. */
static int place_initrd(const struct ldr_gmem *mem, const struct bz *z,
			const struct ldr_file *rd, uint64_t *at, char *why, size_t whylen)
{
	uint64_t top = mem->size < LNX_MAP_TOP ? mem->size : LNX_MAP_TOP;
	uint64_t lim = z->h.initrd_addr_max ? (uint64_t)z->h.initrd_addr_max + 1
					    : DEFAULT_INITRD_MAX + 1ull;
	uint64_t floor = z->load + z->h.init_size;
	char sz[32];

	if (lim < top)
		top = lim;
	if (rd->len <= top && ((top - rd->len) & ~(uint64_t)(LDR_PAGE - 1)) >= floor) {
		*at = (top - rd->len) & ~(uint64_t)(LDR_PAGE - 1);
		return 0;
	}
	ldr_size_text(mem->size, sz, sizeof(sz));
	return ldr_fail(why, whylen, -ENOMEM,
			"initrd '%s' (%llu bytes) does not fit in %s of guest memory above the kernel (0x%llx-0x%llx)",
			ldr_name(rd), (unsigned long long)rd->len, sz,
			(unsigned long long)z->load, (unsigned long long)floor);
}

/* Every check, no writes: the header, the load address, the command line
 * and the initrd's place. */
static int bz_check(const struct ldr_gmem *mem, const struct ldr_linux_boot *b,
		    struct bz *z, uint64_t *rd_at, char *why, size_t whylen)
{
	const struct ldr_file *k = b->kernel;
	int rc;

	if (!ldr_is_bzimage(k))
		return ldr_fail(why, whylen, -ENOEXEC,
				"kernel '%s' is not a bzImage (no \"HdrS\" setup header)", ldr_name(k));
	if ((rc = hdr_copy(k, z, why, whylen)) || (rc = hdr_protocol(k, z, why, whylen)) ||
	    (rc = hdr_sizes(k, z, why, whylen)) || (rc = choose_load(mem, k, z, why, whylen)) ||
	    (rc = check_cmdline(k, z, b->cmdline, why, whylen)))
		return rc;
	*rd_at = 0;
	if (b->initrd && b->initrd->len) {
		if (!b->initrd->data)
			return ldr_fail(why, whylen, -EINVAL, "initrd '%s' has no data",
					ldr_name(b->initrd));
		return place_initrd(mem, z, b->initrd, rd_at, why, whylen);
	}
	return 0;
}

/* zero-page.rst: the e820 map of docs/child-platform.md "Memory". */
static int zp_e820(const struct ldr_gmem *mem, struct lnx_boot_params *zp)
{
	struct ldr_range r[LDR_MMAP_MAX];
	int n = ldr_mmap_build(mem, r), i;

	for (i = 0; i < n; i++)
		zp->e820_table[i] = (struct lnx_e820_entry){
			r[i].base, r[i].len,
			r[i].type == MB_MMAP_AVAILABLE ? LNX_E820_RAM : LNX_E820_RESERVED };
	zp->e820_entries = (uint8_t)n;
	return n;
}

/*
 * zero-page.rst and boot.rst "Details of header fields": a zeroed page,
 * then only the image's own setup header (copying more would set the
 * sentinel at 0x1ef and make the kernel wipe fields), then what the boot
 * loader fills in.
 */
static void zp_build(const struct ldr_gmem *mem, const struct ldr_linux_boot *b,
		     const struct bz *z, uint64_t rd_at, struct lnx_boot_params *zp)
{
	memset(zp, 0, sizeof(*zp));
	memcpy(&zp->hdr, &z->h, z->hdr_len);
	zp->hdr.type_of_loader = LNX_LOADER_UNDEFINED;
	zp->hdr.code32_start = (uint32_t)z->load;
	zp->hdr.cmd_line_ptr = LNX_CMDLINE_GPA;
	if (rd_at) {
		zp->hdr.ramdisk_image = (uint32_t)rd_at;
		zp->hdr.ramdisk_size = (uint32_t)b->initrd->len;
		zp->ext_ramdisk_image = (uint32_t)(rd_at >> 32);
		zp->ext_ramdisk_size = (uint32_t)(b->initrd->len >> 32);
	}
	zp->acpi_rsdp_addr = b->rsdp;
	zp_e820(mem, zp);
}

/*
 * The GDT boot.rst asks for (0x10 execute/read, 0x18 read/write, both
 * flat) and IA-32e tables identity-mapping 0-4 GiB with 2 MiB pages,
 * which covers the kernel's init_size, the zero page and the command
 * line wherever they are (SDM Vol. 3A §4.5).
 */
static int write_paging(const struct ldr_gmem *mem)
{
	static const uint64_t gdt[4] = { 0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
	uint64_t e[512];
	int rc, g, i;

	rc = mem->write(mem->ctx, LNX_GDT_GPA, gdt, sizeof(gdt));
	memset(e, 0, sizeof(e));
	e[0] = LNX_PDPT_GPA | PTE_P | PTE_RW;
	rc = rc ? rc : mem->write(mem->ctx, LNX_PML4_GPA, e, sizeof(e));
	for (g = 0; g < 4; g++)
		e[g] = (LNX_PD_GPA + (uint64_t)g * LDR_PAGE) | PTE_P | PTE_RW;
	rc = rc ? rc : mem->write(mem->ctx, LNX_PDPT_GPA, e, sizeof(e));
	for (g = 0; g < 4 && !rc; g++) {
		for (i = 0; i < 512; i++)
			e[i] = (((uint64_t)g << 30) + ((uint64_t)i << 21)) | PTE_P | PTE_RW | PTE_PS;
		rc = mem->write(mem->ctx, LNX_PD_GPA + (uint64_t)g * LDR_PAGE, e, sizeof(e));
	}
	return rc;
}

static struct ldr_seg seg64(uint16_t sel, uint32_t ar)
{
	return (struct ldr_seg){ .sel = sel, .base = 0, .limit = 0xffffffffu, .ar = ar };
}

/*
 * boot.rst "64-bit Boot Protocol": long mode with paging, CS __BOOT_CS,
 * DS/ES/SS __BOOT_DS, interrupts off, RSI the zero page. VMX access
 * rights (SDM Vol. 3C §24.4.1): 0xa09b is a present DPL-0 execute/read
 * code segment with L = 1; TR a busy 64-bit TSS as VM entry requires.
 */
static void vp_long64(struct ldr_vp_state *vp, uint64_t entry)
{
	memset(vp, 0, sizeof(*vp));
	vp->rip = entry;
	vp->rsi = LNX_ZP_GPA;
	vp->rsp = LNX_STACK_TOP;
	vp->rflags = 0x2;
	vp->cr0 = 0x80000031;            /* PG | NE | ET | PE */
	vp->cr3 = LNX_PML4_GPA;
	vp->cr4 = 0x20;                  /* PAE */
	vp->efer = 0x500;                /* LMA | LME */
	vp->cs = seg64(LNX_BOOT_CS, 0xa09b);
	vp->ds = seg64(LNX_BOOT_DS, 0xc093);
	vp->es = vp->ds;
	vp->ss = vp->ds;
	vp->fs = vp->ds;
	vp->gs = vp->ds;
	vp->tr = (struct ldr_seg){ 0, 0, 0x67, 0x8b };
	vp->ldtr = (struct ldr_seg){ 0, 0, 0, 0x10000 };
	vp->gdtr_base = LNX_GDT_GPA;
	vp->gdtr_limit = 4 * 8 - 1;
}

static int bz_write(const struct ldr_gmem *mem, const struct ldr_linux_boot *b,
		    const struct bz *z, uint64_t rd_at)
{
	static struct lnx_boot_params zp;
	const uint8_t *d = b->kernel->data;
	int rc;

	zp_build(mem, b, z, rd_at, &zp);
	rc = mem->write(mem->ctx, z->load, d + z->setup_len, z->payload_len);
	if (!rc && rd_at)
		rc = mem->write(mem->ctx, rd_at, b->initrd->data, b->initrd->len);
	if (!rc)
		rc = mem->write(mem->ctx, LNX_CMDLINE_GPA, b->cmdline, strlen(b->cmdline) + 1);
	if (!rc)
		rc = mem->write(mem->ctx, LNX_ZP_GPA, &zp, sizeof(zp));
	return rc ? rc : write_paging(mem);
}

int ldr_load_linux(const struct ldr_gmem *mem, const struct ldr_linux_boot *b,
		   struct ldr_vp_state *vp, struct ldr_linux_info *info,
		   char *why, size_t whylen)
{
	struct ldr_linux_boot bb;
	struct bz z;
	uint64_t rd_at;
	int rc;

	if (!mem || !mem->write || !b || !b->kernel || !vp ||
	    (!b->kernel->data && b->kernel->len))
		return ldr_fail(why, whylen, -EINVAL, "invalid loader arguments");
	if (mem->size < 2 * LDR_HIGH_BASE)
		return ldr_fail(why, whylen, -EINVAL, "guest memory of %llu bytes is too small",
				(unsigned long long)mem->size);
	bb = *b;
	bb.cmdline = b->cmdline ? b->cmdline : "";
	if ((rc = bz_check(mem, &bb, &z, &rd_at, why, whylen)))
		return rc;
	if ((rc = bz_write(mem, &bb, &z, rd_at)))
		return ldr_fail(why, whylen, rc, "writing kernel '%s' into guest memory failed",
				ldr_name(b->kernel));
	vp_long64(vp, z.load + LNX_ENTRY64_OFFSET);
	if (info)
		*info = (struct ldr_linux_info){ z.load, z.h.init_size, rd_at,
						 rd_at ? bb.initrd->len : 0, z.h.version };
	if (why && whylen)
		why[0] = '\0';
	return 0;
}
