/*
 * A child partition's ACPI tables, built by the parent before the child
 * first runs (Hyper-V's worker process does the same for its children):
 * RSDP (revision 2) -> XSDT -> FADT (-> FACS, DSDT), MADT. The DSDT is
 * dsdt.asl compiled by iasl at build time. Portable: no hardware access;
 * the caller copies the bytes to the child's GPA `base`.
 *
 * The platform the tables describe (docs/child-platform.md "ACPI"):
 *   FADT  full (not hardware-reduced: Linux then gives up the legacy PIC
 *         and with it IRQ 4 for ttyS0, arch/x86/kernel/acpi/boot.c),
 *         PM1a event block 0x600, control block 0x604 (power-off, as the
 *         parent already emulates), SCI IRQ 9, no SMI command port (ACPI
 *         mode always on), no PM timer (ACPI 5.0A made it optional; the
 *         TSC and LAPIC frequencies come from Hyper-V's MSRs instead), no
 *         GPE blocks, reset register 0xcf9 value 6; boot flags: no VGA,
 *         no 8042, no MSI, no ASPM; a CMOS RTC with its century at 0x32.
 *   MADT  the LAPIC at 0xfee00000; one entry per vCPU (APIC ID = index):
 *         Processor Local APIC below 255, Processor Local x2APIC from 255
 *         (ACPI 6.4 §5.2.12.12 asks for exactly that split); an IOAPIC at
 *         0xfec00000 with the ISA overrides only if `ioapic` (hv has none
 *         yet); PCAT_COMPAT if `pic`.
 */
#ifndef PARTITION_ACPI_ACPI_H
#define PARTITION_ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_VCPUS 1024u
#define ACPI_LAPIC_BASE 0xfee00000u
#define ACPI_IOAPIC_BASE 0xfec00000u
#define ACPI_PM1A_EVT 0x600u
#define ACPI_PM1A_CNT 0x604u
#define ACPI_SCI_IRQ 9u
#define ACPI_RESET_PORT 0xcf9u
#define ACPI_RESET_VALUE 0x06u
#define ACPI_OEM_ID "HVPART"

struct acpi_config {
	uint32_t nvcpus;                /* 1..ACPI_MAX_VCPUS; APIC IDs 0..n-1 */
	bool ioapic;                    /* a virtual IOAPIC exists */
	bool pic;                       /* a pair of 8259s answers (MADT PCAT_COMPAT) */
};

/* Where each table went, as GPAs (base + offset). */
struct acpi_layout {
	uint64_t rsdp, facs, xsdt, fadt, madt, dsdt;
	size_t len;                     /* bytes used from base */
};

/* Build into buf (cap bytes), to be placed at GPA base (16-byte aligned,
 * below 4 GiB). Returns 0 or -EINVAL (bad config) / -ENOSPC (cap). */
int acpi_build_tables(const struct acpi_config *c, uint64_t base, uint8_t *buf,
		      size_t cap, struct acpi_layout *lay);

/* The compiled DSDT (dsdt.asl through iasl). */
const uint8_t *acpi_dsdt_aml(size_t *len);

/* Sum of bytes, mod 256: 0 for a table with a right checksum. */
uint8_t acpi_sum(const void *p, size_t len);

#endif
