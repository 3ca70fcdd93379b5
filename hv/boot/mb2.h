/*
 * Multiboot2: header constants for hv's boot image and a validating parser
 * for the boot information structure GRUB hands over in EBX.
 *
 * Portable C: builds for Linux (tests, fuzzing) and inside hv (no libc).
 * The parser never allocates; everything lands in struct mb2_info.
 */
#ifndef HV_BOOT_MB2_H
#define HV_BOOT_MB2_H

#include <stddef.h>
#include <stdint.h>

/* ---- Multiboot2 header (in the OS image) — spec §3.1.1 .. §3.1.13 ---- */

/* Spec §3.1.2: header magic, and the value GRUB leaves in EAX. */
#define MB2_HEADER_MAGIC        0xE85250D6u
#define MB2_BOOTLOADER_MAGIC    0x36D76289u
#define MB2_ARCH_I386           0u  /* 32-bit protected mode i386 */
#define MB2_ARCH_MIPS32         4u
#define MB2_HEADER_ALIGN        8u  /* spec §3.1.1: 64-bit aligned */
/* Checksum: magic + architecture + header_length + checksum == 0 (mod 2^32). */
#define MB2_HEADER_CHECKSUM(arch, len) \
	((uint32_t)(0u - (MB2_HEADER_MAGIC + (uint32_t)(arch) + (uint32_t)(len))))

/* Spec §3.1.3: header tag types. */
#define MB2_HEADER_TAG_END                 0u
#define MB2_HEADER_TAG_INFORMATION_REQUEST 1u
#define MB2_HEADER_TAG_ADDRESS             2u
#define MB2_HEADER_TAG_ENTRY_ADDRESS       3u
#define MB2_HEADER_TAG_CONSOLE_FLAGS       4u
#define MB2_HEADER_TAG_FRAMEBUFFER         5u
#define MB2_HEADER_TAG_MODULE_ALIGN        6u
#define MB2_HEADER_TAG_EFI_BS              7u
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32 8u
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64 9u
#define MB2_HEADER_TAG_RELOCATABLE         10u
/* Spec §3.1.3: bit 0 of a header tag's flags marks it optional. */
#define MB2_HEADER_TAG_OPTIONAL            1u

/* Spec §3.1.1: fixed part of the header. */
struct mb2_header {
	uint32_t magic;
	uint32_t architecture;
	uint32_t header_length;
	uint32_t checksum;
};
_Static_assert(sizeof(struct mb2_header) == 16, "mb2_header size");

/* Spec §3.1.3: every header tag starts like this, 8-byte aligned. */
struct mb2_header_tag {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
};
_Static_assert(sizeof(struct mb2_header_tag) == 8, "mb2_header_tag size");

/* ---- Boot information (from the loader) — spec §3.6 ---- */

/* Spec §3.6.2 and the tag list that follows it. */
#define MB2_TAG_END            0u
#define MB2_TAG_CMDLINE        1u
#define MB2_TAG_BOOTLOADER     2u
#define MB2_TAG_MODULE         3u
#define MB2_TAG_BASIC_MEMINFO  4u
#define MB2_TAG_BOOTDEV        5u
#define MB2_TAG_MMAP           6u
#define MB2_TAG_VBE            7u
#define MB2_TAG_FRAMEBUFFER    8u
#define MB2_TAG_ELF_SECTIONS   9u
#define MB2_TAG_APM            10u
#define MB2_TAG_EFI32          11u
#define MB2_TAG_EFI64          12u
#define MB2_TAG_SMBIOS         13u
#define MB2_TAG_ACPI_OLD       14u
#define MB2_TAG_ACPI_NEW       15u
#define MB2_TAG_NETWORK        16u
#define MB2_TAG_EFI_MMAP       17u
#define MB2_TAG_EFI_BS         18u
#define MB2_TAG_EFI32_IH       19u
#define MB2_TAG_EFI64_IH       20u
#define MB2_TAG_LOAD_BASE_ADDR 21u
#define MB2_TAG_ALIGN          8u

/* Spec §3.6.8: memory map entry types. */
#define MB2_MEM_AVAILABLE        1u
#define MB2_MEM_RESERVED         2u
#define MB2_MEM_ACPI_RECLAIMABLE 3u
#define MB2_MEM_NVS              4u
#define MB2_MEM_BADRAM           5u

/* Spec §3.6.2: fixed part at the start of the information structure. */
struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_info_header) == 8, "mb2_info_header size");

/* Spec §3.6.2: common tag header. */
struct mb2_tag {
	uint32_t type;
	uint32_t size;
};
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2_tag size");

/* Spec §3.6.6: module tag fixed part; a NUL-terminated string follows. */
struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start;
	uint32_t mod_end;
};
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2_tag_module size");

/* Spec §3.6.3: basic memory information, both in KiB. */
struct mb2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower;
	uint32_t mem_upper;
};
_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16,
	       "mb2_tag_basic_meminfo size");

/* Spec §3.6.8: memory map tag fixed part; entries of entry_size follow. */
struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2_tag_mmap size");

/* Spec §3.6.8: one memory map entry (version 0 layout). */
struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2_mmap_entry size");

/* ACPI RSDP lengths (ACPI spec 5.2.5.3): 20 bytes for rev 0, 36 for rev 2+. */
#define MB2_RSDP_V1_LEN 20u
#define MB2_RSDP_V2_LEN 36u

/* ---- Parsed result ---- */

#define MB2_MAX_MMAP        128
#define MB2_MAX_MODULES     32
#define MB2_CMDLINE_MAX     1024
#define MB2_LOADER_NAME_MAX 128
#define MB2_MOD_STRING_MAX  256

/* Bits in mb2_info.present. */
#define MB2_HAVE_CMDLINE    (1u << 0)
#define MB2_HAVE_LOADER     (1u << 1)
#define MB2_HAVE_MEMINFO    (1u << 2)
#define MB2_HAVE_MMAP       (1u << 3)
#define MB2_HAVE_RSDP_V1    (1u << 4)
#define MB2_HAVE_RSDP_V2    (1u << 5)

struct mb2_module {
	uint32_t start;          /* physical, first byte */
	uint32_t end;            /* physical, one past the last byte */
	char string[MB2_MOD_STRING_MAX];
};

struct mb2_rsdp {
	const uint8_t *ptr;      /* the RSDP copy inside the info structure */
	uint32_t offset;         /* same, as offset from the info start */
	uint32_t len;            /* bytes available at ptr */
};

struct mb2_info {
	uint32_t total_size;
	uint32_t present;        /* MB2_HAVE_* */
	char cmdline[MB2_CMDLINE_MAX];
	char loader_name[MB2_LOADER_NAME_MAX];
	uint32_t mem_lower_kib;
	uint32_t mem_upper_kib;
	uint32_t mmap_count;
	uint32_t mmap_dropped;   /* entries beyond MB2_MAX_MMAP (not stored) */
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	uint32_t module_count;
	struct mb2_module modules[MB2_MAX_MODULES];
	struct mb2_rsdp rsdp_v1;
	struct mb2_rsdp rsdp_v2;
	uint32_t tags_skipped;   /* unknown or ignored tags */
	uint32_t err_offset;     /* on error: offset of the offending tag */
};

/*
 * Validate and extract the information structure at info, of which at most
 * avail bytes may be read. Returns 0, or -EINVAL with *why (if why != NULL)
 * pointing at a short static message; -E2BIG if there are more modules than
 * MB2_MAX_MODULES or a string does not fit. out is fully rewritten.
 */
int mb2_parse_info(const void *info, size_t avail, struct mb2_info *out,
		   const char **why);

/*
 * Find a module whose string equals name, or whose first word (up to the
 * first space) equals name. NULL if none.
 */
const struct mb2_module *mb2_find_module(const struct mb2_info *mi,
					 const char *name);

#endif /* HV_BOOT_MB2_H */
