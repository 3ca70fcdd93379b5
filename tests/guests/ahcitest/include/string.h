/* ahcitest: the string functions main.c provides. */
#ifndef AHCITEST_STRING_H
#define AHCITEST_STRING_H
#include <stddef.h>
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
#endif
