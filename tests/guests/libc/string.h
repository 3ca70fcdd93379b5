/* memset and memcpy for test guests that link vmbus/ (tests/guests/lib/string.c). */
#ifndef GUEST_LIBC_STRING_H
#define GUEST_LIBC_STRING_H
#include <stddef.h>
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
#endif
