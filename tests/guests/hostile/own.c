/*
 * mode=own: write an address-dependent pattern over every free byte of
 * the RAM the boot memory map reports (below 4 GiB, outside this image
 * and its stack), then read it back, twice with complementary patterns.
 * A match everywhere shows the child owns all the RAM it was promised
 * and that no two of its addresses alias; the boot information was
 * copied at entry, so overwriting it is harmless.
 */
#include "guest.h"
#include "hostile.h"

#define SEED 0xa5c3e187u
#define FOUR_GIB 0x100000000ull

struct span {
	uint32_t lo, hi;	/* [lo, hi), word-aligned */
};

/* Up to two pieces of a RAM range once the image is cut out. */
static uint32_t free_spans(const struct guest_range *r, struct span out[2])
{
	uint64_t end = r->base + r->length;
	uint32_t img_lo = (uint32_t)guest_image_start;
	uint32_t img_hi = (uint32_t)guest_image_end;
	uint32_t lo, hi, n = 0;

	if (r->base >= FOUR_GIB)
		return 0;
	lo = ((uint32_t)r->base + 3) & ~3u;
	hi = (uint32_t)((end > FOUR_GIB - 4096 ? FOUR_GIB - 4096 : end) & ~3ull);
	if (lo < img_lo && lo < hi)
		out[n++] = (struct span){ lo, hi < img_lo ? hi : img_lo };
	if (hi > img_hi && lo < hi)
		out[n++] = (struct span){ lo > img_hi ? lo : img_hi, hi };
	return n;
}

static void fill(const struct span *s, uint32_t xor)
{
	for (uint32_t a = s->lo; a < s->hi; a += 4)
		hostile_write32(a, a ^ xor);
}

/* Checks the pattern `xor`, then overwrites it with its complement. */
static void verify(const struct span *s, uint32_t xor)
{
	for (uint32_t a = s->lo; a < s->hi; a += 4) {
		uint32_t v = hostile_read32(a);
		if (v != (a ^ xor)) {
			guest_printf("hostile: own: at 0x%x wrote 0x%x read 0x%x\n",
				     a, a ^ xor, v);
			guest_fail("hostile", "own memory does not read back");
		}
		hostile_write32(a, ~(a ^ xor));
	}
}

static uint32_t collect(struct span *spans, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < guest_boot_info.nranges; i++) {
		const struct guest_range *r = &guest_boot_info.ram[i];
		guest_printf("hostile: own: RAM 0x%llx..0x%llx\n", r->base,
			     r->base + r->length);
		if (n + 2 <= max)
			n += free_spans(r, spans + n);
	}
	return n;
}

static void check_size(uint64_t top)
{
	uint32_t want_mb = guest_get_arg_u32("mem", 0);

	guest_printf("hostile: own: RAM ends at 0x%llx (%u MiB); mem_upper %u KiB\n",
		     top, (uint32_t)(top >> 20), guest_boot_info.mem_upper_kb);
	if (want_mb && top != (uint64_t)want_mb << 20)
		guest_fail("hostile", "RAM size differs from mem=");
}

void hostile_run_own(void)
{
	struct span spans[2 * GUEST_MAX_RANGES];
	uint32_t n = collect(spans, 2 * GUEST_MAX_RANGES);
	uint64_t bytes = 0, top = 0;

	if (n == 0)
		guest_fail("hostile", "no memory map");
	for (uint32_t i = 0; i < guest_boot_info.nranges; i++) {
		const struct guest_range *r = &guest_boot_info.ram[i];
		if (r->base + r->length > top)
			top = r->base + r->length;
	}
	check_size(top);
	for (uint32_t i = 0; i < n; i++)
		fill(&spans[i], SEED);
	for (uint32_t i = 0; i < n; i++)
		verify(&spans[i], SEED);
	for (uint32_t i = 0; i < n; i++) {
		verify(&spans[i], ~SEED);
		bytes += spans[i].hi - spans[i].lo;
	}
	guest_printf("hostile: own ok: %llu bytes in %u spans read back\n",
		     bytes, n);
}
