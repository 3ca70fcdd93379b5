/*
 * The framing of a saved state's VMBus section (vsp_state.h). Portable:
 * host-tested by tests/unit/vsp/test_vsp_state.c and fuzzed by
 * tests/fuzz/fuzz_vsp_state.c, as a saved-state file is a file a user
 * can change.
 */
#include <errno.h>
#include <string.h>

#include "partition/vsp/vsp_state.h"

static int parse_hdr(const uint8_t *buf, size_t len, uint32_t offered, struct vsp_st_hdr *h)
{
	if (len < sizeof(*h))
		return -EINVAL;
	memcpy(h, buf, sizeof(*h));
	if (h->magic != VSP_ST_MAGIC || h->version != VSP_ST_VERSION || h->total != len ||
	    h->rsvd[0] || h->rsvd[1] || h->offered != offered ||
	    h->server_bytes > len - sizeof(*h))
		return -EINVAL;
	return 0;
}

/* Record k at *off: its row after the last, in `saves`, inside buf. */
static int parse_rec(const uint8_t *buf, size_t len, size_t *off, uint32_t saves, int *last,
		     struct vsp_st_view *v)
{
	struct vsp_st_rec r;

	if (len - *off < sizeof(r))
		return -EINVAL;
	memcpy(&r, buf + *off, sizeof(r));
	if ((int)r.row <= *last || r.row >= VSP_ST_ROWS || r.version != 1 ||
	    !(saves & (1u << r.row)) || len - *off - sizeof(r) < r.len)
		return -EINVAL;
	v->rec[r.row] = buf + *off + sizeof(r);
	v->rec_len[r.row] = r.len;
	*last = r.row;
	*off += sizeof(r) + r.len;
	return 0;
}

int vsp_state_parse(const void *in, size_t len, uint32_t offered, uint32_t saves,
		    struct vsp_st_view *v)
{
	const uint8_t *buf = in;
	struct vsp_st_hdr h;
	uint32_t seen = 0;
	size_t off;
	int last = -1;

	memset(v, 0, sizeof(*v));
	if ((saves & ~offered) || parse_hdr(buf, len, offered, &h))
		return -EINVAL;
	v->server = buf + sizeof(h);
	v->server_len = h.server_bytes;
	off = sizeof(h) + h.server_bytes;
	for (uint32_t k = 0; k < h.nrecs; k++) {
		if (parse_rec(buf, len, &off, saves, &last, v))
			goto bad;
		seen |= 1u << last;
	}
	if (off == len && seen == saves)
		return 0;
bad:
	memset(v, 0, sizeof(*v));
	return -EINVAL;
}
