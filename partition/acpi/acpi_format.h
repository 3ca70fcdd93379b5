/*
 * ACPI table formats a child's firmware tables use (ACPI 6.4: §5.2.5.3
 * RSDP, §5.2.6 system description header, §5.2.8 XSDT, §5.2.9 FADT,
 * §5.2.10 FACS, §5.2.12 MADT, §5.2.3.2 Generic Address Structure).
 * Little-endian, packed; each size asserted. Flags are masks.
 */
#ifndef PARTITION_ACPI_ACPI_FORMAT_H
#define PARTITION_ACPI_ACPI_FORMAT_H

#include <stdint.h>

struct acpi_rsdp {
	char signature[8];              /* "RSD PTR " */
	uint8_t checksum;               /* first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;               /* 2: ACPI 2.0+ with the XSDT */
	uint32_t rsdt_address;
	uint32_t length;                /* 36 */
	uint64_t xsdt_address;
	uint8_t ext_checksum;           /* all 36 bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI §5.2.5.3 RSDP");
#define ACPI_RSDP_V1_LEN 20u

struct acpi_header {
	char signature[4];
	uint32_t length;                /* of the whole table */
	uint8_t revision;
	uint8_t checksum;               /* the table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI §5.2.6 header");

#define ACPI_GAS_SYSTEM_IO 1u
#define ACPI_GAS_ACCESS_BYTE 1u
#define ACPI_GAS_ACCESS_WORD 2u
#define ACPI_GAS_ACCESS_DWORD 3u
struct acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI §5.2.3.2 GAS");

/* FADT Flags (Table 5.10) */
#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4)   /* 1: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5)   /* 1: no fixed-feature sleep button */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HEADLESS (1u << 12)
#define ACPI_FADT_HW_REDUCED (1u << 20)
/* IA-PC boot architecture flags (Table 5.11) */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042 (1u << 1)
#define ACPI_IAPC_NO_VGA (1u << 2)
#define ACPI_IAPC_NO_MSI (1u << 3)
#define ACPI_IAPC_NO_ASPM (1u << 4)
#define ACPI_IAPC_NO_CMOS_RTC (1u << 5)

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI §5.2.9 FADT rev 6");

struct acpi_facs {
	char signature[4];              /* "FACS"; no checksum */
	uint32_t length;                /* 64 */
	uint32_t hw_signature, waking_vector, global_lock, flags;
	uint64_t x_waking_vector;
	uint8_t version, reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI §5.2.10 FACS");

#define ACPI_MADT_PCAT_COMPAT 1u        /* dual 8259s present */
#define ACPI_MADT_ENABLED 1u            /* processor entries: usable */
struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_address, flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI §5.2.12 MADT");

#define ACPI_MADT_LAPIC 0u
#define ACPI_MADT_IOAPIC 1u
#define ACPI_MADT_ISO 2u
#define ACPI_MADT_X2APIC 9u
struct acpi_madt_lapic {
	uint8_t type, length, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI §5.2.12.2");

struct acpi_madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI §5.2.12.3");

#define ACPI_MPS_ACTIVE_HIGH 0x1u
#define ACPI_MPS_LEVEL 0xcu
struct acpi_madt_iso {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI §5.2.12.5");

struct acpi_madt_x2apic {
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id, flags, uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "ACPI §5.2.12.12");

#endif
