/*
 * The processors the firmware lists in the MADT (hv/boot/madt.h). Every
 * table is read through the caller's bounded reader, its length checked
 * before its bytes are summed (ACPI 6.5 §5.2.6: a table's bytes sum to
 * zero) and every interrupt controller structure checked against the
 * table's end before it is read.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "madt.h"

#define TABLE_MAX   (1u << 20)   /* no sane RSDT, XSDT or MADT is larger */
#define CHUNK       256u

struct madt_ctx {
	madt_read_fn rd;
	void *ctx;
	const char **why;
};

static int fail(struct madt_ctx *m, const char *why)
{
	if (m->why)
		*m->why = why;
	return -EINVAL;
}

static uint8_t sum_bytes(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The sum of len bytes at pa, read in chunks; -EFAULT if unreadable. */
static int sum_table(struct madt_ctx *m, uint64_t pa, uint32_t len, uint8_t *sum)
{
	uint8_t buf[CHUNK], s = 0;

	for (uint32_t off = 0; off < len; off += CHUNK) {
		uint32_t n = len - off < CHUNK ? len - off : CHUNK;

		if (m->rd(pa + off, buf, n, m->ctx))
			return -EFAULT;
		s = (uint8_t)(s + sum_bytes(buf, n));
	}
	*sum = s;
	return 0;
}

/* Reads and checks a table's header: signature, a length that holds at
 * least min bytes, and the checksum over all of it. */
static int table_open(struct madt_ctx *m, uint64_t pa, const char sig[4], uint32_t min,
		      struct acpi_sdt_header *h)
{
	uint8_t sum;

	if (m->rd(pa, h, sizeof(*h), m->ctx))
		return fail(m, "an ACPI table lies outside memory");
	if (memcmp(h->signature, sig, 4))
		return 1;
	if (h->length < min || h->length > TABLE_MAX)
		return fail(m, "an ACPI table has an impossible length");
	if (sum_table(m, pa, h->length, &sum))
		return fail(m, "an ACPI table lies outside memory");
	if (sum)
		return fail(m, "an ACPI table's checksum is wrong");
	return 0;
}

static void add_cpu(struct madt_cpus *out, uint32_t id)
{
	for (uint32_t i = 0; i < out->count; i++)
		if (out->apic_id[i] == id)
			return;
	if (out->count < MADT_MAX_CPUS)
		out->apic_id[out->count++] = id;
	else
		out->dropped++;
}

/* One interrupt controller structure at pa, len bytes (len >= 2 checked). */
static int madt_entry(struct madt_ctx *m, uint64_t pa, uint8_t type, uint8_t len,
		      struct madt_cpus *out)
{
	struct madt_lapic l;
	struct madt_x2apic x;

	if (type == MADT_TYPE_LAPIC && len >= sizeof(l)) {
		if (m->rd(pa, &l, sizeof(l), m->ctx))
			return -EFAULT;
		if (l.flags & MADT_LAPIC_ENABLED)
			add_cpu(out, l.apic_id);
	} else if (type == MADT_TYPE_X2APIC && len >= sizeof(x)) {
		if (m->rd(pa, &x, sizeof(x), m->ctx))
			return -EFAULT;
		if (x.flags & MADT_LAPIC_ENABLED)
			add_cpu(out, x.x2apic_id);
	} else if (type == MADT_TYPE_LAPIC || type == MADT_TYPE_X2APIC) {
		return fail(m, "a MADT processor entry is too short");
	}
	return 0;
}

static int madt_walk(struct madt_ctx *m, uint64_t pa, uint32_t len, struct madt_cpus *out)
{
	uint32_t off = sizeof(struct acpi_madt);

	while (off + 2 <= len) {
		uint8_t hdr[2];
		int rc;

		if (m->rd(pa + off, hdr, 2, m->ctx))
			return fail(m, "the MADT lies outside memory");
		if (hdr[1] < 2 || hdr[1] > len - off)
			return fail(m, "a MADT entry's length runs past the table");
		rc = madt_entry(m, pa + off, hdr[0], hdr[1], out);
		if (rc)
			return rc == -EFAULT ? fail(m, "the MADT lies outside memory") : rc;
		off += hdr[1];
	}
	return 0;
}

/* The root table's entries: 4-byte (RSDT) or 8-byte (XSDT) addresses. */
static int root_walk(struct madt_ctx *m, uint64_t root, uint32_t len, uint32_t esz,
		     struct madt_cpus *out)
{
	for (uint32_t off = sizeof(struct acpi_sdt_header); off + esz <= len; off += esz) {
		uint64_t pa = 0;
		struct acpi_sdt_header h;
		int rc;

		if (m->rd(root + off, &pa, esz, m->ctx))
			return fail(m, "the RSDT/XSDT lies outside memory");
		/* Tables other than the MADT are not read past their header,
		 * and one whose header is unreadable is not the MADT. */
		if (m->rd(pa, &h, sizeof(h), m->ctx) || memcmp(h.signature, "APIC", 4))
			continue;
		rc = table_open(m, pa, "APIC", sizeof(struct acpi_madt), &h);
		return rc ? rc : madt_walk(m, pa, h.length, out);
	}
	return fail(m, "the firmware has no MADT");
}

/* ACPI §5.2.5.3: the XSDT where revision >= 2 gives one, else the RSDT. */
static int rsdp_root(struct madt_ctx *m, const void *p, size_t len, uint64_t *root, bool *x)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	if (len < ACPI_RSDP_V1_LEN)
		return fail(m, "the RSDP is too short");
	memcpy(&r, p, len < sizeof(r) ? len : sizeof(r));
	if (memcmp(r.signature, "RSD PTR ", 8) || sum_bytes(p, ACPI_RSDP_V1_LEN))
		return fail(m, "the RSDP's signature or checksum is wrong");
	*x = r.revision >= 2 && len >= sizeof(r) && r.length >= sizeof(r) &&
	     !sum_bytes(p, sizeof(r)) && r.xsdt_address;
	*root = *x ? r.xsdt_address : r.rsdt_address;
	return 0;
}

int madt_find_cpus(const void *rsdp, size_t rsdp_len, madt_read_fn rd, void *ctx,
		   struct madt_cpus *out, const char **why)
{
	struct madt_ctx m = { rd, ctx, why };
	struct acpi_sdt_header h;
	uint64_t root;
	bool x;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rsdp_root(&m, rsdp, rsdp_len, &root, &x);
	if (rc)
		return rc;
	rc = table_open(&m, root, x ? "XSDT" : "RSDT", sizeof(h), &h);
	if (rc > 0)
		rc = fail(&m, "the RSDP points at no RSDT/XSDT");
	if (!rc)
		rc = root_walk(&m, root, h.length, x ? 8 : 4, out);
	if (rc)           /* nothing half-listed */
		memset(out, 0, sizeof(*out));
	return rc;
}
