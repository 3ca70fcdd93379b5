/*
 * The child's ACPI tables (partition/acpi/): walked from the RSDP as an OS
 * would, with this file's own reading of ACPI 6.4's offsets; every
 * checksum and length checked; then each table disassembled by Debian's
 * iasl (`iasl -d`), the external oracle, which must report no error or
 * warning. A corrupted checksum is shown to make the oracle complain, so
 * the oracle check can fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "partition/acpi/acpi.h"

#define BASE 0xe0000u
#define CAP 0x20000u

static uint8_t buf[CAP];
static struct acpi_layout lay;

static uint64_t rd(uint64_t gpa, int n)
{
	uint64_t v = 0;

	assert_true(gpa >= BASE && gpa + (unsigned)n <= BASE + lay.len);
	while (n--)
		v = v << 8 | buf[gpa - BASE + (unsigned)n];
	return v;
}

static const uint8_t *at(uint64_t gpa)
{
	return buf + (gpa - BASE);
}

/* A table at gpa: its signature, a length inside the blob, sum zero. */
static uint32_t table(uint64_t gpa, const char *sig)
{
	uint32_t len = (uint32_t)rd(gpa + 4, 4);

	assert_memory_equal(at(gpa), sig, 4);
	assert_true(len >= 36 && gpa - BASE + len <= lay.len);
	assert_int_equal(acpi_sum(at(gpa), len), 0);
	return len;
}

static void build(uint32_t n, bool ioapic, bool pic)
{
	struct acpi_config c = { n, ioapic, pic };

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(acpi_build_tables(&c, BASE, buf, sizeof(buf), &lay), 0);
}

/* RSDP -> XSDT -> FADT -> FACS/DSDT, and XSDT -> MADT. */
static void walk(uint64_t *fadt, uint64_t *madt)
{
	uint64_t xsdt;
	uint32_t xl;

	assert_memory_equal(at(BASE), "RSD PTR ", 8);
	assert_int_equal(acpi_sum(at(BASE), 20), 0);
	assert_int_equal(acpi_sum(at(BASE), 36), 0);
	assert_int_equal(rd(BASE + 15, 1), 2);
	assert_int_equal(rd(BASE + 20, 4), 36);
	xsdt = rd(BASE + 24, 8);
	xl = table(xsdt, "XSDT");
	assert_int_equal(xl, 36 + 16);
	*fadt = rd(xsdt + 36, 8);
	*madt = rd(xsdt + 44, 8);
	assert_int_equal(table(*fadt, "FACP"), 276);
	table(*madt, "APIC");
}

static void test_fadt(void **state)
{
	uint64_t fadt, madt, dsdt, facs;

	(void)state;
	build(1, false, true);
	walk(&fadt, &madt);
	dsdt = rd(fadt + 140, 8);                       /* X_DSDT */
	assert_int_equal(rd(fadt + 40, 4), dsdt);       /* DSDT agrees */
	table(dsdt, "DSDT");
	facs = rd(fadt + 132, 8);                       /* X_FIRMWARE_CTRL */
	assert_int_equal(rd(fadt + 36, 4), facs);
	assert_memory_equal(at(facs), "FACS", 4);
	assert_int_equal(rd(facs + 4, 4), 64);
	assert_int_equal(facs % 64, 0);
	assert_int_equal(rd(fadt + 8, 1), 6);           /* revision */
	assert_int_equal(rd(fadt + 112, 4) & (1u << 20), 0); /* not HW-reduced */
	assert_int_equal(rd(fadt + 46, 2), 9);          /* SCI */
	assert_int_equal(rd(fadt + 48, 4), 0);          /* no SMI_CMD: ACPI mode */
	assert_int_equal(rd(fadt + 56, 4), 0x600);      /* PM1a_EVT */
	assert_int_equal(rd(fadt + 64, 4), 0x604);      /* PM1a_CNT */
	assert_int_equal(rd(fadt + 76, 4), 0);          /* no PM timer ... */
	assert_int_equal(rd(fadt + 91, 1), 0);          /* ... in either form */
	assert_int_equal(rd(fadt + 208 + 4, 8), 0);     /* X_PM_TMR_BLK address */
	assert_int_equal(rd(fadt + 88, 1), 4);          /* PM1_EVT_LEN */
	assert_int_equal(rd(fadt + 89, 1), 2);          /* PM1_CNT_LEN */
	assert_int_equal(rd(fadt + 172 + 4, 8), 0x604); /* X_PM1a_CNT_BLK */
	assert_int_equal(rd(fadt + 116 + 4, 8), 0xcf9); /* RESET_REG */
	assert_int_equal(rd(fadt + 128, 1), 6);
	assert_int_equal(rd(fadt + 109, 2) & 2, 0);     /* no 8042 */
	assert_true(lay.len <= CAP);
	assert_int_equal(lay.rsdp, BASE);
}

/* Independent MADT walk: counts of each entry type, IDs in order. */
static void madt_count(uint64_t madt, int counts[16], uint32_t *ids, int *nids)
{
	uint32_t len = (uint32_t)rd(madt + 4, 4), off, t, l;

	memset(counts, 0, 16 * sizeof(int));
	*nids = 0;
	assert_int_equal(rd(madt + 36, 4), 0xfee00000);
	for (off = 44; off < len; off += l) {
		t = (uint32_t)rd(madt + off, 1);
		l = (uint32_t)rd(madt + off + 1, 1);
		assert_true(l >= 2 && off + l <= len);
		counts[t < 16 ? t : 15]++;
		if (t == 0) {
			assert_int_equal(l, 8);
			assert_int_equal(rd(madt + off + 4, 4) & 1, 1);
			ids[(*nids)++] = (uint32_t)rd(madt + off + 3, 1);
		} else if (t == 9) {
			assert_int_equal(l, 16);
			assert_int_equal(rd(madt + off + 8, 4) & 1, 1);
			ids[(*nids)++] = (uint32_t)rd(madt + off + 4, 4);
		}
	}
	assert_int_equal(off, len);
}

static void test_madt(void **state)
{
	static uint32_t ids[ACPI_MAX_VCPUS];
	uint64_t fadt, madt;
	int counts[16], n;

	(void)state;
	build(1, false, true);
	walk(&fadt, &madt);
	madt_count(madt, counts, ids, &n);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1] + counts[2] + counts[9], 0);
	assert_int_equal(ids[0], 0);
	assert_int_equal(rd(madt + 40, 4), 1);          /* PCAT_COMPAT */
	build(300, true, false);
	walk(&fadt, &madt);
	madt_count(madt, counts, ids, &n);
	assert_int_equal(counts[0], 255);
	assert_int_equal(counts[9], 45);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 2);
	assert_int_equal(rd(madt + 40, 4), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(ids[i], (uint32_t)i);
	assert_int_equal(n, 300);
}

static void test_bad_config(void **state)
{
	struct acpi_config c = { 0, false, false };

	(void)state;
	assert_int_equal(acpi_build_tables(&c, BASE, buf, sizeof(buf), &lay), -EINVAL);
	c.nvcpus = ACPI_MAX_VCPUS + 1;
	assert_int_equal(acpi_build_tables(&c, BASE, buf, sizeof(buf), &lay), -EINVAL);
	c.nvcpus = 1;
	assert_int_equal(acpi_build_tables(&c, BASE + 1, buf, sizeof(buf), &lay), -EINVAL);
	assert_int_equal(acpi_build_tables(&c, BASE, buf, 200, &lay), -ENOSPC);
	c.nvcpus = ACPI_MAX_VCPUS;
	assert_int_equal(acpi_build_tables(&c, BASE, buf, 4096, &lay), -ENOSPC);
}

/* Run iasl -d on one table; returns its combined output, or NULL. */
static char *iasl_d(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	static char out[65536];
	char path[512], cmd[1200];
	FILE *f;
	size_t n;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat 2>&1", dir, name);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	rc = pclose(f);
	if (rc != 0)
		return NULL;
	return out;
}

static bool clean(const char *o)
{
	return o && !strstr(o, "Error") && !strstr(o, "Warning") &&
	       !strstr(o, "Invalid") && !strstr(o, "ncorrect");
}

static char *slurp(const char *dir, const char *name)
{
	static char text[1 << 18];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.dsl", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	return text;
}

static void test_iasl_oracle(void **state)
{
	char dir[] = "/tmp/hvpart-acpi-XXXXXX", cmd[600];
	uint64_t fadt, madt, dsdt, xsdt;
	uint8_t bad[4096];
	char *o, *t;

	(void)state;
	if (system("iasl -v >/dev/null 2>&1") != 0)
		fail_msg("iasl (acpica-tools) is not installed: tools/deps/base.txt");
	assert_non_null(mkdtemp(dir));
	build(2, false, true);
	walk(&fadt, &madt);
	dsdt = rd(fadt + 140, 8);
	xsdt = rd(BASE + 24, 8);
	/* No RSDP: iasl -d takes only tables with a standard header ("RSD "
	 * is no valid name); walk() checked the RSDP's checksums. */
	assert_true(clean(iasl_d(dir, "xsdt", at(xsdt), (size_t)rd(xsdt + 4, 4))));
	assert_true(clean(iasl_d(dir, "facp", at(fadt), 276)));
	t = slurp(dir, "facp");
	assert_non_null(strstr(t, "Hardware Reduced (V5) : 0"));
	assert_true(clean(iasl_d(dir, "apic", at(madt), (size_t)rd(madt + 4, 4))));
	t = slurp(dir, "apic");
	assert_non_null(strstr(t, "Local Apic ID : 01"));
	assert_true(clean(iasl_d(dir, "facs", at(rd(fadt + 132, 8)), 64)));
	assert_true(clean(iasl_d(dir, "dsdt", at(dsdt), (size_t)rd(dsdt + 4, 4))));
	t = slurp(dir, "dsdt");
	assert_non_null(strstr(t, "Device (VMOD)"));
	assert_non_null(strstr(t, "\"ACPI0004\""));
	assert_non_null(strstr(t, "Return (\"VMBus\")"));
	assert_non_null(strstr(t, "PNP0501"));
	assert_non_null(strstr(t, "0x03F8"));
	assert_non_null(strstr(t, "Name (_S5, Package"));
	assert_non_null(strstr(t, "Device (PCI0)"));
	assert_non_null(strstr(t, "EisaId (\"PNP0A03\")"));
	/* Second oracle: ACPICA's acpiexec loads FADT, DSDT and MADT as an
	 * OS does and evaluates what Linux asks for: VMBus's _HID (ACPICA
	 * upper-cases IDs; Linux matches both spellings), COM1's _CRS (IO
	 * 0x3f8-0x3ff, IRQ 4), \_S5, and the PCI root bridge's _HID
	 * (EisaId PNP0A03) and _CRS (bus 0 alone; IO 0xcf8-0xcff; the I/O
	 * windows 0-0xcf7 and 0xd00-0xffff, the last ending the template). */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && timeout 60 acpiexec -b 'evaluate \\_SB.VMOD.VMBS._HID; "
		 "evaluate \\_SB.UAR1._CRS; evaluate \\_SB.VMOD._CRS; evaluate \\_S5; "
		 "evaluate \\_SB.PCI0._HID; evaluate \\_SB.PCI0._CRS' "
		 "facp.dat dsdt.dat apic.dat > exec.dsl 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	t = slurp(dir, "exec");
	assert_non_null(strstr(t, "Namespace contains"));
	assert_null(strstr(t, "ACPI Error"));
	assert_null(strstr(t, "ACPI Exception"));
	assert_non_null(strstr(t, "[String] Length 05 = \"VMBUS\""));
	assert_non_null(strstr(t, "47 01 F8 03 F8 03 01 08 22 10 00 79 00"));
	assert_non_null(strstr(t, "[Package] Contains 4 Elements"));
	assert_non_null(strstr(t, "[Integer] = 00000000030AD041"));
	assert_non_null(strstr(t, "0000: 88 0D 00 02 0C 00 00 00 00 00 00 00 00 00 01 00"));
	assert_non_null(strstr(t, "0010: 47 01 F8 0C F8 0C 01 08"));
	assert_non_null(strstr(t, "0030: 00 0D FF FF 00 00 00 F3 79 00"));
	/* Negative control: a wrong checksum is reported. */
	memcpy(bad, at(madt), (size_t)rd(madt + 4, 4));
	bad[9] ^= 0x55;
	o = iasl_d(dir, "badapic", bad, (size_t)rd(madt + 4, 4));
	assert_false(clean(o));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_iasl_oracle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
