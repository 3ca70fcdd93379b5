/*
 * The smp guest: its ACPI structures (every layout fixed by the ACPI
 * Specification 6.4 and asserted here), and what its files share.
 */
#ifndef SMP_GUEST_H
#define SMP_GUEST_H
#include <stdint.h>
#include "guest.h"

#define SMP_MAX_CPUS   16
#define SMP_STACK_SIZE 8192	/* per AP; trampoline.S's shift of 13 */

/* Root System Description Pointer, revision 2 (ACPI 6.4 §5.2.5.3). */
struct acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	uint8_t checksum;	/* bytes 0-19 sum to 0 */
	char oem_id[6];
	uint8_t revision;	/* 0: ACPI 1.0 (20 bytes), 2: 2.0 and later */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;	/* the whole table sums to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* System description table header (ACPI 6.4 §5.2.6). */
struct acpi_header {
	char signature[4];
	uint32_t length;	/* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;	/* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

/* MADT ("APIC", ACPI 6.4 §5.2.12): entries follow. */
struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");

struct madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_entry) == 2, "MADT entry header");

/* Processor Local APIC (type 0, §5.2.12.2). */
#define MADT_LAPIC 0
struct madt_lapic {
	uint8_t type, length;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT local APIC");

/* Processor Local x2APIC (type 9, §5.2.12.12). */
#define MADT_X2APIC 9
struct madt_x2apic {
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT local x2APIC");

/* Local APIC flags (§5.2.12.2): bit 0 Enabled. */
#define MADT_ENABLED        (1u << 0)

/* acpi.c: the APIC IDs of the enabled processors in the MADT, in
 * order; the count, or -1 with *why set. */
int smp_acpi_find_cpus(uint32_t *ids, uint32_t max, const char **why);

/* lapic.c: one local APIC per CPU, all in the same mode. */
#define ICR_FIXED     (0u << 8)	/* delivery modes, SDM Vol. 3A Fig. 11-12 */
#define ICR_NMI       (4u << 8)
#define ICR_INIT      (5u << 8)
#define ICR_STARTUP   (6u << 8)
#define ICR_LOGICAL   (1u << 11)
#define ICR_ASSERT    (1u << 14)
#define ICR_SELF      (1u << 18)	/* destination shorthands */
#define ICR_ALL_BUT_SELF (3u << 18)
int smp_lapic_setup(int x2apic);	/* 0, or -1 if the mode is absent */
uint32_t smp_lapic_id(void);
uint32_t smp_lapic_logical_setup(uint32_t slot);
void smp_lapic_eoi(void);
int smp_lapic_send(uint32_t dest, uint32_t icr_low);
int smp_lapic_self(uint8_t vector);

/* time.c: TSC rate and delays. */
extern uint64_t smp_tsc_hz;
const char *smp_time_calibrate(void);	/* where the rate came from */
void smp_time_delay_us(uint32_t us);

/* trampoline.S */
extern char smp_tramp_start[], smp_tramp_end[];
extern volatile uint32_t smp_ap_next;	/* slots handed out, from 0 */
extern volatile uint8_t smp_slot_of_id[256];	/* by APIC ID; 0: none yet */
extern struct guest_desc_ptr smp_bsp_gdtr, smp_bsp_idtr;
extern char smp_ap_stacks[];
void smp_ap_main(uint32_t slot);

#endif
