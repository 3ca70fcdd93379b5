/*
 * Byte ring used as a log (each child's console output): writes never
 * block, the oldest bytes are overwritten, and readers address bytes by
 * their absolute stream offset, getting whatever is still held.
 */
#ifndef PARTITION_DEVICES_RING_H
#define PARTITION_DEVICES_RING_H

#include <stddef.h>
#include <stdint.h>

#define CRING_CONSOLE_CAP (64u * 1024u)  /* minimum for a child's console log */

struct cring {
	uint8_t *buf;     /* caller-provided storage */
	size_t cap;
	uint64_t end;     /* total bytes ever written: stream offset of the next byte */
};

void cring_init(struct cring *r, void *storage, size_t cap);
void cring_write(struct cring *r, const void *src, size_t n);
uint64_t cring_oldest(const struct cring *r);
uint64_t cring_end(const struct cring *r);
/*
 * Copy up to `n` bytes starting at stream offset *off into dst and advance
 * *off past them. If *off is older than what the ring still holds it first
 * moves to cring_oldest() (the skipped count is added to *lost if non-NULL).
 * Returns the bytes copied (0 when *off has caught up with the end).
 */
size_t cring_read_from(const struct cring *r, uint64_t *off, void *dst, size_t n,
		       uint64_t *lost);

#endif
