/* fuzz_rndis.c: libFuzzer target for netvsp's RNDIS layer (messages,
 * per-packet info, OID requests). Byte 0: bit 0 channel type, bit 1 send
 * through guest pages instead of the send buffer, bit 2 RNDIS left
 * uninitialised, bit 4 the guest rewrites its send buffer as netvsp
 * takes a pointer to a frame's tail (fz_rewrite, XOR with the input:
 * the split path's head copy then differs from the buffer, and b's RSS
 * hashes a tail unlike the head); bytes 1.. the RNDIS batch exactly as
 * the guest wrote it
 * (up to a send section). Then the same bytes again with the 8-byte
 * message header made consistent, to reach deeper; with bit 3 instead
 * cut into several messages back to back, as Linux packs a section,
 * each msg_len taken from its own length byte (8-byte units, the last
 * one possibly overrunning the section). Invariants: see
 * fuzz_netvsp_env.h; frames reaching b never exceed the switch MTU. */
#include "tests/fuzz/fuzz_netvsp_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_send(struct fz_env *e, const uint8_t *p, size_t n, uint8_t mode)
{
	int st = nvg_rndis(&e->a, p, (uint32_t)n, mode & 1u, mode & 2u, 3);

	fz_check(st == -EINVAL || st == NVSP_STAT_SUCCESS ||
		 st == NVSP_STAT_INVALID_RNDIS_PKT || st == -EMSGSIZE);
	fz_check(nvg_guest_drain(&e->b) >= 0);
	for (uint32_t i = 0; i < e->b.n_frames && i < NVG_FRAMES; i++)
		fz_check(e->b.frames[i].len <= 1500u + 18u);
	nvg_host_poll(&e->b);
}

static void fz_chain(uint8_t *buf, size_t n)
{
	size_t off = 0;

	while (n - off >= 8) {
		uint32_t len = 8u + 8u * buf[off + 4];

		if (len > n - off && !(buf[off + 5] & 1u))
			len = (uint32_t)(n - off);
		memcpy(buf + off + 4, &len, 4);
		off += len;
		if (off >= n)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env e;
	static uint8_t buf[6144];
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1 > sizeof(buf) ? sizeof(buf) : size - 1;
	fz_up(&e, (data[0] & 4u) ? 1 : 2, NVSP_VERSION_61);
	fz_key = data;
	fz_key_len = size;
	e.a.on_ptr = (data[0] & 16u) ? fz_rewrite : NULL;
	memcpy(buf, data + 1, n);
	if (n)
		fz_send(&e, buf, n, data[0]);
	if (n >= 8 && (data[0] & 8u)) {
		fz_chain(buf, n);
		fz_send(&e, buf, n, data[0]);
	} else if (n >= 8) {
		uint32_t len = (uint32_t)n;

		memcpy(buf + 4, &len, 4);
		fz_send(&e, buf, n, data[0]);
	}
	fz_down(&e);
	return 0;
}
