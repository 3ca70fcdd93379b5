/* fuzz_vsp_state.c: libFuzzer target for the framing of a saved state's
 * VMBus section (partition/vsp/vsp_state.c), part of a Save-VM file a
 * user can edit. Byte 0 picks the offered set and the saving rows; the
 * rest is the section. Oracles: an accepted section's parts lie inside
 * it, in order, without overlap, one record exactly for each saving row;
 * a refused one yields nothing (ASan checks every read stays inside). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "partition/vsp/vsp_state.h"

static void fz_check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_view(const uint8_t *buf, size_t len, uint32_t saves, const struct vsp_st_view *v)
{
	const uint8_t *end = buf + sizeof(struct vsp_st_hdr) + v->server_len;

	fz_check(v->server == buf + sizeof(struct vsp_st_hdr) && end <= buf + len);
	for (unsigned r = 0; r < VSP_ST_ROWS; r++) {
		fz_check(!v->rec[r] == !(saves & (1u << r)));
		if (!v->rec[r])
			continue;
		fz_check(v->rec[r] >= end + sizeof(struct vsp_st_rec) &&
			 v->rec[r] + v->rec_len[r] <= buf + len);
		end = v->rec[r] + v->rec_len[r];
	}
	fz_check(end == buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsp_st_view v;
	uint32_t offered, saves;
	uint8_t *buf;

	if (size < 1)
		return 0;
	offered = 0x3fu | ((uint32_t)(data[0] & 0xc0) << 2);
	saves = offered & (0x1eu | ((data[0] & 1u) << 5));
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (vsp_state_parse(buf, size - 1, offered, saves, &v) == 0)
		check_view(buf, size - 1, saves, &v);
	else
		fz_check(!v.server && !v.rec[1]);
	free(buf);
	return 0;
}
