/* hv's own freestanding <string.h>: hv links no libc (it must not touch
 * SSE state, which belongs to the guests). Portable code compiled into hv
 * may use exactly these. */
#ifndef HV_STRING_H
#define HV_STRING_H
#include <stddef.h>
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif
