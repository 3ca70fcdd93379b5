/*
 * Hardware and boot-protocol structures the test guests touch. Every
 * layout here is fixed by a spec and carries a size assertion.
 *   - GDT/IDT descriptors: Intel SDM Vol. 3A §3.4.5, §6.10, §6.11.
 *   - Multiboot v1 info and memory map: Multiboot Specification 0.6.96 §3.3.
 *   - Multiboot v2 tags: Multiboot2 Specification 2.0 §3.6.
 */
#ifndef GUEST_HW_H
#define GUEST_HW_H
#include <stdint.h>

/* Segment selectors of the guest's own flat GDT (see entry.S). */
#define GUEST_SEL_CODE 0x08
#define GUEST_SEL_DATA 0x10
#define GUEST_SEL_UCODE 0x1b	/* ring 3, RPL 3 */
#define GUEST_SEL_UDATA 0x23
#define GUEST_SEL_TSS 0x28

/* Pseudo-descriptor operand of LGDT/LIDT (SDM Vol. 3A §3.5.1, Fig. 3-11). */
struct guest_desc_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct guest_desc_ptr) == 6, "pseudo-descriptor");

/* 32-bit interrupt gate (SDM Vol. 3A §6.11, Figure 6-2). */
struct guest_idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;	/* P=1, DPL=0, type 0xE: 32-bit interrupt gate */
	uint16_t offset_hi;
} __attribute__((packed));
_Static_assert(sizeof(struct guest_idt_gate) == 8, "IDT gate");
#define GUEST_IDT_INTGATE32 0x8e

/*
 * Stack frame built by the vector stubs in entry.S: PUSHAD's eight
 * registers (SDM Vol. 2B "PUSHA/PUSHAD" order, lowest address first),
 * the vector and error code the stub pushes, then what the CPU pushes
 * for a same-privilege interrupt (SDM Vol. 3A §6.12.1, Figure 6-4).
 */
struct guest_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};
_Static_assert(sizeof(struct guest_frame) == 52, "interrupt frame");

/* 32-bit task-state segment (SDM Vol. 3A §7.2.1, Figure 7-2). Only SS0
 * and ESP0 matter here (the stack for interrupts from ring 3); an I/O
 * map base at or past the limit means no I/O permission bitmap. */
struct guest_tss {
	uint16_t link, rsvd0;
	uint32_t esp0;
	uint16_t ss0, rsvd1;
	uint32_t esp1;
	uint16_t ss1, rsvd2;
	uint32_t esp2;
	uint16_t ss2, rsvd3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, rsvd4, cs, rsvd5, ss, rsvd6, ds, rsvd7, fs, rsvd8, gs, rsvd9;
	uint16_t ldt, rsvd10;
	uint16_t trap, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct guest_tss) == 104, "32-bit TSS");

/* Multiboot v1 (spec §3.1.1 header magic, §3.2 boot magic). */
#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_BOOT_MAGIC   0x2badb002u
#define MB1_INFO_MEM     (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MMAP    (1u << 6)
#define MB1_INFO_LOADER  (1u << 9)

/* Multiboot v1 information structure, up to boot_loader_name (§3.3). */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;	/* KiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_info) == 68, "multiboot v1 info");

/* Memory map entry; `size` excludes itself (§3.3 "mmap_*"). */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t length;
	uint32_t type;		/* 1 = available RAM */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot v1 mmap");

/* Multiboot v2 (spec §3.1.1 header magic, §3.2 boot magic, §3.6 tags). */
#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB2_BOOT_MAGIC   0x36d76289u
#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MEMINFO  4
#define MB2_TAG_MMAP     6

struct mb2_info_head {
	uint32_t total_size;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_info_head) == 8, "multiboot v2 info");

/* Every tag starts so and is padded to 8 bytes (§3.6.1). */
struct mb2_tag {
	uint32_t type;
	uint32_t size;
};
_Static_assert(sizeof(struct mb2_tag) == 8, "multiboot v2 tag");

struct mb2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size, entry_version;
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "multiboot v2 mmap tag");

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;		/* 1 = available RAM */
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot v2 mmap");

#endif
