/*
 * Linux boot protocol tests (partition/loader/linux.c): synthetic bzImages
 * built here from Documentation/arch/x86/boot.rst's field offsets (not
 * from the loader's structures), the guest memory checked byte for byte,
 * the page tables walked with this file's own IA-32e walker, and every
 * refusal checked to leave guest memory untouched. With HVPART_VMLINUZ
 * set (tools/mkguest-linux's vmlinuz), a real Debian kernel is loaded too.
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

#include "partition/loader/linux.h"
#include "tests/unit/loader/gmem_fake.h"

#define RAM (64u << 20)
#define PAT 0xAA
#define SETUP_SECTS 4
#define PAYLOAD 0x3000u
#define KFILE ((SETUP_SECTS + 1) * 512 + PAYLOAD)

static struct fake_ram ram;
static struct ldr_gmem gm;
static struct ldr_vp_state vp;
static struct ldr_linux_info info;
static char why[200];
static uint8_t kimg[KFILE];
static uint8_t rdimg[10000];

static void put(uint8_t *p, unsigned off, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, uint64_t off, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[off + n];
	return v;
}

/* A protocol 2.15 bzImage as boot.rst lays it out. */
static void make_kernel(void)
{
	memset(kimg, 0, sizeof(kimg));
	put(kimg, 0x1f1, SETUP_SECTS, 1);
	put(kimg, 0x1f4, PAYLOAD / 16, 4);            /* syssize */
	put(kimg, 0x1fe, 0xaa55, 2);
	put(kimg, 0x200, 0xeb, 1);
	put(kimg, 0x201, 0x6a, 1);                    /* header ends at 0x26c */
	memcpy(kimg + 0x202, "HdrS", 4);
	put(kimg, 0x206, 0x020f, 2);
	put(kimg, 0x211, 0x01, 1);                    /* LOADED_HIGH */
	put(kimg, 0x214, 0x100000, 4);
	put(kimg, 0x22c, 0x7fffffff, 4);              /* initrd_addr_max */
	put(kimg, 0x230, 0x200000, 4);                /* kernel_alignment */
	put(kimg, 0x234, 1, 1);                       /* relocatable */
	put(kimg, 0x235, 21, 1);
	put(kimg, 0x236, 0x7f, 2);                    /* xloadflags */
	put(kimg, 0x238, 2047, 4);                    /* cmdline_size */
	put(kimg, 0x258, 0x1000000, 8);               /* pref_address */
	put(kimg, 0x260, 0x800000, 4);                /* init_size */
	for (unsigned i = 0; i < PAYLOAD; i++)
		kimg[(SETUP_SECTS + 1) * 512 + i] = (uint8_t)(i * 7 + 3);
	for (unsigned i = 0x26c; i < 0x400; i++)      /* setup code after the header */
		kimg[i] = 0xcc;
	for (unsigned i = 0; i < sizeof(rdimg); i++)
		rdimg[i] = (uint8_t)(i ^ 0x5a);
}

static int setup_ram(uint64_t size)
{
	ram = (struct fake_ram){ malloc(size), size, 0, 0, 0 };
	assert_non_null(ram.b);
	memset(ram.b, PAT, size);
	gm = fake_gmem(&ram);
	memset(&vp, 0x5a, sizeof(vp));
	memset(why, 'x', sizeof(why));
	make_kernel();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_ram(RAM);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(ram.oob, 0);
	free(ram.b);
	return 0;
}

static int load(const char *cmdline, size_t rdlen)
{
	struct ldr_file k = { "vmlinuz", kimg, sizeof(kimg) };
	struct ldr_file rd = { "initrd.gz", rdimg, rdlen };
	struct ldr_linux_boot b = { &k, rdlen ? &rd : NULL, cmdline, 0xe0000 };

	return ldr_load_linux(&gm, &b, &vp, &info, why, sizeof(why));
}

static bool untouched(void)
{
	for (uint64_t i = 0; i < ram.size; i++)
		if (ram.b[i] != PAT)
			return false;
	return true;
}

/* SDM Vol. 3A §4.5: walk CR3 for a linear address; ~0 if not present. */
static uint64_t walk(uint64_t cr3, uint64_t va)
{
	uint64_t t = cr3 & ~0xfffull, e;
	int shift;

	for (shift = 39; shift >= 12; shift -= 9) {
		e = get(ram.b, t + ((va >> shift) & 511) * 8, 8);
		if (!(e & 1) || !(e & 2))
			return ~0ull;
		if (shift < 39 && shift > 12 && (e & 0x80))
			return (e & ~((1ull << shift) - 1) & 0xffffffffff000ull) |
			       (va & ((1ull << shift) - 1));
		t = e & 0xffffffffff000ull;
	}
	return t | (va & 0xfff);
}

static void expect_fail(int rc, int err, const char *text)
{
	assert_int_equal(rc, err);
	if (!strstr(why, text))
		fail_msg("reason '%s' lacks '%s'", why, text);
	assert_true(untouched());
}

static void test_loads(void **state)
{
	uint64_t zp, rd;

	(void)state;
	assert_int_equal(load("console=ttyS0 earlyprintk=serial", sizeof(rdimg)), 0);
	assert_string_equal(why, "");
	/* The protected-mode code at pref_address, entry 0x200 into it. */
	assert_memory_equal(ram.b + 0x1000000, kimg + (SETUP_SECTS + 1) * 512, PAYLOAD);
	assert_int_equal(vp.rip, 0x1000200);
	assert_int_equal(info.load, 0x1000000);
	/* The zero page: the header copied, loader fields set, the rest zero. */
	zp = vp.rsi;
	assert_int_equal(zp % 4096, 0);
	for (unsigned i = 0x1f1; i < 0x26c; i++) {
		if ((i >= 0x210 && i < 0x211) || (i >= 0x214 && i < 0x220) ||
		    (i >= 0x228 && i < 0x22c))
			continue;
		assert_int_equal(ram.b[zp + i], kimg[i]);
	}
	assert_int_equal(get(ram.b, zp + 0x210, 1), 0xff);          /* type_of_loader */
	assert_string_equal((char *)ram.b + get(ram.b, zp + 0x228, 4),
			    "console=ttyS0 earlyprintk=serial");
	rd = get(ram.b, zp + 0x218, 4) | get(ram.b, zp + 0xc0, 4) << 32;
	assert_int_equal(get(ram.b, zp + 0x21c, 4), sizeof(rdimg));
	assert_int_equal(rd % 4096, 0);
	assert_true(rd + sizeof(rdimg) <= RAM && rd + sizeof(rdimg) + 4096 > RAM);
	assert_true(rd >= 0x1000000 + 0x800000);
	assert_memory_equal(ram.b + rd, rdimg, sizeof(rdimg));
	assert_int_equal(get(ram.b, zp + 0x70, 8), 0xe0000);       /* acpi_rsdp_addr */
	assert_int_equal(ram.b[zp + 0x1ef], 0);                    /* sentinel */
	for (unsigned i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(ram.b[zp + i], 0);
	for (unsigned i = 0; i < 0x1e8; i++)
		if (i < 0x70 || i >= 0x78) {
			if (i >= 0xc0 && i < 0xc8)
				continue;
			assert_int_equal(ram.b[zp + i], 0);
		}
	/* e820: the platform's map (docs/child-platform.md "Memory"). */
	assert_int_equal(ram.b[zp + 0x1e8], 3);
	assert_int_equal(get(ram.b, zp + 0x2d0, 8), 0);
	assert_int_equal(get(ram.b, zp + 0x2d8, 8), 0x9fc00);
	assert_int_equal(get(ram.b, zp + 0x2e0, 4), 1);
	assert_int_equal(get(ram.b, zp + 0x2e4, 8), 0x9fc00);
	assert_int_equal(get(ram.b, zp + 0x2ec, 8), 0x100000 - 0x9fc00);
	assert_int_equal(get(ram.b, zp + 0x2f4, 4), 2);
	assert_int_equal(get(ram.b, zp + 0x2f8, 8), 0x100000);
	assert_int_equal(get(ram.b, zp + 0x300, 8), RAM - 0x100000);
	assert_int_equal(get(ram.b, zp + 0x308, 4), 1);
	for (unsigned i = 0x30c; i < 0xcd0; i++)
		assert_int_equal(ram.b[zp + i], 0);
}

/* boot.rst "64-bit Boot Protocol": the CPU state and what is mapped. */
static void test_entry_state(void **state)
{
	uint64_t gdt, cs, ds;

	(void)state;
	assert_int_equal(load("x", sizeof(rdimg)), 0);
	assert_true(vp.cr0 & 0x80000000);                  /* PG */
	assert_true(vp.cr0 & 1);                           /* PE */
	assert_true(vp.cr4 & 0x20);                        /* PAE */
	assert_int_equal(vp.efer & 0x500, 0x500);          /* LME, LMA */
	assert_int_equal(vp.rflags & 0x200, 0);            /* IF = 0 */
	assert_int_equal(vp.cs.sel, 0x10);
	assert_int_equal(vp.ds.sel, 0x18);
	assert_int_equal(vp.ss.sel, 0x18);
	assert_int_equal(vp.es.sel, 0x18);
	assert_true(vp.cs.ar & (1u << 13));                /* L */
	assert_false(vp.cs.ar & (1u << 14));               /* D clear with L */
	/* The GDT descriptors match the segment state. */
	gdt = vp.gdtr_base;
	assert_true(vp.gdtr_limit >= 0x1f);
	cs = get(ram.b, gdt + 0x10, 8);
	ds = get(ram.b, gdt + 0x18, 8);
	assert_int_equal((cs >> 40) & 0xff, 0x9b);         /* present, code, exec/read */
	assert_true(cs & (1ull << 53));                    /* L */
	assert_int_equal((ds >> 40) & 0xff, 0x93);         /* present, data, read/write */
	/* Identity: kernel + init_size, zero page, command line, initrd, and
	 * the LAPIC page at 0xfee00000. */
	for (uint64_t va = 0x1000000; va < 0x1800000; va += 0x1ff000)
		assert_int_equal(walk(vp.cr3, va), va);
	assert_int_equal(walk(vp.cr3, vp.rsi), vp.rsi);
	assert_int_equal(walk(vp.cr3, get(ram.b, vp.rsi + 0x228, 4)),
			 get(ram.b, vp.rsi + 0x228, 4));
	assert_int_equal(walk(vp.cr3, info.initrd_gpa + 123), info.initrd_gpa + 123);
	assert_int_equal(walk(vp.cr3, 0xfee00ff0), 0xfee00ff0);
	assert_int_equal(walk(vp.cr3, 0x100000000ull), ~0ull);
	/* The stack, the tables and the zero page lie in low RAM (e820 type 1)
	 * and not over each other or the kernel. */
	assert_true(vp.rsp <= 0x9fc00 && vp.rsp > vp.rsi + 4096);
	assert_true(vp.cr3 + 6 * 4096 <= vp.rsi);
}

static void test_setup_sects_zero_means_4(void **state)
{
	(void)state;
	kimg[0x1f1] = 0;     /* same layout: 0 means 4 */
	assert_int_equal(load("", 0), 0);
	assert_memory_equal(ram.b + 0x1000000, kimg + 5 * 512, PAYLOAD);
	assert_int_equal(get(ram.b, vp.rsi + 0x218, 4), 0);     /* no initrd */
}

/* A relocatable kernel whose pref_address does not fit goes low. */
static void test_relocates_low(void **state)
{
	(void)state;
	free(ram.b);
	setup_ram(16u << 20);
	assert_int_equal(load("", sizeof(rdimg)), 0);
	assert_int_equal(info.load, 0x200000);
	assert_int_equal(vp.rip, 0x200200);
	assert_memory_equal(ram.b + 0x200000, kimg + (SETUP_SECTS + 1) * 512, PAYLOAD);
	/* Non-relocatable: only pref_address will do. */
	free(ram.b);
	setup_ram(16u << 20);
	kimg[0x234] = 0;
	expect_fail(load("", 0), -ENOMEM, "needs 24 MiB");
}

static void test_refusals(void **state)
{
	char big[3000];

	(void)state;
	kimg[0x206] = 0x0b;                                /* 2.11 */
	expect_fail(load("", 0), -ENOTSUP, "protocol 2.11; hvpart needs 2.12");
	make_kernel();
	kimg[0x236] = 0x7e;                                /* no XLF_KERNEL_64 */
	expect_fail(load("", 0), -ENOTSUP, "no 64-bit entry");
	make_kernel();
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	expect_fail(load(big, 0), -E2BIG, "limit of 2047 bytes");
	big[2047] = 0;
	assert_int_equal(load(big, 0), 0);                 /* exactly cmdline_size */
	memset(ram.b, PAT, ram.size);
	kimg[0x211] = 0;                                   /* zImage */
	expect_fail(load("", 0), -ENOTSUP, "zImage");
}

static void test_corrupt(void **state)
{
	struct ldr_file k = { "vmlinuz", kimg, KFILE - 1 };
	struct ldr_linux_boot b = { &k, NULL, "", 0 };

	(void)state;
	expect_fail(ldr_load_linux(&gm, &b, &vp, NULL, why, sizeof(why)), -ENOEXEC,
		    "truncated: its header gives");
	k.len = 0x230;
	expect_fail(ldr_load_linux(&gm, &b, &vp, NULL, why, sizeof(why)), -ENOEXEC,
		    "truncated inside its setup header");
	kimg[0x201] = 0x30;                                /* header ends at 0x232 */
	k.len = KFILE;
	expect_fail(ldr_load_linux(&gm, &b, &vp, NULL, why, sizeof(why)), -ENOEXEC,
		    "too short for boot protocol 2.12");
	make_kernel();
	kimg[0x1fe] = 0;
	expect_fail(load("", 0), -ENOEXEC, "not a bzImage");
	make_kernel();
	put(kimg, 0x260, PAYLOAD - 16, 4);
	expect_fail(load("", 0), -ENOEXEC, "init_size");
	make_kernel();
	put(kimg, 0x230, 0x300000, 4);
	expect_fail(load("", 0), -ENOEXEC, "kernel_alignment");
	make_kernel();
	put(kimg, 0x1f4, 0, 4);
	expect_fail(load("", 0), -ENOEXEC, "truncated");
	make_kernel();
	put(kimg, 0x1f4, 0xffffffff, 4);
	expect_fail(load("", 0), -ENOEXEC, "truncated");
}

static void test_initrd_too_big(void **state)
{
	struct ldr_file k = { "vmlinuz", kimg, sizeof(kimg) };
	struct ldr_file rd = { "initrd.gz", ram.b, RAM - 0x1800000 + 1 };
	struct ldr_linux_boot b = { &k, &rd, "", 0 };
	uint8_t *copy = malloc(RAM);

	(void)state;
	assert_non_null(copy);
	memset(copy, 1, RAM);
	rd.data = copy;
	expect_fail(ldr_load_linux(&gm, &b, &vp, NULL, why, sizeof(why)), -ENOMEM,
		    "initrd 'initrd.gz'");
	rd.len = RAM - 0x1800000;                           /* exactly fits */
	assert_int_equal(ldr_load_linux(&gm, &b, &vp, &info, why, sizeof(why)), 0);
	assert_int_equal(info.initrd_gpa, 0x1800000);
	/* initrd_addr_max bounds it too */
	memset(ram.b, PAT, ram.size);
	put(kimg, 0x22c, 0x1ffffff, 4);
	rd.len = 0x800000 + 1;
	expect_fail(ldr_load_linux(&gm, &b, &vp, NULL, why, sizeof(why)), -ENOMEM, "initrd");
	free(copy);
}

static void test_write_error(void **state)
{
	(void)state;
	ram.fail_at_write = 3;
	assert_int_equal(load("", sizeof(rdimg)), -EIO);
	assert_non_null(strstr(why, "writing kernel"));
}

static void test_detect(void **state)
{
	struct ldr_file k = { "k", kimg, sizeof(kimg) };
	static const uint8_t elf[0x300] = { 0x7f, 'E', 'L', 'F' };
	struct ldr_file e = { "e", elf, sizeof(elf) };

	(void)state;
	assert_true(ldr_is_bzimage(&k));
	assert_false(ldr_is_bzimage(&e));
	k.len = 0x205;
	assert_false(ldr_is_bzimage(&k));
}

/* A real distribution kernel: $HVPART_VMLINUZ, else tools/mkguest-linux's
 * output in build/linux-guest. main() runs this case only if one exists
 * (cmocka's TAP output counts a skip as a failure). */
static const char *real_vmlinuz(void)
{
	const char *path = getenv("HVPART_VMLINUZ");

	return path ? path : "build/linux-guest/vmlinuz";
}

static void test_real_vmlinuz(void **state)
{
	const char *path = real_vmlinuz();
	struct ldr_file k = { "vmlinuz", NULL, 0 };
	struct ldr_linux_boot b = { &k, NULL, "console=ttyS0", 0xe0000 };
	uint8_t *buf;
	FILE *f;
	long n;

	(void)state;
	if (!path || !(f = fopen(path, "rb")))
		skip();
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	k.data = buf;
	k.len = (size_t)n;
	free(ram.b);
	setup_ram(128u << 20);
	assert_int_equal(ldr_load_linux(&gm, &b, &vp, &info, why, sizeof(why)), 0);
	assert_true(info.version >= 0x020c);
	assert_int_equal(vp.rip, info.load + 0x200);
	/* syssize * 16 bytes of code; a signed kernel has its signature after them. */
	assert_true((buf[0x1f1] + 1) * 512 + get(buf, 0x1f4, 4) * 16 <= (uint64_t)n);
	assert_memory_equal(ram.b + info.load, buf + (buf[0x1f1] + 1) * 512,
			    get(buf, 0x1f4, 4) * 16);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_sects_zero_means_4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relocates_low, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_vmlinuz, setup, teardown),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);

	if (access(real_vmlinuz(), R_OK) != 0) {
		printf("# no real kernel at %s (tools/mkguest-linux builds one): that case left out\n",
		       real_vmlinuz());
		n--;
	}
	return _cmocka_run_group_tests("test_bzimage", tests, n, NULL, NULL);
}
