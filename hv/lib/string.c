/* Minimal string routines for hv (no libc, general registers only). */
#include <string.h>
#include <stdint.h>

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	uint64_t w = 0x0101010101010101ull * (unsigned char)c;

	/* Eight bytes a store once aligned: scrubbing a child's pages is the
	 * bulk of it. */
	for (; n && ((uintptr_t)p & 7); n--)
		*p++ = (unsigned char)c;
	for (; n >= 8; n -= 8, p += 8)
		*(uint64_t *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

/* REP MOVSQ then REP MOVSB (SDM Vol. 2B "MOVS"; DF is clear in hv, as
 * the System V ABI requires at every call): hv copies hypercall input,
 * SynIC messages and partition records on hot paths, and a byte loop
 * cost a VMBus message round trip about 3,000 instructions
 * (docs/benchmarks.md, "VMBus transport"). */
void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep movsq" : "+D"(dp), "+S"(s), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(r) : : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp == sp || n == 0)
		return d;
	if (dp < sp) {
		while (n--)
			*dp++ = *sp++;
	} else {
		while (n--)
			dp[n] = sp[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa < *pb ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}
