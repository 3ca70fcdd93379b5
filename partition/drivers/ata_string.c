/* ATA IDENTIFY string decoding; see ata_string.h. */
#include "partition/drivers/ata_string.h"

void ata_string_decode(const uint16_t *words, int nwords, char *out)
{
	int n = 0;

	for (int i = 0; i < nwords; i++) {
		out[n++] = (char)(words[i] >> 8);
		out[n++] = (char)(words[i] & 0xff);
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
	for (int i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
}
