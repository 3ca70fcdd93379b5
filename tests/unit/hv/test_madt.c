/* Host tests for the MADT processor list (hv/boot/madt.c): tables built
 * in a fake physical memory, the way firmware lays them out. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/boot/madt.h"

#define MEM_BASE 0xe0000u
#define MEM_SIZE 0x20000u
static uint8_t mem[MEM_SIZE];

static int rd(uint64_t pa, void *buf, size_t len, void *ctx)
{
	(void)ctx;
	if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (pa - MEM_BASE))
		return -EFAULT;
	memcpy(buf, mem + (pa - MEM_BASE), len);
	return 0;
}

static void fix_sum(uint8_t *p, size_t len, uint8_t *field)
{
	uint8_t s = 0;

	*field = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	*field = (uint8_t)-s;
}

static void sdt(uint32_t pa, const char *sig, uint32_t len)
{
	struct acpi_sdt_header *h = (void *)(mem + pa - MEM_BASE);

	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = 1;
	fix_sum((uint8_t *)h, len, &h->checksum);
}

struct madt_builder {
	uint32_t pa, len;
};

static void madt_begin(struct madt_builder *b, uint32_t pa)
{
	b->pa = pa;
	b->len = sizeof(struct acpi_madt);
	memset(mem + pa - MEM_BASE, 0, 0x1000);
	((struct acpi_madt *)(mem + pa - MEM_BASE))->lapic_address = 0xfee00000;
}

static void madt_lapic(struct madt_builder *b, uint8_t id, uint32_t flags)
{
	struct madt_lapic l = { MADT_TYPE_LAPIC, 8, id, id, flags };

	memcpy(mem + b->pa - MEM_BASE + b->len, &l, sizeof(l));
	b->len += sizeof(l);
}

static void madt_x2apic(struct madt_builder *b, uint32_t id, uint32_t flags)
{
	struct madt_x2apic x = { MADT_TYPE_X2APIC, 16, 0, id, flags, id };

	memcpy(mem + b->pa - MEM_BASE + b->len, &x, sizeof(x));
	b->len += sizeof(x);
}

static void madt_raw(struct madt_builder *b, uint8_t type, uint8_t len)
{
	mem[b->pa - MEM_BASE + b->len] = type;
	mem[b->pa - MEM_BASE + b->len + 1] = len;
	b->len += 2;
}

static void madt_end(struct madt_builder *b)
{
	sdt(b->pa, "APIC", b->len);
}

/* An RSDT at 0xe1000 listing a FACP at 0xe2000 and the MADT at 0xe3000. */
static void rsdt_with_madt(void)
{
	uint32_t ents[2] = { 0xe2000, 0xe3000 };

	memcpy(mem + 0x1000 + 36, ents, sizeof(ents));
	sdt(0xe2000, "FACP", 36);
	sdt(0xe1000, "RSDT", 36 + sizeof(ents));
}

static void rsdp_v1(struct acpi_rsdp *r, uint32_t rsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	r->rsdt_address = rsdt;
	fix_sum((uint8_t *)r, ACPI_RSDP_V1_LEN, &r->checksum);
}

static void rsdp_v2(struct acpi_rsdp *r, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	r->revision = 2;
	r->rsdt_address = rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	fix_sum((uint8_t *)r, ACPI_RSDP_V1_LEN, &r->checksum);
	fix_sum((uint8_t *)r, sizeof(*r), &r->ext_checksum);
}

static void setup_two_cpus(void)
{
	struct madt_builder b;

	memset(mem, 0, sizeof(mem));
	rsdt_with_madt();
	madt_begin(&b, 0xe3000);
	madt_lapic(&b, 0, 1);
	madt_raw(&b, 1, 12);          /* an I/O APIC entry, skipped */
	b.len += 10;
	madt_lapic(&b, 1, 1);
	madt_lapic(&b, 2, 0);         /* disabled: not started */
	madt_lapic(&b, 3, 2);         /* online capable only: not started */
	madt_end(&b);
}

static void test_rsdt_lists_enabled_cpus(void **state)
{
	struct acpi_rsdp r;
	struct madt_cpus c;
	const char *why = NULL;

	(void)state;
	setup_two_cpus();
	rsdp_v1(&r, 0xe1000);
	assert_int_equal(madt_find_cpus(&r, ACPI_RSDP_V1_LEN, rd, NULL, &c, &why), 0);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.apic_id[0], 0);
	assert_int_equal(c.apic_id[1], 1);
}

static void test_xsdt_preferred_x2apic_dedup(void **state)
{
	struct acpi_rsdp r;
	struct madt_cpus c;
	struct madt_builder b;
	uint64_t ent = 0xe5000;
	const char *why = NULL;

	(void)state;
	setup_two_cpus();                  /* the RSDT's MADT has 0 and 1 */
	madt_begin(&b, 0xe5000);
	madt_lapic(&b, 0, 1);
	madt_x2apic(&b, 0, 1);             /* the same CPU twice: listed once */
	madt_x2apic(&b, 0x100, 1);
	madt_x2apic(&b, 0x101, 0);
	madt_end(&b);
	memcpy(mem + 0x4000 + 36, &ent, 8);
	sdt(0xe4000, "XSDT", 44);
	rsdp_v2(&r, 0xe1000, 0xe4000);
	assert_int_equal(madt_find_cpus(&r, sizeof(r), rd, NULL, &c, &why), 0);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.apic_id[0], 0);
	assert_int_equal(c.apic_id[1], 0x100);
	/* A revision-2 RSDP whose extended checksum is wrong: the RSDT. */
	r.ext_checksum ^= 1;
	assert_int_equal(madt_find_cpus(&r, sizeof(r), rd, NULL, &c, &why), 0);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.apic_id[1], 1);
}

static void expect_einval(const struct acpi_rsdp *r, size_t len, const char *what)
{
	struct madt_cpus c;
	const char *why = NULL;

	assert_int_equal(madt_find_cpus(r, len, rd, NULL, &c, &why), -EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, what));
	assert_int_equal(c.count, 0);
}

static void test_bad_rsdp(void **state)
{
	struct acpi_rsdp r;

	(void)state;
	setup_two_cpus();
	rsdp_v1(&r, 0xe1000);
	expect_einval(&r, 19, "too short");
	r.checksum ^= 0x55;
	expect_einval(&r, ACPI_RSDP_V1_LEN, "checksum");
	rsdp_v1(&r, 0x10);                 /* outside memory */
	expect_einval(&r, ACPI_RSDP_V1_LEN, "outside memory");
	rsdp_v1(&r, 0xe2000);              /* the FACP, not an RSDT */
	expect_einval(&r, ACPI_RSDP_V1_LEN, "no RSDT");
}

static void test_bad_tables(void **state)
{
	struct acpi_rsdp r;
	struct acpi_sdt_header *m = (void *)(mem + 0x3000);

	(void)state;
	setup_two_cpus();
	rsdp_v1(&r, 0xe1000);
	m->checksum ^= 1;
	expect_einval(&r, ACPI_RSDP_V1_LEN, "checksum is wrong");
	setup_two_cpus();
	m->length = 0x7fffffff;
	expect_einval(&r, ACPI_RSDP_V1_LEN, "impossible length");
	setup_two_cpus();
	memcpy(mem + 0x3000, "FAKE", 4);   /* no MADT left */
	expect_einval(&r, ACPI_RSDP_V1_LEN, "no MADT");
}

static void test_bad_entries(void **state)
{
	struct acpi_rsdp r;
	struct madt_builder b;

	(void)state;
	rsdp_v1(&r, 0xe1000);
	memset(mem, 0, sizeof(mem));
	rsdt_with_madt();
	madt_begin(&b, 0xe3000);
	madt_lapic(&b, 0, 1);
	madt_raw(&b, 0, 0);                /* length 0 would loop forever */
	madt_end(&b);
	expect_einval(&r, ACPI_RSDP_V1_LEN, "runs past");
	madt_begin(&b, 0xe3000);
	madt_raw(&b, 9, 40);               /* past the table's end */
	madt_end(&b);
	expect_einval(&r, ACPI_RSDP_V1_LEN, "runs past");
	madt_begin(&b, 0xe3000);
	madt_raw(&b, 0, 4);                /* a local APIC entry of 4 bytes */
	b.len += 2;
	madt_end(&b);
	expect_einval(&r, ACPI_RSDP_V1_LEN, "too short");
}

static void test_many_cpus_dropped(void **state)
{
	struct acpi_rsdp r;
	struct madt_builder b;
	struct madt_cpus c;
	const char *why = NULL;

	(void)state;
	memset(mem, 0, sizeof(mem));
	rsdt_with_madt();
	madt_begin(&b, 0xe3000);
	for (uint32_t i = 0; i < MADT_MAX_CPUS + 3; i++)
		madt_x2apic(&b, i, 1);
	madt_end(&b);
	rsdp_v1(&r, 0xe1000);
	assert_int_equal(madt_find_cpus(&r, ACPI_RSDP_V1_LEN, rd, NULL, &c, &why), 0);
	assert_int_equal(c.count, MADT_MAX_CPUS);
	assert_int_equal(c.dropped, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdt_lists_enabled_cpus),
		cmocka_unit_test(test_xsdt_preferred_x2apic_dedup),
		cmocka_unit_test(test_bad_rsdp),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_many_cpus_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
