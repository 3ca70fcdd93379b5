/* GUIDs for the parent (VM ids), in Windows' binary layout: the first
 * three fields little-endian (UEFI spec Appendix A, as GPT stores them). */
#ifndef PARENT_GUID_H
#define PARENT_GUID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A random (version 4, RFC 4122 variant) GUID. */
void guid_random(uint8_t g[16]);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", upper- or lowercase. */
void guid_format(const uint8_t g[16], bool upper, char *out, size_t n);
#endif
