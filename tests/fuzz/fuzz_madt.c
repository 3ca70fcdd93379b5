/* libFuzzer target: madt_find_cpus reads firmware tables only through its
 * reader and within what the tables' own lengths allow. Input: 36 bytes of
 * RSDP, then physical memory from address 0. So that mutations reach the
 * entries, the harness first puts right the checksums of the RSDP, the
 * table it names and the tables that one lists (where they lie inside the
 * input); an odd first byte leaves them as they are. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/boot/madt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct img {
	uint8_t *mem;
	size_t len;
};

static int rd(uint64_t pa, void *buf, size_t len, void *ctx)
{
	const struct img *m = ctx;

	if (pa > m->len || len > m->len - pa)
		return -EFAULT;
	memcpy(buf, m->mem + pa, len);
	return 0;
}

static void fix(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

/* A table at pa whose 4-byte length fits: its checksum (byte 9) fixed. */
static uint32_t fix_table(struct img *m, uint64_t pa)
{
	uint32_t len;

	if (pa > m->len || m->len - pa < 36)
		return 0;
	memcpy(&len, m->mem + pa + 4, 4);
	if (len < 36 || len > m->len - pa)
		return 0;
	fix(m->mem + pa, len, 9);
	return len;
}

static void fix_all(uint8_t *rsdp, struct img *m)
{
	uint32_t root, len;

	fix(rsdp, ACPI_RSDP_V1_LEN, 8);
	fix(rsdp, sizeof(struct acpi_rsdp), 32);
	memcpy(&root, rsdp + 16, 4);
	len = fix_table(m, root);
	for (uint32_t off = 36; len && off + 4 <= len; off += 4) {
		uint32_t pa;

		memcpy(&pa, m->mem + root + off, 4);
		if (pa != root)
			fix_table(m, pa);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_rsdp r;
	struct madt_cpus c;
	struct img m;
	const char *why = NULL;
	int rc;

	if (size < sizeof(r) + 1)
		return 0;
	memcpy(&r, data, sizeof(r));
	m.len = size - sizeof(r);
	m.mem = malloc(m.len);
	if (!m.mem)
		return 0;
	memcpy(m.mem, data + sizeof(r), m.len);
	if (!(m.mem[0] & 1))
		fix_all((uint8_t *)&r, &m);
	rc = madt_find_cpus(&r, sizeof(r), rd, &m, &c, &why);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if ((rc != 0) != (why != NULL) || c.count > MADT_MAX_CPUS || (rc && c.count > MADT_MAX_CPUS))
		abort();
	for (uint32_t i = 0; i < c.count; i++)
		for (uint32_t j = i + 1; j < c.count; j++)
			if (c.apic_id[i] == c.apic_id[j])
				abort();
	free(m.mem);
	return 0;
}
