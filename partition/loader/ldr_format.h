/*
 * On-disk and in-memory formats the child loader reads and writes:
 * ELF (lib/elf.h), Multiboot 0.6.96
 * (§3.1 header, §3.3 boot information) and Multiboot2 (§3.1 header tags,
 * §3.6 boot information tags), the Linux x86 boot protocol's setup header
 * and zero page (Documentation/arch/x86/boot.rst, zero-page.rst) and the
 * IA-32e page-table bits. Every structure is little-endian x86 layout;
 * each is followed by a _Static_assert on its size. Flags are masks.
 */
#ifndef PARTITION_LOADER_LDR_FORMAT_H
#define PARTITION_LOADER_LDR_FORMAT_H

#include <stdint.h>
#include "lib/elf.h"

/* ---- Multiboot 0.6.96 §3.1.1 header ---- */
#define MB1_HEADER_MAGIC 0x1BADB002u
#define MB1_SEARCH_LEN 8192u           /* §3.1: within the first 8192 bytes */
#define MB1_HEADER_ALIGN 4u            /* §3.1: longword aligned */
#define MB1_BOOTLOADER_MAGIC 0x2BADB002u /* §3.2: EAX at entry */
#define MB1_HF_PAGE_ALIGN 0x00000001u  /* §3.1.2 bit 0: modules 4 KiB aligned */
#define MB1_HF_MEMORY_INFO 0x00000002u /* bit 1: mem_* fields required */
#define MB1_HF_VIDEO_MODE 0x00000004u  /* bit 2: video mode table required */
#define MB1_HF_AOUT_KLUDGE 0x00010000u /* bit 16: address fields valid */
#define MB1_HF_REQUIRED_MASK 0x0000ffffu /* bits 0-15: must be understood */

struct mb1_header {
	uint32_t magic, flags, checksum;
	/* valid if MB1_HF_AOUT_KLUDGE (§3.1.3) */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	/* valid if MB1_HF_VIDEO_MODE (§3.1.4) */
	uint32_t mode_type, width, height, depth;
};
_Static_assert(sizeof(struct mb1_header) == 48, "Multiboot §3.1.1 header");

/* ---- Multiboot 0.6.96 §3.3 boot information ---- */
#define MB1_INFO_MEMORY 0x00000001u   /* bit 0: mem_lower/mem_upper */
#define MB1_INFO_CMDLINE 0x00000004u  /* bit 2 */
#define MB1_INFO_MODS 0x00000008u     /* bit 3 */
#define MB1_INFO_MMAP 0x00000040u     /* bit 6 */
#define MB1_INFO_LOADER_NAME 0x00000200u /* bit 9 */

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr;
	uint32_t config_table, boot_loader_name, apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	uint32_t framebuffer_addr_lo, framebuffer_addr_hi; /* u64 at offset 88 */
	uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
	uint8_t framebuffer_bpp, framebuffer_type, color_info[6];
};
_Static_assert(sizeof(struct mb1_info) == 116, "Multiboot §3.3 info");

/* §3.3 module structure */
struct mb1_module {
	uint32_t mod_start, mod_end, string, reserved;
};
_Static_assert(sizeof(struct mb1_module) == 16, "Multiboot §3.3 module");

/* §3.3 memory map entry: 'size' excludes itself; packed (base at offset 4) */
#define MB_MMAP_AVAILABLE 1u
#define MB_MMAP_RESERVED 2u
struct mb1_mmap_entry {
	uint32_t size;
	uint32_t base_lo, base_hi, len_lo, len_hi;
	uint32_t type;
};
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "Multiboot §3.3 mmap entry");

/* ---- Multiboot2 §3.1 header ---- */
#define MB2_HEADER_MAGIC 0xE85250D6u
#define MB2_SEARCH_LEN 32768u          /* §3.1.1: within the first 32768 bytes */
#define MB2_HEADER_ALIGN 8u            /* §3.1.1: 64-bit aligned */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* §3.3: EAX at entry */
#define MB2_ARCH_I386 0u
#define MB2_TAG_ALIGN 8u

struct mb2_header {
	uint32_t magic, architecture, header_length, checksum;
};
_Static_assert(sizeof(struct mb2_header) == 16, "Multiboot2 §3.1.2 header");

/* §3.1.3 header tags */
#define MB2_HTAG_END 0
#define MB2_HTAG_INFO_REQUEST 1
#define MB2_HTAG_ADDRESS 2
#define MB2_HTAG_ENTRY 3
#define MB2_HTAG_CONSOLE_FLAGS 4
#define MB2_HTAG_FRAMEBUFFER 5
#define MB2_HTAG_MODULE_ALIGN 6
#define MB2_HTAG_EFI_BS 7
#define MB2_HTAG_ENTRY_EFI32 8
#define MB2_HTAG_ENTRY_EFI64 9
#define MB2_HTAG_RELOCATABLE 10
#define MB2_HTAG_F_OPTIONAL 0x0001u    /* §3.1.3: flags bit 0 */

struct mb2_header_tag {
	uint16_t type, flags;
	uint32_t size;
};
_Static_assert(sizeof(struct mb2_header_tag) == 8, "Multiboot2 §3.1.3 tag");

/* §3.1.5 address tag */
struct mb2_htag_address {
	struct mb2_header_tag tag;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
};
_Static_assert(sizeof(struct mb2_htag_address) == 24, "Multiboot2 §3.1.5");

/* §3.1.6 entry address tag */
struct mb2_htag_entry {
	struct mb2_header_tag tag;
	uint32_t entry_addr;
};
_Static_assert(sizeof(struct mb2_htag_entry) == 12, "Multiboot2 §3.1.6");

/* ---- Multiboot2 §3.6 boot information ---- */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6

struct mb2_info_header {
	uint32_t total_size, reserved;
};
_Static_assert(sizeof(struct mb2_info_header) == 8, "Multiboot2 §3.6.1");

struct mb2_tag {
	uint32_t type, size;
};
_Static_assert(sizeof(struct mb2_tag) == 8, "Multiboot2 §3.6.1 tag");

/* §3.6.6 modules: followed by a NUL-terminated string */
struct mb2_tag_module {
	uint32_t type, size, mod_start, mod_end;
};
_Static_assert(sizeof(struct mb2_tag_module) == 16, "Multiboot2 §3.6.6");

/* §3.6.3 basic memory information */
struct mb2_tag_meminfo {
	uint32_t type, size, mem_lower, mem_upper;
};
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "Multiboot2 §3.6.3");

/* §3.6.8 memory map: followed by entries of entry_size bytes */
struct mb2_tag_mmap {
	uint32_t type, size, entry_size, entry_version;
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "Multiboot2 §3.6.8");

struct mb2_mmap_entry {
	uint64_t base_addr, length;
	uint32_t type, reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "Multiboot2 §3.6.8 entry");

/* ---- Linux x86 boot protocol (Documentation/arch/x86/boot.rst) ---- */
#define LNX_HDR_OFFSET 0x1f1u          /* setup header: file and zero-page offset */
#define LNX_BOOT_FLAG 0xaa55u          /* boot.rst: boot_flag at 0x1fe */
#define LNX_HDR_MAGIC 0x53726448u      /* "HdrS" at 0x202 */
#define LNX_MIN_VERSION 0x020cu        /* 2.12: xloadflags, the 64-bit entry */
#define LNX_SECTOR 512u
#define LNX_DEFAULT_SETUP_SECTS 4u     /* boot.rst: setup_sects 0 means 4 */
#define LNX_ENTRY64_OFFSET 0x200u      /* boot.rst "64-bit Boot Protocol" */
#define LNX_LOADED_HIGH 0x01u          /* loadflags bit 0: kernel at 1 MiB+ */
#define LNX_KEEP_SEGMENTS 0x40u        /* loadflags bit 6 (obsolete) */
#define LNX_CAN_USE_HEAP 0x80u         /* loadflags bit 7 */
#define LNX_XLF_KERNEL_64 0x0001u      /* xloadflags bit 0: 64-bit entry */
#define LNX_XLF_CAN_BE_LOADED_ABOVE_4G 0x0002u
#define LNX_LOADER_UNDEFINED 0xffu     /* type_of_loader: "undefined" (boot.rst) */
#define LNX_E820_MAX 128u              /* zero-page.rst: e820_table[128] */
#define LNX_E820_RAM 1u
#define LNX_E820_RESERVED 2u
#define LNX_E820_ACPI 3u

/*
 * The setup header as boot.rst lays it out from 0x1f1 to 0x26c (protocol
 * 2.15). Packed: the fields sit at the odd offsets the real-mode code
 * fixed. A kernel's header may be shorter (the jump at 0x200 says how
 * long); what it lacks reads as zero.
 */
struct lnx_setup_header {
	uint8_t setup_sects;            /* 0x1f1 */
	uint16_t root_flags;
	uint32_t syssize;               /* 0x1f4: protected-mode code, 16-byte units */
	uint16_t ram_size, vid_mode, root_dev;
	uint16_t boot_flag;             /* 0x1fe */
	uint16_t jump;                  /* 0x200: EB xx, header ends at 0x202+xx */
	uint32_t header;                /* 0x202 */
	uint16_t version;               /* 0x206 */
	uint32_t realmode_swtch;
	uint16_t start_sys_seg, kernel_version;
	uint8_t type_of_loader;         /* 0x210 */
	uint8_t loadflags;              /* 0x211 */
	uint16_t setup_move_size;
	uint32_t code32_start;          /* 0x214 */
	uint32_t ramdisk_image;         /* 0x218 */
	uint32_t ramdisk_size;          /* 0x21c */
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;          /* 0x224 */
	uint8_t ext_loader_ver, ext_loader_type;
	uint32_t cmd_line_ptr;          /* 0x228 */
	uint32_t initrd_addr_max;       /* 0x22c */
	uint32_t kernel_alignment;      /* 0x230 */
	uint8_t relocatable_kernel, min_alignment;
	uint16_t xloadflags;            /* 0x236 */
	uint32_t cmdline_size;          /* 0x238: longest command line, NUL excluded */
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset, payload_length;
	uint64_t setup_data;            /* 0x250 */
	uint64_t pref_address;          /* 0x258 */
	uint32_t init_size;             /* 0x260: linear memory the kernel needs */
	uint32_t handover_offset, kernel_info_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct lnx_setup_header) == 0x26c - 0x1f1, "boot.rst setup header");

/* zero-page.rst: one e820 entry, packed to 20 bytes. */
struct lnx_e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct lnx_e820_entry) == 20, "e820 entry");

/*
 * The zero page (struct boot_params, zero-page.rst): only the fields a
 * 64-bit direct boot fills are named; the rest stay zero. Offsets are
 * asserted below.
 */
struct lnx_boot_params {
	uint8_t pad0[0x070];
	uint64_t acpi_rsdp_addr;        /* 0x070 */
	uint8_t pad1[0x0c0 - 0x078];
	uint32_t ext_ramdisk_image;     /* 0x0c0: high 32 bits */
	uint32_t ext_ramdisk_size;      /* 0x0c4 */
	uint32_t ext_cmd_line_ptr;      /* 0x0c8 */
	uint8_t pad2[0x1e8 - 0x0cc];
	uint8_t e820_entries;           /* 0x1e8 */
	uint8_t pad3[0x1ef - 0x1e9];
	uint8_t sentinel;               /* 0x1ef: must stay 0 (zero-page.rst) */
	uint8_t pad4;
	struct lnx_setup_header hdr;    /* 0x1f1 */
	uint8_t pad5[0x2d0 - 0x26c];
	struct lnx_e820_entry e820_table[LNX_E820_MAX]; /* 0x2d0 */
	uint8_t pad6[0x1000 - 0xcd0];
} __attribute__((packed));
_Static_assert(sizeof(struct lnx_boot_params) == 4096, "zero page");
_Static_assert(__builtin_offsetof(struct lnx_boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(__builtin_offsetof(struct lnx_boot_params, ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(__builtin_offsetof(struct lnx_boot_params, e820_entries) == 0x1e8, "e820_entries");
_Static_assert(__builtin_offsetof(struct lnx_boot_params, sentinel) == 0x1ef, "sentinel");
_Static_assert(__builtin_offsetof(struct lnx_boot_params, hdr) == 0x1f1, "hdr");
_Static_assert(__builtin_offsetof(struct lnx_boot_params, e820_table) == 0x2d0, "e820_table");

/* An IA-32e page-table entry (SDM Vol. 3A §4.5): the bits the loader sets. */
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull                 /* in a page-directory entry: 2 MiB page */

#endif
