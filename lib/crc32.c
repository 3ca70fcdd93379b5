/* CRC-32 (lib/crc32.h), bitwise: the parent checks a few headers and
 * sectors with it, too little to pay for a table. */
#include "lib/crc32.h"

uint32_t crc32_compute(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
