/*
 * CRC-32 as IEEE 802.3 defines it and zlib, PNG and the UEFI GPT use it:
 * polynomial 0x04C11DB7 processed bit-reflected (0xEDB88320), initial
 * value and final XOR 0xffffffff (UEFI spec 2.x §5.3.2 and Appendix
 * "CRC32"). The one copy for the parent (GPT headers, sector checksums)
 * and the host tests.
 */
#ifndef LIB_CRC32_H
#define LIB_CRC32_H
#include <stddef.h>
#include <stdint.h>

uint32_t crc32_compute(const void *buf, size_t len);
#endif
