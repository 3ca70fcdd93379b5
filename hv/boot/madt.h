/*
 * The firmware's processors, from the ACPI MADT (ACPI 6.5 §5.2.12
 * "Multiple APIC Description Table"), found through the RSDP that the
 * Multiboot2 loader copied (tags 14/15), the RSDT or XSDT (§5.2.7,
 * §5.2.8). Portable: the tables are read through a callback that bounds
 * every access, so the host tests and the fuzzer feed it any bytes.
 */
#ifndef HV_BOOT_MADT_H
#define HV_BOOT_MADT_H
#include <stddef.h>
#include <stdint.h>

/* ACPI §5.2.5.3: the RSDP; revision 0 ends after rsdt_address. */
struct acpi_rsdp {
	char signature[8];           /* "RSD PTR " */
	uint8_t checksum;            /* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;            /* 0: ACPI 1.0, 2: ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length;             /* revision >= 2 from here */
	uint64_t xsdt_address;
	uint8_t ext_checksum;        /* of the whole structure */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
#define ACPI_RSDP_V1_LEN 20u

/* ACPI §5.2.6: every system description table starts so. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;             /* header included */
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header");

/* ACPI §5.2.12: the MADT's fixed part; interrupt controller structures
 * (type, length, ...) follow. */
struct acpi_madt {
	struct acpi_sdt_header h;    /* "APIC" */
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");

/* §5.2.12.2 Processor Local APIC (type 0) and §5.2.12.12 Processor Local
 * x2APIC (type 9). Flags bit 0: enabled; bit 1: online capable (a CPU
 * the OS may enable later; not started here). */
#define MADT_TYPE_LAPIC   0u
#define MADT_TYPE_X2APIC  9u
#define MADT_LAPIC_ENABLED 1u
struct madt_lapic {
	uint8_t type, length, acpi_id, apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT local APIC");
struct madt_x2apic {
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id, flags, acpi_uid;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT local x2APIC");

/* Reads len bytes of physical memory at pa into buf; 0, or -EFAULT where
 * the range is not readable. */
typedef int (*madt_read_fn)(uint64_t pa, void *buf, size_t len, void *ctx);

#define MADT_MAX_CPUS 64u
struct madt_cpus {
	uint32_t count;              /* enabled processors listed */
	uint32_t dropped;            /* enabled ones beyond MADT_MAX_CPUS */
	uint32_t apic_id[MADT_MAX_CPUS];
};

/*
 * Lists the enabled processors' APIC ids, in MADT order, each once.
 * rsdp/rsdp_len: the loader's copy. 0, or -EINVAL with *why naming what
 * is wrong (a checksum, a length, no MADT) and out empty.
 */
int madt_find_cpus(const void *rsdp, size_t rsdp_len, madt_read_fn rd, void *ctx,
		   struct madt_cpus *out, const char **why);
#endif
