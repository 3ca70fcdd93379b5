/*
 * The child's ACPI tables (see acpi.h for what they describe). Layout
 * from base: RSDP (in the first 16 bytes so that a kernel scanning
 * 0xe0000-0xfffff finds it, ACPI 6.4 §5.2.5.1), FACS (64-byte aligned,
 * §5.2.10), XSDT, FADT, MADT, DSDT, each 16-byte aligned.
 */
#include <errno.h>
#include <string.h>

#include "partition/acpi/acpi.h"
#include "partition/acpi/acpi_format.h"

#define OEM_TABLE_ID "HVPARTVM"
#define CREATOR_ID "HVPT"

/* A cursor over the output buffer. */
struct out {
	uint8_t *buf;
	size_t cap, at;
	uint64_t base;
	int err;
};

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

/* Reserve len bytes at the next `align` boundary; returns the offset. */
static size_t out_take(struct out *o, size_t len, size_t align)
{
	size_t at = (o->at + align - 1) & ~(align - 1);

	if (o->err || at > o->cap || len > o->cap - at) {
		o->err = -ENOSPC;
		return 0;
	}
	memset(o->buf + at, 0, len);
	o->at = at + len;
	return at;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* §5.2.6: the whole table sums to zero. */
static void seal(struct out *o, size_t at)
{
	struct acpi_header h;

	memcpy(&h, o->buf + at, sizeof(h));
	h.checksum = 0;
	memcpy(o->buf + at, &h, sizeof(h));
	h.checksum = (uint8_t)-acpi_sum(o->buf + at, h.length);
	memcpy(o->buf + at, &h, sizeof(h));
}

static struct acpi_gas gas_io(uint16_t port, uint8_t bytes)
{
	return (struct acpi_gas){ ACPI_GAS_SYSTEM_IO, (uint8_t)(bytes * 8), 0,
				  bytes == 1 ? ACPI_GAS_ACCESS_BYTE :
				  bytes == 2 ? ACPI_GAS_ACCESS_WORD : ACPI_GAS_ACCESS_DWORD,
				  port };
}

/* FADT revision 6.4 (§5.2.9): the fixed hardware of acpi.h's comment,
 * each block in both the 32-bit and the X_ field, which must agree. */
static void fadt_fill(struct acpi_fadt *f, uint64_t facs, uint64_t dsdt)
{
	header(&f->h, "FACP", sizeof(*f), 6);
	f->minor_version = 4;
	f->firmware_ctrl = (uint32_t)facs;
	f->x_firmware_ctrl = facs;
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = ACPI_SCI_IRQ;
	f->pm1a_evt_blk = ACPI_PM1A_EVT;
	f->pm1_evt_len = 4;
	f->x_pm1a_evt_blk = gas_io(ACPI_PM1A_EVT, 4);
	f->pm1a_cnt_blk = ACPI_PM1A_CNT;
	f->pm1_cnt_len = 2;
	f->x_pm1a_cnt_blk = gas_io(ACPI_PM1A_CNT, 2);
	f->p_lvl2_lat = 101;            /* > 100: no C2 (§5.2.9 Table 5.9) */
	f->p_lvl3_lat = 1001;           /* > 1000: no C3 */
	/* The CMOS RTC is there (partition/devices/cmos.h), century at 0x32. */
	f->iapc_boot_arch = ACPI_IAPC_NO_VGA | ACPI_IAPC_NO_MSI | ACPI_IAPC_NO_ASPM;
	f->century = 0x32;
	f->flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		   ACPI_FADT_SLP_BUTTON | ACPI_FADT_RESET_REG_SUP | ACPI_FADT_HEADLESS;
	f->reset_reg = gas_io(ACPI_RESET_PORT, 1);
	f->reset_value = ACPI_RESET_VALUE;
	memcpy(&f->hypervisor_vendor_id, "HVPART\0\0", 8);
}

static size_t put_facs(struct out *o)
{
	struct acpi_facs f = { .length = sizeof(f), .version = 2 };
	size_t at = out_take(o, sizeof(f), 64);

	memcpy(f.signature, "FACS", 4);
	if (!o->err)
		memcpy(o->buf + at, &f, sizeof(f));
	return at;
}

static size_t put_aligned(struct out *o, const void *p, size_t len, size_t align)
{
	size_t at = out_take(o, len, align);

	if (!o->err)
		memcpy(o->buf + at, p, len);
	return at;
}

/* One processor entry (§5.2.12.2 below APIC ID 255, §5.2.12.12 from it). */
static void madt_cpu(struct out *o, uint32_t id)
{
	struct acpi_madt_lapic l = { ACPI_MADT_LAPIC, sizeof(l), (uint8_t)id,
				     (uint8_t)id, ACPI_MADT_ENABLED };
	struct acpi_madt_x2apic x = { ACPI_MADT_X2APIC, sizeof(x), 0, id,
				      ACPI_MADT_ENABLED, id };

	if (id < 255)
		put_aligned(o, &l, sizeof(l), 1);
	else
		put_aligned(o, &x, sizeof(x), 1);
}

/* The IOAPIC and the two ISA overrides every PC has (§5.2.12.5): the
 * timer on GSI 2, the SCI level-triggered active-high. */
static void madt_ioapic(struct out *o)
{
	struct acpi_madt_ioapic io = { ACPI_MADT_IOAPIC, sizeof(io), 0, 0,
				       ACPI_IOAPIC_BASE, 0 };
	struct acpi_madt_iso timer = { ACPI_MADT_ISO, sizeof(timer), 0, 0, 2, 0 };
	struct acpi_madt_iso sci = { ACPI_MADT_ISO, sizeof(sci), 0, ACPI_SCI_IRQ,
				     ACPI_SCI_IRQ, ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_LEVEL };

	put_aligned(o, &io, sizeof(io), 1);
	put_aligned(o, &timer, sizeof(timer), 1);
	put_aligned(o, &sci, sizeof(sci), 1);
}

static size_t put_madt(struct out *o, const struct acpi_config *c)
{
	struct acpi_madt m = { .lapic_address = ACPI_LAPIC_BASE,
			       .flags = c->pic ? ACPI_MADT_PCAT_COMPAT : 0 };
	size_t at = put_aligned(o, &m, sizeof(m), 16);
	uint32_t i;

	for (i = 0; i < c->nvcpus; i++)
		madt_cpu(o, i);
	if (c->ioapic)
		madt_ioapic(o);
	if (o->err)
		return 0;
	header(&m.h, "APIC", (uint32_t)(o->at - at), 5);
	memcpy(o->buf + at, &m, sizeof(m));
	seal(o, at);
	return at;
}

static size_t put_fadt(struct out *o, uint64_t facs, uint64_t dsdt)
{
	static struct acpi_fadt f;
	size_t at;

	memset(&f, 0, sizeof(f));
	fadt_fill(&f, facs, dsdt);
	at = put_aligned(o, &f, sizeof(f), 16);
	if (!o->err)
		seal(o, at);
	return at;
}

/* §5.2.8: the header, then 64-bit pointers to the FADT and the MADT. */
static size_t put_xsdt(struct out *o, uint64_t fadt, uint64_t madt)
{
	struct { struct acpi_header h; uint64_t e[2]; } __attribute__((packed)) x;
	size_t at;

	memset(&x, 0, sizeof(x));
	header(&x.h, "XSDT", sizeof(x), 1);
	x.e[0] = fadt;
	x.e[1] = madt;
	at = put_aligned(o, &x, sizeof(x), 16);
	if (!o->err)
		seal(o, at);
	return at;
}

/* §5.2.5.3: revision 2, no RSDT; both checksums. */
static void put_rsdp(struct out *o, uint64_t xsdt)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, ACPI_OEM_ID, 6);
	r.revision = 2;
	r.length = sizeof(r);
	r.xsdt_address = xsdt;
	r.checksum = (uint8_t)-acpi_sum(&r, ACPI_RSDP_V1_LEN);
	r.ext_checksum = (uint8_t)-acpi_sum(&r, sizeof(r));
	if (!o->err)
		memcpy(o->buf, &r, sizeof(r));
}

int acpi_build_tables(const struct acpi_config *c, uint64_t base, uint8_t *buf,
		      size_t cap, struct acpi_layout *lay)
{
	struct out o = { buf, cap, 0, base, 0 };
	size_t dlen;
	const uint8_t *dsdt = acpi_dsdt_aml(&dlen);

	if (!c || !buf || !lay || !c->nvcpus || c->nvcpus > ACPI_MAX_VCPUS ||
	    (base & 15) || base + cap > 0x100000000ull)
		return -EINVAL;
	memset(lay, 0, sizeof(*lay));
	out_take(&o, sizeof(struct acpi_rsdp), 16);
	lay->facs = base + put_facs(&o);
	lay->dsdt = base + put_aligned(&o, dsdt, dlen, 16);
	lay->fadt = base + put_fadt(&o, lay->facs, lay->dsdt);
	lay->madt = base + put_madt(&o, c);
	lay->xsdt = base + put_xsdt(&o, lay->fadt, lay->madt);
	put_rsdp(&o, lay->xsdt);
	lay->rsdp = base;
	lay->len = o.at;
	return o.err;
}
