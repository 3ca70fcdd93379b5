/*
 * The processors, as an OS finds them: the RSDP (ACPI 6.4 §5.2.5.1: on a
 * 16-byte boundary in the first KiB of the EBDA, whose segment the BIOS
 * data area holds at 0x40e, or in 0xe0000-0xfffff), then the XSDT (or
 * the RSDT for revision 0), then the MADT's Processor Local APIC and
 * x2APIC entries. hvpart's children get these tables from
 * partition/acpi/ (docs/child-platform.md "ACPI"), QEMU's from SeaBIOS,
 * Bochs's from its BIOS. Every length and checksum is checked before use.
 */
#include "smp.h"

#define MAX_TABLE_LEN 0x10000u	/* far more than any MADT of 16 CPUs */

static int sum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + b[i]);
	return s == 0;
}

static int same(const char *a, const char *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static const struct acpi_rsdp *scan(uint32_t from, uint32_t len)
{
	for (uint32_t a = from; a + 20 <= from + len; a += 16) {
		const struct acpi_rsdp *r = (const void *)a;
		if (same(r->signature, "RSD PTR ", 8) && sum_ok(r, 20))
			return r;
	}
	return 0;
}

static const struct acpi_rsdp *find_rsdp(void)
{
	uint32_t bda = 0x400, ebda;
	const struct acpi_rsdp *r = 0;

	/* A fixed low address is fine here; hide it from -Warray-bounds. */
	__asm__("" : "+r"(bda));
	ebda = (uint32_t)*(volatile uint16_t *)(bda + 0x0e) << 4;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan(ebda, 1024);
	return r ? r : scan(0xe0000, 0x20000);
}

/* A table whose header, length and checksum are sound, or 0. */
static const struct acpi_header *table(uint64_t addr)
{
	const struct acpi_header *h;

	if (addr == 0 || addr >= 0xffffffffull - MAX_TABLE_LEN)
		return 0;
	h = (const void *)(uint32_t)addr;
	if (h->length < sizeof(*h) || h->length > MAX_TABLE_LEN)
		return 0;
	return sum_ok(h, h->length) ? h : 0;
}

/* The MADT through the XSDT (8-byte entries) or RSDT (4-byte). */
static const struct acpi_madt *find_madt(const struct acpi_rsdp *r)
{
	int x = r->revision >= 2 && r->length >= sizeof(*r) &&
		r->length <= 4096 && sum_ok(r, r->length) && r->xsdt;
	const struct acpi_header *sdt = table(x ? r->xsdt : r->rsdt);
	uint32_t esz = x ? 8 : 4, n;

	if (!sdt)
		return 0;
	n = (sdt->length - sizeof(*sdt)) / esz;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)(sdt + 1) + i * esz;
		uint64_t a = x ? *(const uint64_t *)e : *(const uint32_t *)e;
		const struct acpi_header *h = table(a);
		if (h && same(h->signature, "APIC", 4) &&
		    h->length >= sizeof(struct acpi_madt))
			return (const void *)h;
	}
	return 0;
}

/* The APIC ID of an enabled processor entry, or -1 for anything else. */
static int64_t entry_id(const struct madt_entry *e)
{
	if (e->type == MADT_LAPIC && e->length >= sizeof(struct madt_lapic)) {
		const struct madt_lapic *l = (const void *)e;
		return (l->flags & MADT_ENABLED) ? l->apic_id : -1;
	}
	if (e->type == MADT_X2APIC && e->length >= sizeof(struct madt_x2apic)) {
		const struct madt_x2apic *l = (const void *)e;
		return (l->flags & MADT_ENABLED) ? (int64_t)l->x2apic_id : -1;
	}
	return -1;
}

int smp_acpi_find_cpus(uint32_t *ids, uint32_t max, const char **why)
{
	const struct acpi_rsdp *r = find_rsdp();
	const struct acpi_madt *m = r ? find_madt(r) : 0;
	uint32_t off = sizeof(*m), n = 0;

	if (!m) {
		*why = r ? "no valid MADT" : "no RSDP";
		return -1;
	}
	/* Entries are type, length, body; a length under 2 would loop. */
	while (off + sizeof(struct madt_entry) <= m->h.length) {
		const struct madt_entry *e = (const void *)((uint32_t)m + off);
		int64_t id = -1;
		if (e->length < 2 || off + e->length > m->h.length)
			break;
		id = entry_id(e);
		if (id >= 0 && n >= max) {
			*why = "more CPUs in the MADT than the guest handles";
			return -1;
		}
		if (id >= 0)
			ids[n++] = (uint32_t)id;
		off += e->length;
	}
	if (n == 0)
		*why = "no enabled processor in the MADT";
	return n ? (int)n : -1;
}
