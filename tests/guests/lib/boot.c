/*
 * Boot information: copied out of the Multiboot v1 info structure
 * (Multiboot Specification 0.6.96 §3.3) or the Multiboot v2 tag list
 * (Multiboot2 Specification 2.0 §3.6) into guest_boot_info at entry, so
 * that guests may later overwrite all of their free RAM.
 */
#include "guest.h"

struct guest_boot guest_boot_info;

static void copy_str(char *dst, uint32_t len, const char *src)
{
	uint32_t i = 0;

	for (; src && src[i] && i + 1 < len; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static void add_range(uint64_t base, uint64_t length, uint32_t type)
{
	struct guest_boot *b = &guest_boot_info;

	/* Type 1 is available RAM in both specs (v1 §3.3, v2 §3.6.8). */
	if (type != 1 || length == 0 || b->nranges >= GUEST_MAX_RANGES)
		return;
	b->ram[b->nranges].base = base;
	b->ram[b->nranges].length = length;
	b->nranges++;
}

static void parse_mb1_mmap(const struct mb1_info *mi)
{
	uint32_t off = 0;

	/* Each entry is `size` + 4 bytes long (v1 §3.3). */
	while (off + sizeof(struct mb1_mmap_entry) <= mi->mmap_length) {
		const struct mb1_mmap_entry *e =
			(const void *)(mi->mmap_addr + off);
		add_range(e->base, e->length, e->type);
		off += e->size + 4;
	}
}

static void parse_mb1(const struct mb1_info *mi)
{
	struct guest_boot *b = &guest_boot_info;

	if (mi->flags & MB1_INFO_MEM) {
		b->mem_lower_kb = mi->mem_lower;
		b->mem_upper_kb = mi->mem_upper;
	}
	if (mi->flags & MB1_INFO_CMDLINE)
		copy_str(b->cmdline, sizeof(b->cmdline),
			 (const char *)mi->cmdline);
	if (mi->flags & MB1_INFO_LOADER)
		copy_str(b->loader, sizeof(b->loader),
			 (const char *)mi->boot_loader_name);
	if (mi->flags & MB1_INFO_MMAP)
		parse_mb1_mmap(mi);
}

static void parse_mb2_mmap(const struct mb2_tag_mmap *t)
{
	uint32_t off = sizeof(*t);

	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		return;
	for (; off + t->entry_size <= t->size; off += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)((uint32_t)t + off);
		add_range(e->base, e->length, e->type);
	}
}

static void parse_mb2_tag(const struct mb2_tag *t)
{
	struct guest_boot *b = &guest_boot_info;
	const uint32_t *words = (const uint32_t *)t;

	if (t->type == MB2_TAG_CMDLINE)
		copy_str(b->cmdline, sizeof(b->cmdline), (const char *)(t + 1));
	else if (t->type == MB2_TAG_LOADER)
		copy_str(b->loader, sizeof(b->loader), (const char *)(t + 1));
	else if (t->type == MB2_TAG_MEMINFO) {
		b->mem_lower_kb = words[2];
		b->mem_upper_kb = words[3];
	} else if (t->type == MB2_TAG_MMAP)
		parse_mb2_mmap((const struct mb2_tag_mmap *)t);
}

static void parse_mb2(uint32_t info)
{
	const struct mb2_info_head *h = (const void *)info;
	uint32_t off = sizeof(*h);

	/* Tags follow the 8-byte head, each padded to 8 bytes (§3.6.1). */
	while (off + sizeof(struct mb2_tag) <= h->total_size) {
		const struct mb2_tag *t = (const void *)(info + off);
		if (t->type == MB2_TAG_END || t->size < sizeof(*t))
			break;
		parse_mb2_tag(t);
		off += (t->size + 7) & ~7u;
	}
}

void guest_parse_boot(uint32_t magic, uint32_t info)
{
	guest_boot_info.magic = magic;
	guest_boot_info.info_addr = info;
	if (magic == MB1_BOOT_MAGIC)
		parse_mb1((const struct mb1_info *)info);
	else if (magic == MB2_BOOT_MAGIC)
		parse_mb2(info);
}

/* Finds "key=" at the start of a space-separated word. */
static const char *find_value(const char *key)
{
	const char *p = guest_boot_info.cmdline;
	uint32_t klen = guest_strlen(key);

	while (*p) {
		uint32_t i = 0;
		while (*p == ' ')
			p++;
		while (i < klen && p[i] == key[i])
			i++;
		if (i == klen && p[i] == '=')
			return p + i + 1;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

int guest_get_arg(const char *key, char *buf, uint32_t len)
{
	const char *v = find_value(key);
	uint32_t i = 0;

	if (!v)
		return 0;
	for (; v[i] && v[i] != ' ' && i + 1 < len; i++)
		buf[i] = v[i];
	buf[i] = 0;
	return 1;
}

uint32_t guest_get_arg_u32(const char *key, uint32_t dflt)
{
	char buf[24];
	uint32_t v;

	if (!guest_get_arg(key, buf, sizeof(buf)) || !guest_parse_u32(buf, &v))
		return dflt;
	return v;
}

int guest_test_arg(const char *key, const char *value)
{
	char buf[32];

	return guest_get_arg(key, buf, sizeof(buf)) &&
	       guest_strcmp(buf, value) == 0;
}
