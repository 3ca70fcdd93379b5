/* String helpers for a libc-free guest. */
#include "guest.h"

int guest_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

uint32_t guest_strlen(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int digit_value(char c, uint32_t base)
{
	uint32_t d;

	if (c >= '0' && c <= '9')
		d = (uint32_t)(c - '0');
	else if (c >= 'a' && c <= 'f')
		d = (uint32_t)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		d = (uint32_t)(c - 'A' + 10);
	else
		return -1;
	return d < base ? (int)d : -1;
}

/* Decimal, or hexadecimal after "0x"; the whole string must parse. */
int guest_parse_u32(const char *s, uint32_t *out)
{
	uint32_t base = 10, v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return 0;
	for (; *s; s++) {
		int d = digit_value(*s, base);
		if (d < 0)
			return 0;
		v = v * base + (uint32_t)d;
	}
	*out = v;
	return 1;
}

/* GCC may emit calls to these for struct copies and zeroing. */
void *memset(void *d, int c, uint32_t n);
void *memcpy(void *d, const void *s, uint32_t n);

/* REP STOSB / MOVSB: one instruction per call in an emulator, which the
 * vsc guest's 64 KiB packets need (SDM Vol. 2B "REP"). */
void *memset(void *d, int c, uint32_t n)
{
	void *p = d;

	__asm__ volatile("cld; rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory", "cc");
	return d;
}

/* Dwords first, then the 0-3 bytes left, as Linux's i386 memcpy
 * (arch/x86/include/asm/string_32.h, __memcpy): Bochs counts each REP
 * iteration as an instruction, so a frame copied by bytes cost the
 * netvsp benchmark's sender four times a dword copy's ticks. */
void *memcpy(void *d, const void *s, uint32_t n)
{
	void *p = d;
	uint32_t words = n / 4, bytes = n % 4;

	__asm__ volatile("cld; rep movsl; mov %3, %%ecx; rep movsb"
			 : "+D"(p), "+S"(s), "+c"(words) : "r"(bytes) : "memory", "cc");
	return d;
}
