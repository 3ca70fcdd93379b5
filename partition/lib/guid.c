/* GUIDs: random ones for VM ids, and their text form. See guid.h. */
#include <stdio.h>
#include "partition/arch/cpu.h"
#include "partition/lib/guid.h"

#define CPUID1_ECX_RDRAND (1u << 30)   /* SDM Vol. 2B, RDRAND; CPUID.01H:ECX[30] */
#define RDRAND_TRIES 10                /* Intel DRNG guide: retry a few times on CF=0 */

/* RDRAND sets CF when it returned a random value (SDM Vol. 2B, RDRAND). */
static bool rdrand64(uint64_t *v)
{
	uint8_t ok;

	for (int i = 0; i < RDRAND_TRIES; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
		if (ok)
			return true;
	}
	return false;
}

/* Without RDRAND the TSC stirred by xorshift: ids need only be distinct. */
static uint64_t next_random(void)
{
	static uint64_t s;
	static int have_rdrand = -1;
	uint64_t v;

	if (have_rdrand < 0) {
		uint32_t r[4];

		cpu_cpuid(1, 0, r);
		have_rdrand = !!(r[2] & CPUID1_ECX_RDRAND);
	}
	if (have_rdrand && rdrand64(&v))
		return v;
	s ^= cpu_rdtsc() | 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

void guid_random(uint8_t g[16])
{
	uint64_t a = next_random(), b = next_random();

	for (int i = 0; i < 8; i++) {
		g[i] = (uint8_t)(a >> (8 * i));
		g[8 + i] = (uint8_t)(b >> (8 * i));
	}
	/* RFC 4122 section 4.4: version 4 in the high nibble of the third
	 * field (little-endian, so byte 7), variant 10xx in byte 8. */
	g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);
}

void guid_format(const uint8_t g[16], bool upper, char *out, size_t n)
{
	/* Display order of the bytes: the first three fields reversed. */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char text[37];
	size_t k = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			text[k++] = '-';
		text[k++] = hex[g[order[i]] >> 4];
		text[k++] = hex[g[order[i]] & 15];
	}
	text[k] = '\0';
	snprintf(out, n, "%s", text);
}
