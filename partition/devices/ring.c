/* Log-style byte ring; see ring.h. */
#include <string.h>

#include "partition/devices/ring.h"

void cring_init(struct cring *r, void *storage, size_t cap)
{
	r->buf = storage;
	r->cap = cap;
	r->end = 0;
}

uint64_t cring_end(const struct cring *r)
{
	return r->end;
}

uint64_t cring_oldest(const struct cring *r)
{
	return r->end > r->cap ? r->end - r->cap : 0;
}

void cring_write(struct cring *r, const void *src, size_t n)
{
	const uint8_t *s = src;
	size_t pos, chunk;

	if (!r->cap)
		return;
	if (n > r->cap) {             /* only the newest cap bytes survive */
		r->end += n - r->cap;
		s += n - r->cap;
		n = r->cap;
	}
	while (n) {
		pos = (size_t)(r->end % r->cap);
		chunk = r->cap - pos < n ? r->cap - pos : n;
		memcpy(r->buf + pos, s, chunk);
		r->end += chunk;
		s += chunk;
		n -= chunk;
	}
}

size_t cring_read_from(const struct cring *r, uint64_t *off, void *dst, size_t n,
		       uint64_t *lost)
{
	uint8_t *d = dst;
	uint64_t oldest = cring_oldest(r);
	size_t done = 0, pos, chunk;

	if (*off < oldest) {
		if (lost)
			*lost += oldest - *off;
		*off = oldest;
	}
	if (*off > r->end)
		*off = r->end;
	if ((uint64_t)n > r->end - *off)
		n = (size_t)(r->end - *off);
	while (done < n) {
		pos = (size_t)(*off % r->cap);
		chunk = r->cap - pos < n - done ? r->cap - pos : n - done;
		memcpy(d + done, r->buf + pos, chunk);
		done += chunk;
		*off += chunk;
	}
	return done;
}
