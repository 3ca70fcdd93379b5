/* libFuzzer target for hv/arch/x86/insn.c: the decoder reads only the
 * bytes it is given (an exactly sized heap copy, so ASan sees an
 * overread), returns a consistent description, decodes the same again
 * from exactly its own length, and the ALU changes only status flags. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/arch/x86/insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct insn_mem *o, size_t n)
{
	if (!o->len || o->len > n || o->len > 15 || o->reg > 15 || o->kind > INSN_MOVS ||
	    o->alu > ALU_TEST || o->seg > INSN_GS)
		abort();
	if ((o->size != 1 && o->size != 2 && o->size != 4 && o->size != 8) || o->dst_size < o->size)
		abort();
	if (o->addr_size != 2 && o->addr_size != 4 && o->addr_size != 8)
		abort();
	if (!o->read && !o->write)
		abort();
	if (o->has_imm && o->size < 8 && (o->imm >> (8 * o->size)))
		abort();
}

static void alu(const uint8_t *data, size_t size)
{
	uint64_t a = 0, b = 0, fl, before, res;
	unsigned z = 1u << (data[1] & 3);

	memcpy(&a, data + 2, size - 2 < 8 ? size - 2 : 8);
	if (size > 10)
		memcpy(&b, data + 10, size - 10 < 8 ? size - 10 : 8);
	fl = before = ((uint64_t)data[0] << 3) | 2;
	res = insn_alu((enum insn_alu)(data[1] >> 2) % 9, z, a, b, &fl);
	if ((z < 8 && (res >> (8 * z))) || ((fl ^ before) & ~INSN_FLAGS_STATUS))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct insn_mem o, again;
	enum insn_mode mode;
	uint8_t *buf;
	int rc;

	if (size < 2)
		return 0;
	mode = (enum insn_mode)(data[0] % 3);
	alu(data, size);
	buf = malloc(size - 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	rc = insn_decode_mem(buf, size - 1, mode, &o);
	if (rc != 0 && rc != INSN_UNSUPPORTED && rc != INSN_UD)
		abort();
	if (rc == 0) {
		check(&o, size - 1);
		if (insn_decode_mem(buf, o.len, mode, &again) || memcmp(&o, &again, sizeof(o)))
			abort();
	}
	free(buf);
	return 0;
}
