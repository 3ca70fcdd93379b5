/*
 * Loader tests (partition/loader): real Multiboot v1 ELF32 and Multiboot2
 * ELF64 kernels built from kern.c, plus synthetic ELF images for the error
 * paths. The guest image is checked byte for byte against the file, and the
 * boot information is walked with this file's own parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/loader/ldr_format.h"
#include "partition/loader/multiboot.h"
#include "tests/unit/loader/gmem_fake.h"

extern const uint8_t kern_mb1_elf32[], kern_mb1_elf32_end[];
extern const uint8_t kern_mb2_elf64[], kern_mb2_elf64_end[];

#define RAM (32u << 20)
#define PAT 0xAA

static struct fake_ram ram;
static struct ldr_gmem gm;
static struct ldr_vp_state vp;
static char why[160];

static int setup(void **state)
{
	(void)state;
	ram = (struct fake_ram){ malloc(RAM), RAM, 0, 0, 0 };
	assert_non_null(ram.b);
	memset(ram.b, PAT, RAM);
	gm = fake_gmem(&ram);
	memset(&vp, 0x5a, sizeof(vp));
	memset(why, 'x', sizeof(why));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(ram.oob, 0);
	free(ram.b);
	return 0;
}

static uint32_t g32(uint64_t gpa)
{
	uint32_t v;

	assert_true(gpa + 4 <= RAM);
	memcpy(&v, ram.b + gpa, 4);
	return v;
}

static uint64_t g64(uint64_t gpa)
{
	return g32(gpa) | (uint64_t)g32(gpa + 4) << 32;
}

/* ---- independent ELF walk: every PT_LOAD matches the file, BSS is zero ---- */
static uint64_t rdle(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint64_t check_elf_image(const uint8_t *f, size_t len)
{
	int c64 = f[4] == 2, i, phnum = (int)rdle(f + (c64 ? 56 : 44), 2);
	uint64_t phoff = rdle(f + (c64 ? 32 : 28), c64 ? 8 : 4), hi = 0, j;
	int loads = 0;

	for (i = 0; i < phnum; i++) {
		const uint8_t *p = f + phoff + i * (c64 ? 56 : 32);
		uint64_t off, pa, fs, ms;

		if (rdle(p, 4) != 1)
			continue;
		off = c64 ? rdle(p + 8, 8) : rdle(p + 4, 4);
		pa = c64 ? rdle(p + 24, 8) : rdle(p + 12, 4);
		fs = c64 ? rdle(p + 32, 8) : rdle(p + 16, 4);
		ms = c64 ? rdle(p + 40, 8) : rdle(p + 20, 4);
		assert_true(off + fs <= len);
		assert_memory_equal(ram.b + pa, f + off, fs);
		for (j = fs; j < ms; j++)
			assert_int_equal(ram.b[pa + j], 0);
		assert_int_equal(ram.b[pa + ms], PAT);   /* nothing past memsz */
		if (pa + ms > hi)
			hi = pa + ms;
		loads++;
	}
	assert_true(loads >= 2);
	return hi;
}

static void check_vp_common(void)
{
	assert_int_equal(vp.cs.sel, 0x08);
	assert_int_equal(vp.cs.base, 0);
	assert_int_equal(vp.cs.limit, 0xffffffffu);
	assert_int_equal(vp.cs.ar, 0xc09b);
	assert_int_equal(vp.ds.sel, 0x10);
	assert_int_equal(vp.ds.ar, 0xc093);
	assert_int_equal(vp.ds.limit, 0xffffffffu);
	assert_memory_equal(&vp.ds, &vp.es, sizeof(vp.ds));
	assert_memory_equal(&vp.ds, &vp.fs, sizeof(vp.ds));
	assert_memory_equal(&vp.ds, &vp.gs, sizeof(vp.ds));
	assert_memory_equal(&vp.ds, &vp.ss, sizeof(vp.ds));
	assert_int_equal(vp.tr.ar, 0x8b);
	assert_int_equal(vp.tr.limit, 0x67);
	assert_int_equal(vp.ldtr.ar, 0x10000);
	assert_int_equal(vp.cr0, 0x11);
	assert_int_equal(vp.cr3, 0);
	assert_int_equal(vp.cr4, 0);
	assert_int_equal(vp.efer, 0);
	assert_int_equal(vp.rflags, 0x2);
	assert_int_equal(vp.rsp, 0);
	assert_int_equal(vp.rcx | vp.rdx | vp.rsi | vp.rdi | vp.rbp, 0);
	assert_string_equal(why, "");
}

static uint8_t mod_a[5000], mod_b[10];

static void fill_mods(struct ldr_file *m)
{
	size_t i;

	for (i = 0; i < sizeof(mod_a); i++)
		mod_a[i] = (uint8_t)(i * 13 + 1);
	memcpy(mod_b, "cfg-bytes!", 10);
	m[0] = (struct ldr_file){ "initrd.img", mod_a, sizeof(mod_a) };
	m[1] = (struct ldr_file){ "cfg", mod_b, sizeof(mod_b) };
	m[2] = (struct ldr_file){ NULL, NULL, 0 };
}

static void check_mmap_entry(uint64_t base, uint64_t len, uint32_t type,
			     uint64_t eb, uint64_t el, uint32_t et)
{
	assert_int_equal(base, eb);
	assert_int_equal(len, el);
	assert_int_equal(type, et);
}

static void test_mb1_elf32(void **state)
{
	struct ldr_file k = { "mb1.elf", kern_mb1_elf32,
			      (size_t)(kern_mb1_elf32_end - kern_mb1_elf32) };
	struct ldr_file m[3];
	uint64_t hi, info, mm, mods, start;
	int i;

	(void)state;
	fill_mods(m);
	assert_int_equal(ldr_load_multiboot(&gm, &k, m, 3, "console=ttyS0 quiet",
					    &vp, why, sizeof(why)), 0);
	hi = check_elf_image(kern_mb1_elf32, k.len);
	check_vp_common();
	assert_int_equal(vp.rax, 0x2badb002);
	assert_int_equal(vp.rbx, 0x9000);
	assert_int_equal(vp.rip, rdle(kern_mb1_elf32 + 24, 4));
	info = vp.rbx;
	assert_int_equal(g32(info), 0x24d);            /* mem cmdline mods mmap name */
	assert_int_equal(g32(info + 4), 639);
	assert_int_equal(g32(info + 8), (RAM - 0x100000) / 1024);
	assert_string_equal((char *)ram.b + g32(info + 16), "console=ttyS0 quiet");
	assert_string_equal((char *)ram.b + g32(info + 64), "hvpart");
	mm = g32(info + 48);
	assert_int_equal(g32(info + 44), 3 * 24);
	check_mmap_entry(g64(mm + 4), g64(mm + 12), g32(mm + 20), 0, 0x9fc00, 1);
	check_mmap_entry(g64(mm + 28), g64(mm + 36), g32(mm + 44), 0x9fc00, 0x60400, 2);
	check_mmap_entry(g64(mm + 52), g64(mm + 60), g32(mm + 68), 0x100000,
			 RAM - 0x100000, 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(g32(mm + 24 * i), 20);
	assert_int_equal(g32(info + 20), 3);
	mods = g32(info + 24);
	start = (hi + 0xfff) & ~0xfffull;
	for (i = 0; i < 3; i++) {
		uint64_t e = mods + 16 * i;

		assert_int_equal(g32(e), start);
		assert_int_equal(g32(e + 4) - g32(e), m[i].len);
		assert_memory_equal(ram.b + start, m[i].data ? m[i].data : "", m[i].len);
		assert_string_equal((char *)ram.b + g32(e + 8),
				    m[i].name ? m[i].name : "");
		start = (g32(e + 4) + 0xfffull) & ~0xfffull;
	}
	assert_true(mods >= 0x9000 && mods + 48 <= 0x9fc00);
	assert_true(mm >= 0x9000 && g32(info + 16) < 0x9fc00);
}

/* Multiboot2 §3.6.3 basic meminfo and §3.6.8 mmap tags. */
static void check_mb2_mem_tag(uint64_t p, uint32_t type, uint32_t size)
{
	if (type == 4) {
		assert_int_equal(size, 16);
		assert_int_equal(g32(p + 8), 639);
		assert_int_equal(g32(p + 12), (RAM - 0x100000) / 1024);
	}
	if (type == 6) {
		assert_int_equal(g32(p + 8), 24);
		assert_int_equal(g32(p + 12), 0);
		assert_int_equal(size, 16 + 3 * 24);
		check_mmap_entry(g64(p + 16), g64(p + 24), g32(p + 32), 0, 0x9fc00, 1);
		check_mmap_entry(g64(p + 40), g64(p + 48), g32(p + 56), 0x9fc00,
				 0x60400, 2);
		check_mmap_entry(g64(p + 64), g64(p + 72), g32(p + 80), 0x100000,
				 RAM - 0x100000, 1);
	}
}

/* Walk Multiboot2 §3.6 tags with an independent parser. */
static void test_mb2_elf64(void **state)
{
	struct ldr_file k = { "mb2.elf", kern_mb2_elf64,
			      (size_t)(kern_mb2_elf64_end - kern_mb2_elf64) };
	struct ldr_file m[3];
	uint64_t hi, info, p, start;
	uint32_t total, seen = 0;
	int nmod = 0;

	(void)state;
	fill_mods(m);
	assert_int_equal(ldr_load_multiboot(&gm, &k, m, 2, "root=/dev/sda", &vp,
					    why, sizeof(why)), 0);
	hi = check_elf_image(kern_mb2_elf64, k.len);
	check_vp_common();
	assert_int_equal(vp.rax, 0x36d76289);
	/* e_entry is virtual (higher half); the loader translates via p_paddr */
	assert_int_equal(vp.rip, rdle(kern_mb2_elf64 + 24, 8) - 0xffffffff80000000ull);
	info = vp.rbx;
	assert_int_equal(info, 0x9000);
	total = g32(info);
	start = (hi + 0xfff) & ~0xfffull;
	for (p = info + 8;; p = (p + g32(p + 4) + 7) & ~7ull) {
		uint32_t type = g32(p), size = g32(p + 4);

		assert_true(p + size <= info + total);
		seen |= 1u << type;
		if (type == 0) {
			assert_int_equal(size, 8);
			assert_int_equal(p + 8, info + total);
			break;
		}
		if (type == 1)
			assert_string_equal((char *)ram.b + p + 8, "root=/dev/sda");
		if (type == 2)
			assert_string_equal((char *)ram.b + p + 8, "hvpart");
		if (type == 3) {
			assert_int_equal(g32(p + 8), start);
			assert_int_equal(g32(p + 12) - g32(p + 8), m[nmod].len);
			assert_memory_equal(ram.b + start, m[nmod].data, m[nmod].len);
			assert_string_equal((char *)ram.b + p + 16, m[nmod].name);
			assert_int_equal(size, 16 + strlen(m[nmod].name) + 1);
			start = (g32(p + 12) + 0xfffull) & ~0xfffull;
			nmod++;
		}
		check_mb2_mem_tag(p, type, size);
	}
	assert_int_equal(seen, 0x5f);   /* end, 1, 2, 3, 4, 6 */
	assert_int_equal(nmod, 2);
}

/* ---- synthetic images ---- */
#define SK_LEN 0x4000
struct sk {
	uint8_t b[0x10000];
	size_t len;
	int c64, nph;
};
static struct sk K;

static void put(uint64_t off, uint64_t v, int n)
{
	while (n--) {
		K.b[off++] = (uint8_t)v;
		v >>= 8;
	}
}

static void sk_init(int c64, uint64_t entry)
{
	size_t i;

	memset(&K, 0, sizeof(K));
	K.c64 = c64;
	K.len = SK_LEN;
	for (i = 0x1000; i < SK_LEN; i++)
		K.b[i] = (uint8_t)(i * 7 + 3);
	memcpy(K.b, "\177ELF", 4);
	K.b[4] = c64 ? 2 : 1;
	K.b[5] = 1;
	K.b[6] = 1;
	put(16, 2, 2);                         /* ET_EXEC */
	put(18, c64 ? 62 : 3, 2);
	put(20, 1, 4);
	put(24, entry, c64 ? 8 : 4);
	put(c64 ? 32 : 28, c64 ? 64 : 52, c64 ? 8 : 4);   /* phoff */
	put(c64 ? 52 : 40, c64 ? 64 : 52, 2);             /* ehsize */
	put(c64 ? 54 : 42, c64 ? 56 : 32, 2);             /* phentsize */
}

static void sk_phdr(uint64_t off, uint64_t paddr, uint64_t fs, uint64_t ms)
{
	uint64_t p = (K.c64 ? 64 : 52) + (uint64_t)K.nph * (K.c64 ? 56 : 32);

	put(p, 1, 4);
	if (K.c64) {
		put(p + 8, off, 8);
		put(p + 16, paddr, 8);
		put(p + 24, paddr, 8);
		put(p + 32, fs, 8);
		put(p + 40, ms, 8);
	} else {
		put(p + 4, off, 4);
		put(p + 8, paddr, 4);
		put(p + 12, paddr, 4);
		put(p + 16, fs, 4);
		put(p + 20, ms, 4);
	}
	put(K.c64 ? 56 : 44, ++K.nph, 2);
}

static void sk_mb1(uint64_t at, uint32_t flags)
{
	put(at, 0x1BADB002u, 4);
	put(at + 4, flags, 4);
	put(at + 8, (uint32_t)-(0x1BADB002u + flags), 4);
}

/* Multiboot2 header at `at` with the given tag bytes (end tag appended). */
static void sk_mb2(uint64_t at, uint32_t arch, const void *tags, uint32_t tlen)
{
	uint32_t len = 16 + tlen + 8;

	put(at, 0xE85250D6u, 4);
	put(at + 4, arch, 4);
	put(at + 8, len, 4);
	put(at + 12, (uint32_t)-(0xE85250D6u + arch + len), 4);
	if (tlen)
		memcpy(K.b + at + 16, tags, tlen);
	put(at + 16 + tlen, 0, 4);
	put(at + 20 + tlen, 8, 4);
}

/* The default good image: one 0x1000-byte segment at 1 MiB plus 8 KiB BSS. */
static void sk_default(int mbver)
{
	sk_init(0, 0x100010);
	sk_phdr(0x1000, 0x100000, 0x1000, 0x3000);
	if (mbver == 1)
		sk_mb1(0x200, 3);
	else
		sk_mb2(0x200, 0, NULL, 0);
}

static int run(const struct ldr_file *mods, int n, const char *cmd)
{
	struct ldr_file k = { "k", K.b, K.len };

	return ldr_load_multiboot(&gm, &k, mods, n, cmd, &vp, why, sizeof(why));
}

static void expect(int rc, int err, const char *text)
{
	assert_int_equal(rc, err);
	if (!strstr(why, text))
		fail_msg("reason '%s' lacks '%s'", why, text);
	assert_null(strchr(why, '\n'));
}

static void test_synthetic_ok_both(void **state)
{
	int v;

	(void)state;
	for (v = 1; v <= 2; v++) {
		memset(ram.b, PAT, RAM);
		sk_default(v);
		assert_int_equal(run(NULL, 0, NULL), 0);
		assert_memory_equal(ram.b + 0x100000, K.b + 0x1000, 0x1000);
		assert_int_equal(ram.b[0x102fff], 0);
		assert_int_equal(ram.b[0x103000], PAT);
		assert_int_equal(vp.rip, 0x100010);
		assert_int_equal(vp.rax, v == 1 ? 0x2badb002 : 0x36d76289);
	}
	/* v2 with a NULL command line: an empty cmdline tag comes first */
	assert_int_equal(g32(vp.rbx + 8), 1);
	assert_int_equal(g32(vp.rbx + 12), 9);
	assert_int_equal(ram.b[vp.rbx + 16], 0);
}

static void test_not_multiboot(void **state)
{
	(void)state;
	sk_init(0, 0x100000);
	sk_phdr(0x1000, 0x100000, 0x1000, 0x1000);
	expect(run(NULL, 0, ""), -ENOEXEC, "kernel 'k' is not a Multiboot kernel");
	assert_string_equal(why, "kernel 'k' is not a Multiboot kernel");
	/* bad checksum */
	sk_mb1(0x200, 3);
	put(0x208, 0, 4);
	expect(run(NULL, 0, ""), -ENOEXEC, "not a Multiboot kernel");
	/* v1 header past 8 KiB, v2 header past 32 KiB are not searched */
	sk_init(0, 0x100000);
	sk_phdr(0x1000, 0x100000, 0x1000, 0x1000);
	sk_mb1(0x2000, 3);
	expect(run(NULL, 0, ""), -ENOEXEC, "not a Multiboot kernel");
	K.len = sizeof(K.b);
	sk_mb1(0x2000, 0);
	put(0x2000, 0, 4);
	sk_mb2(0x8000, 0, NULL, 0);
	expect(run(NULL, 0, ""), -ENOEXEC, "not a Multiboot kernel");
	sk_mb2(0x7ff8, 0, NULL, 0);       /* last aligned slot is searched */
	assert_int_equal(run(NULL, 0, ""), 0);
	/* an empty file */
	K.len = 0;
	expect(run(NULL, 0, ""), -ENOEXEC, "not a Multiboot kernel");
}

static void test_segment_errors(void **state)
{
	(void)state;
	sk_init(0, 0x1f00000);
	sk_phdr(0x1000, 0x1f00000, 0x1000, 0x200000);
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ERANGE,
	       "kernel segment at 0x1f00000 does not fit in 32 MiB of guest memory");
	sk_init(1, 0x100000);                             /* 64-bit wrap-around */
	sk_phdr(0x1000, 0xfffffffffffff000ull, 0x1000, 0x2000);
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ERANGE, "does not fit");
	sk_init(0, 0x9f000);
	sk_phdr(0x1000, 0x9f000, 0x1000, 0x2000);         /* into 0x9fc00 */
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ERANGE,
	       "kernel segment at 0x9f000 overlaps the reserved area 0x9fc00-0xfffff");
	sk_init(0, 0xff000);
	sk_phdr(0x1000, 0xff000, 0x1000, 0x1000);         /* the last reserved page */
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ERANGE, "overlaps the reserved area");
	sk_init(0, 0x100000);
	sk_phdr(0x3000, 0x100000, 0x1001, 0x2000);        /* past end of file */
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ENOEXEC, "truncated");
	sk_init(0, 0x100000);
	sk_phdr(0x1000, 0x100000, 0x1000, 0x2000);
	sk_phdr(0x2000, 0x101800, 0x800, 0x800);          /* overlaps BSS */
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ENOEXEC, "segments at 0x100000 and 0x101800 overlap");
	sk_init(0, 0x100000);
	sk_phdr(0x1000, 0x100000, 0x2000, 0x1000);        /* filesz > memsz */
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ENOEXEC, "file size above memory size");
	sk_init(0, 0x500000);                             /* entry outside */
	sk_phdr(0x1000, 0x100000, 0x1000, 0x1000);
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ENOEXEC, "entry point 0x500000 is not inside");
	sk_init(0, 0x100000);                             /* no PT_LOAD */
	put(52, 0, 4);
	put(44, 1, 2);
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ENOEXEC, "no loadable segments");
	assert_int_equal(ram.oob, 0);
}

/* [lo, hi) and [a, b) share a byte. */
static int meets(uint64_t lo, uint64_t hi, uint64_t a, uint64_t b)
{
	return lo < b && a < hi;
}

/* Multiboot v1 info of the last run: every structure it points to, and
 * the structure itself, lies outside [lo, hi). */
static void check_mb1_info_outside(uint64_t lo, uint64_t hi)
{
	uint64_t info = vp.rbx, cmd = g32(info + 16), mods = g32(info + 24);

	assert_false(meets(info, info + 68, lo, hi));
	assert_false(meets(cmd, cmd + strlen((char *)ram.b + cmd) + 1, lo, hi));
	assert_false(meets(g32(info + 48), g32(info + 48) + g32(info + 44), lo, hi));
	assert_false(meets(mods, mods + 16 * g32(info + 20), lo, hi));
	for (uint32_t i = 0; i < g32(info + 20); i++) {
		uint64_t name = g32(mods + 16 * i + 8);

		assert_false(meets(name, name + strlen((char *)ram.b + name) + 1, lo, hi));
	}
}

/*
 * Item 6 of issue 12: the boot information has no fixed address; it goes
 * where the kernel and the modules are not. A kernel at 0x8000 (over the
 * old fixed 0x9000) loads, its bytes and its module's stay intact, and
 * the information lands on the first free page from 0x9000 up.
 */
static void test_info_beside_low_kernel(void **state)
{
	struct ldr_file m[3];

	(void)state;
	fill_mods(m);
	sk_init(0, 0x8010);
	sk_phdr(0x1000, 0x8000, 0x2000, 0x3000);          /* 0x8000-0xb000 */
	sk_mb1(0x200, 3);
	assert_int_equal(run(m, 1, "low"), 0);
	assert_memory_equal(ram.b + 0x8000, K.b + 0x1000, 0x2000);
	for (uint32_t a = 0xa000; a < 0xb000; a++)
		assert_int_equal(ram.b[a], 0);
	assert_int_equal(vp.rip, 0x8010);
	assert_int_equal(g32(g32(vp.rbx + 24)), 0xb000);  /* module after the kernel */
	assert_memory_equal(ram.b + 0xb000, mod_a, sizeof(mod_a));
	assert_int_equal(vp.rbx, 0xd000);                 /* then the information */
	check_mb1_info_outside(0x8000, 0xb000);
	check_mb1_info_outside(0xb000, 0xb000 + sizeof(mod_a));
	assert_string_equal((char *)ram.b + g32(vp.rbx + 16), "low");
	/* Multiboot2: the same kernel, the tags right after the module */
	sk_mb2(0x200, 0, NULL, 0);
	put(0x200 + 0x400, 0, 4);
	assert_int_equal(run(m, 1, "low"), 0);
	assert_int_equal(vp.rbx, 0xd000);
	assert_memory_equal(ram.b + 0x8000, K.b + 0x1000, 0x2000);
	assert_memory_equal(ram.b + 0xb000, mod_a, sizeof(mod_a));
}

/* Low RAM full: the information goes above the kernel's high part; and
 * the last partial page below 0x9fc00 is used when it is the only room. */
static void test_info_when_low_ram_is_full(void **state)
{
	struct ldr_file m[3];
	uint64_t info;

	(void)state;
	fill_mods(m);
	sk_init(0, 0x100010);
	sk_phdr(0x1000, 0x100000, 0x1000, 0x1000);
	sk_phdr(0x2000, 0x1000, 0x1000, 0x9e000);         /* 0x1000-0x9f000 */
	sk_mb1(0x200, 3);
	assert_int_equal(run(m, 1, "x"), 0);
	info = vp.rbx;
	assert_int_equal(g32(g32(info + 24)), 0x101000);  /* module after 1 MiB + 4 KiB */
	assert_int_equal(info, 0x9f000);                  /* 0xc00 bytes suffice */
	check_mb1_info_outside(0x1000, 0x9f000);
	check_mb1_info_outside(0x9fc00, 0x100000);
	/* the partial page taken as well: the information goes above the module */
	sk_init(0, 0x100010);
	sk_phdr(0x1000, 0x100000, 0x1000, 0x1000);
	sk_phdr(0x2000, 0x1000, 0x1000, 0x9ec00);         /* 0x1000-0x9fc00 */
	sk_mb1(0x200, 3);
	assert_int_equal(run(m, 1, "x"), 0);
	assert_int_equal(vp.rbx, 0x103000);
	check_mb1_info_outside(0x100000, 0x101000 + sizeof(mod_a));
	assert_memory_equal(ram.b + 0x101000, mod_a, sizeof(mod_a));
	/* and nothing free at all: one clear error */
	sk_init(0, 0x100010);
	sk_phdr(0x1000, 0x100000, 0x1000, RAM - 0x100000);
	sk_phdr(0x2000, 0x1000, 0x1000, 0x9ec00);
	sk_mb1(0x200, 3);
	expect(run(NULL, 0, ""), -ENOSPC, "boot information (");
	expect(run(NULL, 0, ""), -ENOSPC, "does not fit in guest memory beside the kernel");
}

/* A module that does not fit above the kernel goes below it (the last
 * page of RAM is free but too small for it). */
static void test_module_below_kernel(void **state)
{
	struct ldr_file m[3];

	(void)state;
	fill_mods(m);
	sk_init(0, 0x100010);
	sk_phdr(0x1000, 0x100000, 0x1000, RAM - 0x100000 - 0x1000);
	sk_mb1(0x200, 3);
	assert_int_equal(run(m, 2, ""), 0);
	assert_int_equal(g32(g32(vp.rbx + 24)), 0x1000);  /* 5000 bytes: 0x1000-0x2388 */
	assert_memory_equal(ram.b + 0x1000, mod_a, sizeof(mod_a));
	/* the next one follows it, in order */
	assert_int_equal(g32(g32(vp.rbx + 24) + 16), 0x3000);
	assert_memory_equal(ram.b + 0x3000, mod_b, sizeof(mod_b));
	assert_int_equal(ram.b[RAM - 0x1000], PAT);       /* the free top page stays */
	assert_int_equal(vp.rbx, 0x9000);
	check_mb1_info_outside(0x1000, 0x1000 + sizeof(mod_a));
}

static void test_elf_header_errors(void **state)
{
	(void)state;
	sk_default(1);
	K.b[0] = 0;
	expect(run(NULL, 0, ""), -ENOEXEC, "kernel 'k' is not an ELF file");
	sk_default(1);
	put(18, 62, 2);                                   /* ELF32 + x86-64 */
	expect(run(NULL, 0, ""), -ENOEXEC, "not an x86 ELF file (machine 62)");
	sk_default(1);
	put(16, 3, 2);                                    /* ET_DYN */
	expect(run(NULL, 0, ""), -ENOEXEC, "not an executable ELF file");
	sk_default(1);
	K.b[5] = 2;                                       /* big-endian */
	expect(run(NULL, 0, ""), -ENOEXEC, "little-endian");
	sk_default(1);
	put(28, SK_LEN - 16, 4);                          /* phdrs past EOF */
	expect(run(NULL, 0, ""), -ENOEXEC, "program headers at 0x3ff0 run past");
	sk_default(1);
	put(42, 40, 2);                                   /* phentsize */
	expect(run(NULL, 0, ""), -ENOEXEC, "bad program header table");
	sk_default(1);
	K.len = 40;                                       /* inside the ehdr */
	expect(run(NULL, 0, ""), -ENOEXEC, "not a Multiboot kernel");
}

static void test_mb1_flags(void **state)
{
	(void)state;
	sk_default(1);
	sk_mb1(0x200, 7);
	expect(run(NULL, 0, ""), -ENOTSUP, "requires a video mode");
	sk_mb1(0x200, 0x23);
	expect(run(NULL, 0, ""), -ENOTSUP, "requires Multiboot flags 0x20");
	sk_mb1(0x200, 0x80000003);                        /* high bits are optional */
	assert_int_equal(run(NULL, 0, ""), 0);
}

/* Multiboot 0.6.96 §3.1.3 address fields ("a.out kludge"), not ELF at all. */
static void test_mb1_aout_kludge(void **state)
{
	(void)state;
	memset(&K, 0, sizeof(K));
	K.len = 0x3000;
	for (size_t i = 0; i < K.len; i++)
		K.b[i] = (uint8_t)(i * 5 + 1);
	/* header at file 0x40, loaded at 0x200040: file 0 → GPA 0x200000 */
	sk_mb1(0x40, 0x10003);
	put(0x4c, 0x200040, 4);       /* header_addr */
	put(0x50, 0x200000, 4);       /* load_addr */
	put(0x54, 0x202000, 4);       /* load_end_addr: 8 KiB of file */
	put(0x58, 0x205000, 4);       /* bss_end_addr */
	put(0x5c, 0x200100, 4);       /* entry_addr */
	assert_int_equal(run(NULL, 0, "x"), 0);
	assert_memory_equal(ram.b + 0x200000, K.b, 0x2000);
	for (uint32_t a = 0x202000; a < 0x205000; a++)
		assert_int_equal(ram.b[a], 0);
	assert_int_equal(ram.b[0x205000], PAT);
	assert_int_equal(vp.rip, 0x200100);
	/* load_end 0: the whole rest of the file */
	put(0x54, 0, 4);
	put(0x58, 0, 4);
	assert_int_equal(run(NULL, 0, "x"), 0);
	assert_memory_equal(ram.b + 0x200000, K.b, 0x3000);
	/* load_addr above header_addr is inconsistent */
	put(0x50, 0x300000, 4);
	expect(run(NULL, 0, ""), -ENOEXEC, "inconsistent Multiboot load addresses");
	/* load_end past the file */
	put(0x50, 0x200000, 4);
	put(0x54, 0x204000, 4);
	expect(run(NULL, 0, ""), -ENOEXEC, "truncated");
	/* header cut short */
	K.len = 0x50;
	expect(run(NULL, 0, ""), -ENOEXEC, "truncated inside its Multiboot header");
}

static void test_mb2_tags(void **state)
{
	uint32_t t[8];

	(void)state;
	/* unknown required tag */
	sk_default(2);
	t[0] = 0x77 | 0 << 16; t[1] = 8;
	sk_mb2(0x200, 0, t, 8);
	expect(run(NULL, 0, ""), -ENOTSUP, "unknown required Multiboot2 header tag type 119");
	/* the same tag marked optional is skipped */
	t[0] = 0x77 | 1 << 16;
	sk_mb2(0x200, 0, t, 8);
	assert_int_equal(run(NULL, 0, ""), 0);
	/* information request: 6 (mmap) and 4 are provided, 8 (framebuffer) is not */
	t[0] = 1; t[1] = 16; t[2] = 6; t[3] = 4;
	sk_mb2(0x200, 0, t, 16);
	assert_int_equal(run(NULL, 0, ""), 0);
	t[1] = 20; t[4] = 8; t[5] = 0;
	sk_mb2(0x200, 0, t, 24);
	expect(run(NULL, 0, ""), -ENOTSUP, "requires boot information tag 8");
	t[0] = 1 | 1 << 16;                               /* optional request */
	sk_mb2(0x200, 0, t, 24);
	assert_int_equal(run(NULL, 0, ""), 0);
	/* framebuffer tag, required */
	t[0] = 5; t[1] = 20; t[2] = 1024; t[3] = 768; t[4] = 32; t[5] = 0;
	sk_mb2(0x200, 0, t, 24);
	expect(run(NULL, 0, ""), -ENOTSUP, "requires a framebuffer");
	/* console flags: console required */
	t[0] = 4; t[1] = 12; t[2] = 1; t[3] = 0;
	sk_mb2(0x200, 0, t, 16);
	expect(run(NULL, 0, ""), -ENOTSUP, "requires a described console");
	t[2] = 2;                                         /* only "EGA supported" */
	sk_mb2(0x200, 0, t, 16);
	assert_int_equal(run(NULL, 0, ""), 0);
	/* module alignment and relocatable tags are accepted */
	t[0] = 6; t[1] = 8; t[2] = 10; t[3] = 24; t[4] = 0x100000; t[5] = 0x200000;
	t[6] = 0x1000; t[7] = 0;
	sk_mb2(0x200, 0, t, 32);
	assert_int_equal(run(NULL, 0, ""), 0);
}

static void test_mb2_malformed(void **state)
{
	uint32_t t[2];

	(void)state;
	sk_default(2);
	/* malformed: tag size below 8, tag running past header_length */
	t[0] = 6; t[1] = 4;
	sk_mb2(0x200, 0, t, 8);
	expect(run(NULL, 0, ""), -ENOEXEC, "malformed Multiboot2 header");
	t[1] = 64;
	sk_mb2(0x200, 0, t, 8);
	expect(run(NULL, 0, ""), -ENOEXEC, "malformed Multiboot2 header");
	/* no end tag inside header_length */
	sk_mb2(0x200, 0, NULL, 0);
	put(0x208, 16, 4);
	put(0x20c, (uint32_t)-(0xE85250D6u + 16), 4);
	expect(run(NULL, 0, ""), -ENOEXEC, "malformed Multiboot2 header");
	/* header_length past the end of the file */
	sk_mb2(SK_LEN - 24, 0, NULL, 0);
	put(0x200, 0, 4);
	put(SK_LEN - 16, 64, 4);
	put(SK_LEN - 12, (uint32_t)-(0xE85250D6u + 64), 4);
	expect(run(NULL, 0, ""), -ENOEXEC, "malformed Multiboot2 header");
	/* MIPS */
	sk_default(2);
	sk_mb2(0x200, 4, NULL, 0);
	expect(run(NULL, 0, ""), -ENOEXEC, "architecture 4, not i386");
	/* Multiboot2 wins over a Multiboot v1 header in the same file */
	sk_default(2);
	sk_mb1(0x400, 3);
	assert_int_equal(run(NULL, 0, ""), 0);
	assert_int_equal(vp.rax, 0x36d76289);
}

/* Multiboot2 §3.1.5/§3.1.6 address and entry tags (raw image). */
static void test_mb2_address_tags(void **state)
{
	uint32_t t[10];

	(void)state;
	sk_default(2);
	/* header at file 0x200 ↔ GPA 0x300200: file 0 at 0x300000 */
	t[0] = 2; t[1] = 24; t[2] = 0x300200; t[3] = 0xffffffff; t[4] = 0;
	t[5] = 0x306000; t[6] = 3; t[7] = 12; t[8] = 0x300010; t[9] = 0;
	sk_mb2(0x200, 0, t, 40);
	assert_int_equal(run(NULL, 0, ""), 0);
	assert_memory_equal(ram.b + 0x300000, K.b, SK_LEN);
	assert_int_equal(ram.b[0x305fff], 0);
	assert_int_equal(ram.b[0x306000], PAT);
	assert_int_equal(vp.rip, 0x300010);
	/* address tag without an entry tag */
	sk_mb2(0x200, 0, t, 24);
	expect(run(NULL, 0, ""), -ENOEXEC, "no entry address");
	/* too short address tag */
	t[1] = 16;
	sk_mb2(0x200, 0, t, 16);
	expect(run(NULL, 0, ""), -ENOEXEC, "malformed");
}

static void test_modules_and_cmdline(void **state)
{
	static struct ldr_file many[LDR_MAX_MODULES + 1];
	static char longcmd[LDR_MAX_CMDLINE + 1], longname[LDR_MAX_NAME + 8];
	uint8_t *data = calloc(RAM, 1);
	struct ldr_file big = { "big", data, RAM };
	int i;

	(void)state;
	assert_non_null(data);
	sk_default(1);
	expect(run(&big, 1, ""), -ENOMEM,
	       "module 'big' does not fit in 32 MiB of guest memory");
	memset(longcmd, 'a', LDR_MAX_CMDLINE);
	expect(run(NULL, 0, longcmd), -E2BIG, "command line too long");
	longcmd[LDR_MAX_CMDLINE - 1] = 0;                 /* 4095 bytes: fits */
	assert_int_equal(run(NULL, 0, longcmd), 0);
	assert_string_equal((char *)ram.b + g32(vp.rbx + 16), longcmd);
	for (i = 0; i <= LDR_MAX_MODULES; i++)
		many[i] = (struct ldr_file){ "m", "z", 1 };
	expect(run(many, LDR_MAX_MODULES + 1, ""), -E2BIG, "too many modules (65, limit 64)");
	assert_int_equal(run(many, LDR_MAX_MODULES, ""), 0);
	assert_int_equal(g32(vp.rbx + 20), LDR_MAX_MODULES);
	memset(longname, 'n', sizeof(longname));
	many[3].name = longname;
	expect(run(many, 4, ""), -ENAMETOOLONG, "too long");
	/* a module that does not fit after the kernel's top */
	many[0] = (struct ldr_file){ "tail", data, RAM - 0x103000 + 1 };
	expect(run(many, 1, ""), -ENOMEM, "module 'tail' does not fit");
	many[0].len = RAM - 0x103000;                      /* exactly fits */
	assert_int_equal(run(many, 1, ""), 0);
	assert_int_equal(g32(g32(vp.rbx + 24)), 0x103000);
	assert_int_equal(ram.b[RAM - 1], 0);
	free(data);
}

static void test_bad_args_and_write_errors(void **state)
{
	struct ldr_file k;
	struct ldr_gmem small = gm;

	(void)state;
	sk_default(1);
	k = (struct ldr_file){ "k", K.b, K.len };
	expect(ldr_load_multiboot(NULL, &k, NULL, 0, "", &vp, why, sizeof(why)),
	       -EINVAL, "invalid");
	expect(ldr_load_multiboot(&gm, NULL, NULL, 0, "", &vp, why, sizeof(why)),
	       -EINVAL, "invalid");
	expect(ldr_load_multiboot(&gm, &k, NULL, 1, "", &vp, why, sizeof(why)),
	       -EINVAL, "invalid");
	expect(ldr_load_multiboot(&gm, &k, NULL, 0, "", NULL, why, sizeof(why)),
	       -EINVAL, "invalid");
	small.size = 0x100000;
	expect(ldr_load_multiboot(&small, &k, NULL, 0, "", &vp, why, sizeof(why)),
	       -EINVAL, "too small");
	/* a tiny reason buffer is NUL-terminated, NULL is allowed */
	assert_int_equal(ldr_load_multiboot(NULL, &k, NULL, 0, "", &vp, why, 4), -EINVAL);
	assert_string_equal(why, "inv");
	assert_int_equal(ldr_load_multiboot(NULL, &k, NULL, 0, "", &vp, NULL, 0), -EINVAL);
	/* the guest-memory op's error comes back */
	for (int n = 1; n <= 3; n++) {
		ram.fail_at_write = n;
		ram.nwrites = 0;
		assert_int_equal(run(NULL, 0, "c"), -EIO);
		assert_true(strstr(why, "failed") != NULL);
	}
	ram.fail_at_write = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mb1_elf32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_elf64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synthetic_ok_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_multiboot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_beside_low_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_when_low_ram_is_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_below_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_aout_kludge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_address_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules_and_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args_and_write_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
