/* Host tests for the Multiboot2 information parser (hv/boot/mb2.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/boot/mb2.h"

/* A blob builder: tags appended 8-byte aligned, like GRUB lays them out. */
struct blob {
	_Alignas(8) uint8_t b[8192];
	uint32_t len;
};

static void blob_init(struct blob *bl)
{
	memset(bl, 0, sizeof(*bl));
	bl->len = 8;
}

static void put32(struct blob *bl, uint32_t off, uint32_t v)
{
	memcpy(bl->b + off, &v, 4);
}

static uint32_t tag_begin(struct blob *bl, uint32_t type)
{
	uint32_t off = bl->len;

	put32(bl, off, type);
	bl->len += 8;
	return off;
}

static void tag_bytes(struct blob *bl, const void *p, uint32_t n)
{
	memcpy(bl->b + bl->len, p, n);
	bl->len += n;
}

static void tag_u32(struct blob *bl, uint32_t v)
{
	tag_bytes(bl, &v, 4);
}

static void tag_u64(struct blob *bl, uint64_t v)
{
	tag_bytes(bl, &v, 8);
}

static void tag_end(struct blob *bl, uint32_t off)
{
	put32(bl, off + 4, bl->len - off);
	bl->len = (bl->len + 7) & ~7u;
}

static void blob_finish(struct blob *bl)
{
	uint32_t t = tag_begin(bl, MB2_TAG_END);

	tag_end(bl, t);
	put32(bl, 0, bl->len);
}

static void add_string_tag(struct blob *bl, uint32_t type, const char *s)
{
	uint32_t t = tag_begin(bl, type);

	tag_bytes(bl, s, (uint32_t)strlen(s) + 1);
	tag_end(bl, t);
}

static void add_module(struct blob *bl, uint32_t s, uint32_t e,
		       const char *str)
{
	uint32_t t = tag_begin(bl, MB2_TAG_MODULE);

	tag_u32(bl, s);
	tag_u32(bl, e);
	tag_bytes(bl, str, (uint32_t)strlen(str) + 1);
	tag_end(bl, t);
}

static void add_mmap(struct blob *bl, uint32_t esize, unsigned n,
		     const uint64_t (*ents)[3])
{
	uint32_t t = tag_begin(bl, MB2_TAG_MMAP);
	unsigned i;

	tag_u32(bl, esize);
	tag_u32(bl, 0);
	for (i = 0; i < n; i++) {
		uint32_t start = bl->len;

		tag_u64(bl, ents[i][0]);
		tag_u64(bl, ents[i][1]);
		tag_u32(bl, (uint32_t)ents[i][2]);
		tag_u32(bl, 0);
		bl->len = start + esize;
	}
	tag_end(bl, t);
}

static const uint64_t grub_map[][3] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
	{ 0x7fe0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE },
	{ 0xfffc0000, 0x40000, MB2_MEM_RESERVED },
};

static struct mb2_info mi;

/* A GRUB-like blob: cmdline, loader, modules, meminfo, bootdev, mmap,
 * framebuffer, ACPI old+new, an unknown tag, end. */
static void build_grub(struct blob *bl)
{
	uint32_t t;
	uint8_t rsdp[36];

	blob_init(bl);
	add_string_tag(bl, MB2_TAG_CMDLINE, "/boot/hv console=com1 log=3");
	add_string_tag(bl, MB2_TAG_BOOTLOADER, "GRUB 2.06-13+deb12u1");
	add_module(bl, 0x200000, 0x280123, "/boot/parent.elf");
	add_module(bl, 0x281000, 0x281000, "/boot/autorun.txt first arg");
	t = tag_begin(bl, MB2_TAG_BASIC_MEMINFO);
	tag_u32(bl, 639);
	tag_u32(bl, 130944);
	tag_end(bl, t);
	t = tag_begin(bl, MB2_TAG_BOOTDEV);
	tag_u32(bl, 0xe0);
	tag_u32(bl, ~0u);
	tag_u32(bl, ~0u);
	tag_end(bl, t);
	add_mmap(bl, 24, 6, grub_map);
	t = tag_begin(bl, MB2_TAG_FRAMEBUFFER);
	tag_u64(bl, 0xb8000);
	tag_u32(bl, 160);
	tag_u32(bl, 80);
	tag_u32(bl, 25);
	tag_u32(bl, 0x0210);
	tag_end(bl, t);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	t = tag_begin(bl, MB2_TAG_ACPI_OLD);
	tag_bytes(bl, rsdp, 20);
	tag_end(bl, t);
	rsdp[15] = 2;
	t = tag_begin(bl, MB2_TAG_ACPI_NEW);
	tag_bytes(bl, rsdp, 36);
	tag_end(bl, t);
	t = tag_begin(bl, 0x7777);   /* unknown, odd size: exercises padding */
	tag_bytes(bl, "xyz", 3);
	tag_end(bl, t);
	blob_finish(bl);
}

static void test_grub_layout(void **st)
{
	struct blob bl;
	const char *why = "unset";

	(void)st;
	build_grub(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, &why), 0);
	assert_null(why);
	assert_int_equal(mi.total_size, bl.len);
	assert_string_equal(mi.cmdline, "/boot/hv console=com1 log=3");
	assert_string_equal(mi.loader_name, "GRUB 2.06-13+deb12u1");
	assert_int_equal(mi.mem_lower_kib, 639);
	assert_int_equal(mi.mem_upper_kib, 130944);
	assert_int_equal(mi.module_count, 2);
	assert_int_equal(mi.modules[0].start, 0x200000);
	assert_int_equal(mi.modules[0].end, 0x280123);
	assert_string_equal(mi.modules[1].string, "/boot/autorun.txt first arg");
	assert_int_equal(mi.mmap_count, 6);
	assert_int_equal(mi.mmap_dropped, 0);
	for (unsigned i = 0; i < 6; i++) {
		assert_true(mi.mmap[i].base_addr == grub_map[i][0]);
		assert_true(mi.mmap[i].length == grub_map[i][1]);
		assert_int_equal(mi.mmap[i].type, grub_map[i][2]);
	}
	assert_int_equal(mi.present, MB2_HAVE_CMDLINE | MB2_HAVE_LOADER |
			 MB2_HAVE_MEMINFO | MB2_HAVE_MMAP | MB2_HAVE_RSDP_V1 |
			 MB2_HAVE_RSDP_V2);
	assert_int_equal(mi.rsdp_v1.len, 20);
	assert_int_equal(mi.rsdp_v2.len, 36);
	assert_ptr_equal(mi.rsdp_v1.ptr, bl.b + mi.rsdp_v1.offset);
	assert_memory_equal(mi.rsdp_v2.ptr, "RSD PTR ", 8);
	assert_int_equal(mi.rsdp_v2.ptr[15], 2);
	assert_int_equal(mi.tags_skipped, 3);  /* bootdev, framebuffer, 0x7777 */
	/* avail may exceed total_size (GRUB gives only a pointer). */
	assert_int_equal(mb2_parse_info(bl.b, sizeof(bl.b), &mi, NULL), 0);
}

static void test_find_module(void **st)
{
	struct blob bl;

	(void)st;
	build_grub(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, NULL), 0);
	assert_ptr_equal(mb2_find_module(&mi, "/boot/parent.elf"), &mi.modules[0]);
	assert_ptr_equal(mb2_find_module(&mi, "/boot/autorun.txt"), &mi.modules[1]);
	assert_ptr_equal(mb2_find_module(&mi, "/boot/autorun.txt first arg"),
			 &mi.modules[1]);
	assert_null(mb2_find_module(&mi, "/boot/autorun"));
	assert_null(mb2_find_module(&mi, "/boot/parent.elf2"));
	assert_null(mb2_find_module(&mi, ""));
}

/* Expect -EINVAL and exactly this message. */
static void expect_bad(const struct blob *bl, uint32_t avail, const char *msg)
{
	const char *why = NULL;

	assert_int_equal(mb2_parse_info(bl->b, avail, &mi, &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, msg);
}

static void test_header_checks(void **st)
{
	struct blob bl;

	(void)st;
	build_grub(&bl);
	expect_bad(&bl, 4, "info smaller than its header");
	expect_bad(&bl, bl.len - 1, "total_size exceeds available bytes");
	put32(&bl, 0, 15);
	expect_bad(&bl, bl.len, "total_size below 16");
	build_grub(&bl);
	/* Misaligned start: the spec promises 8-byte alignment. */
	assert_int_equal(mb2_parse_info(bl.b + 4, bl.len - 4, &mi, NULL),
			 -EINVAL);
	expect_bad((const struct blob *)(const void *)(bl.b + 0), 4,
		   "info smaller than its header");
}

static void test_overrun_and_short(void **st)
{
	struct blob bl;
	uint32_t t;

	(void)st;
	blob_init(&bl);
	add_mmap(&bl, 24, 2, grub_map);
	blob_finish(&bl);
	put32(&bl, 8 + 4, bl.len);          /* mmap tag claims the whole blob */
	expect_bad(&bl, bl.len, "tag 6 overruns info");
	assert_int_equal(mi.err_offset, 8);

	blob_init(&bl);
	t = tag_begin(&bl, MB2_TAG_BASIC_MEMINFO);
	tag_u32(&bl, 1);
	tag_end(&bl, t);                     /* 12 bytes: needs 16 */
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "tag 4 too small for its type");

	blob_init(&bl);
	t = tag_begin(&bl, MB2_TAG_ACPI_NEW);
	tag_bytes(&bl, "RSD PTR 01234567890", 20); /* v1-sized copy in v2 tag */
	tag_end(&bl, t);
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "tag 15 too small for its type");

	blob_init(&bl);
	t = tag_begin(&bl, 0x1234);
	put32(&bl, t + 4, 4);                /* below the 8-byte header */
	bl.len = t + 8;
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "tag too small");

	blob_init(&bl);
	t = tag_begin(&bl, 0x1234);
	blob_finish(&bl);
	put32(&bl, t + 4, 0xfffffff9u);
	expect_bad(&bl, bl.len, "unknown tag overruns info");
}

static void test_end_tag(void **st)
{
	struct blob bl;

	(void)st;
	blob_init(&bl);
	add_string_tag(&bl, MB2_TAG_CMDLINE, "x");
	put32(&bl, 0, bl.len);               /* no end tag at all */
	expect_bad(&bl, bl.len, "no end tag");

	blob_init(&bl);
	blob_finish(&bl);
	put32(&bl, 12, 16);                  /* end tag of size 16 */
	bl.len += 8;
	put32(&bl, 0, bl.len);
	expect_bad(&bl, bl.len, "end tag size not 8");

	blob_init(&bl);
	blob_finish(&bl);
	add_string_tag(&bl, MB2_TAG_CMDLINE, "late");
	put32(&bl, 0, bl.len);               /* a tag after the end tag */
	expect_bad(&bl, bl.len, "data after end tag");

	blob_init(&bl);
	blob_finish(&bl);                     /* minimal: header + end = 16 */
	assert_int_equal(bl.len, 16);
	assert_int_equal(mb2_parse_info(bl.b, 16, &mi, NULL), 0);
	assert_int_equal(mi.present, 0);

	blob_init(&bl);
	blob_finish(&bl);
	put32(&bl, 0, 20);                    /* 4 stray bytes: truncated tag */
	expect_bad(&bl, 24, "data after end tag");
}

static void test_truncated_header(void **st)
{
	struct blob bl;

	(void)st;
	blob_init(&bl);
	add_string_tag(&bl, MB2_TAG_CMDLINE, "abc");   /* 12 bytes -> 16 */
	put32(&bl, 0, bl.len + 4);
	expect_bad(&bl, bl.len + 4, "truncated tag header");
}

static void test_strings(void **st)
{
	struct blob bl;
	uint32_t t;
	char big[MB2_CMDLINE_MAX + 8];
	const char *why = NULL;

	(void)st;
	blob_init(&bl);
	t = tag_begin(&bl, MB2_TAG_CMDLINE);
	tag_bytes(&bl, "abcdefgh", 8);       /* no NUL inside the tag */
	tag_end(&bl, t);
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "tag string not NUL-terminated");

	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = 0;
	blob_init(&bl);
	add_string_tag(&bl, MB2_TAG_CMDLINE, big);
	blob_finish(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, &why), -E2BIG);
	assert_string_equal(why, "tag string too long");

	blob_init(&bl);
	add_string_tag(&bl, MB2_TAG_BOOTLOADER, "a");
	add_string_tag(&bl, MB2_TAG_BOOTLOADER, "b");
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "tag 2 appears twice");
}

static void test_modules(void **st)
{
	struct blob bl;
	uint32_t t;
	const char *why;

	(void)st;
	blob_init(&bl);
	add_module(&bl, 0x300000, 0x2fffff, "bad");
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "module ends before it starts");

	blob_init(&bl);
	t = tag_begin(&bl, MB2_TAG_MODULE);
	tag_u32(&bl, 1);
	tag_u32(&bl, 2);
	tag_end(&bl, t);                     /* no room for the string */
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "tag 3 too small for its type");

	blob_init(&bl);
	for (unsigned i = 0; i < MB2_MAX_MODULES; i++)
		add_module(&bl, i * 0x1000, i * 0x1000 + 10, "m");
	blob_finish(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, NULL), 0);
	assert_int_equal(mi.module_count, MB2_MAX_MODULES);

	blob_init(&bl);
	for (unsigned i = 0; i <= MB2_MAX_MODULES; i++)
		add_module(&bl, 0, 0, "m");
	blob_finish(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, &why), -E2BIG);
	assert_string_equal(why, "too many modules");
}

static void test_mmap(void **st)
{
	struct blob bl;
	uint64_t many[MB2_MAX_MMAP + 5][3];
	uint64_t wrap[1][3] = { { 0xfffffffffffff000ull, 0x2000, 1 } };

	(void)st;
	/* A larger entry_size (future version) is used as the stride. */
	blob_init(&bl);
	add_mmap(&bl, 32, 6, grub_map);
	blob_finish(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, NULL), 0);
	assert_int_equal(mi.mmap_count, 6);
	assert_true(mi.mmap[3].base_addr == 0x100000);
	assert_true(mi.mmap[5].length == 0x40000);

	blob_init(&bl);
	add_mmap(&bl, 16, 2, grub_map);
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "memory map entry_size invalid");

	blob_init(&bl);
	add_mmap(&bl, 24, 2, grub_map);
	put32(&bl, 8 + 4, 16 + 24 + 8);     /* one and a bit entries */
	blob_finish(&bl);
	/* the extra 8 bytes of entry 2 now look like padding to the walker */
	expect_bad(&bl, bl.len, "memory map has a partial entry");

	blob_init(&bl);
	add_mmap(&bl, 24, 1, wrap);
	blob_finish(&bl);
	expect_bad(&bl, bl.len, "memory map entry wraps");

	for (unsigned i = 0; i < MB2_MAX_MMAP + 5; i++) {
		many[i][0] = (uint64_t)i << 20;
		many[i][1] = 1 << 20;
		many[i][2] = 1;
	}
	blob_init(&bl);
	add_mmap(&bl, 24, MB2_MAX_MMAP + 5, many);
	blob_finish(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, NULL), 0);
	assert_int_equal(mi.mmap_count, MB2_MAX_MMAP);
	assert_int_equal(mi.mmap_dropped, 5);
	assert_true(mi.mmap[MB2_MAX_MMAP - 1].base_addr ==
		    (uint64_t)(MB2_MAX_MMAP - 1) << 20);
}

static void test_unknown_tags_skipped(void **st)
{
	struct blob bl;
	uint32_t t;

	(void)st;
	blob_init(&bl);
	for (uint32_t ty = 7; ty < 40; ty++) {
		if (ty == MB2_TAG_ACPI_OLD || ty == MB2_TAG_ACPI_NEW)
			continue;
		t = tag_begin(&bl, ty);
		tag_bytes(&bl, "0123456789abcdef", ty % 17);
		tag_end(&bl, t);
	}
	add_string_tag(&bl, MB2_TAG_CMDLINE, "after");
	blob_finish(&bl);
	assert_int_equal(mb2_parse_info(bl.b, bl.len, &mi, NULL), 0);
	assert_string_equal(mi.cmdline, "after");
	assert_int_equal(mi.tags_skipped, 40 - 7 - 2);
}

static void test_header_constants(void **st)
{
	struct mb2_header h = { MB2_HEADER_MAGIC, MB2_ARCH_I386, 24,
				MB2_HEADER_CHECKSUM(MB2_ARCH_I386, 24) };

	(void)st;
	assert_int_equal((uint32_t)(h.magic + h.architecture + h.header_length +
				    h.checksum), 0);
	assert_int_equal(MB2_HEADER_MAGIC, 0xE85250D6u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub_layout),
		cmocka_unit_test(test_find_module),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_overrun_and_short),
		cmocka_unit_test(test_end_tag),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_mmap),
		cmocka_unit_test(test_unknown_tags_skipped),
		cmocka_unit_test(test_header_constants),
	};

	return cmocka_run_group_tests_name("mb2", tests, NULL, NULL);
}
