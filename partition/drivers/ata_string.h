/* ATA IDENTIFY strings, shared by the ATA, ATAPI and AHCI drivers. */
#ifndef PARENT_ATA_STRING_H
#define PARENT_ATA_STRING_H
#include <stdint.h>

/* Decode nwords IDENTIFY words into out (2 * nwords + 1 bytes): two
 * characters a word, first in the high byte (ATA8-ACS "ATA string
 * convention"); trailing blanks are padding and dropped; bytes that are
 * not printable ASCII become '?'. */
void ata_string_decode(const uint16_t *words, int nwords, char *out);
#endif
