/* libFuzzer target for hv/arch/x86/insn.c and insn_string.c: the decoder
 * reads only the bytes it is given (an exactly sized heap copy, so ASan
 * sees an overread), returns a consistent description, decodes the same
 * again from exactly its own length, and the ALU changes only status
 * flags. A decoded STOS/MOVS runs on registers from the input against
 * memory where one page faults: it runs at most the bound it is given,
 * counts rCX down by the elements it stored, moves rDI by them in the
 * address size, and leaves the bits above the address size alone. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/arch/x86/insn.h"
#include "hv/arch/x86/insn_string.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct insn_mem *o, size_t n)
{
	if (!o->len || o->len > n || o->len > 15 || o->reg > 15 || o->kind > INSN_MOVS ||
	    o->alu > ALU_LAST || o->seg > INSN_GS)
		abort();
	if ((o->size != 1 && o->size != 2 && o->size != 4 && o->size != 8) || o->dst_size < o->size)
		abort();
	if (o->addr_size != 2 && o->addr_size != 4 && o->addr_size != 8)
		abort();
	if (!o->read && !o->write)
		abort();
	if (o->rep && o->kind != INSN_STOS && o->kind != INSN_MOVS)
		abort();
	if (o->alu >= ALU_BT && o->kind == INSN_ALU_MEM && (o->size < 2 || o->write == (o->alu == ALU_BT)))
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
	res = insn_alu((enum insn_alu)((data[1] >> 2) % (ALU_LAST + 1)), z, a, b, &fl);
	if ((z < 8 && (res >> (8 * z))) || ((fl ^ before) & ~INSN_FLAGS_STATUS))
		abort();
}

struct fake {
	unsigned fault_page, stores, loads;
};

static int f_translate(void *ctx, uint64_t lin, bool write, uint64_t *gpa)
{
	(void)write;
	if (((lin >> 12) & 7) == ((struct fake *)ctx)->fault_page)
		return -EFAULT;
	*gpa = lin;
	return 0;
}

static int f_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	((struct fake *)ctx)->loads++;
	*val = gpa;
	return 0;
}

static int f_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)gpa;
	if (size < 8 && (val >> (8 * size)))
		abort();
	((struct fake *)ctx)->stores++;
	return 0;
}

static uint64_t bits(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Bits above the address size: kept for 16-bit addresses, cleared once
 * written as a 32-bit register (SDM Vol. 1 §3.4.1.1). */
static bool upper_ok(const struct insn_mem *o, uint64_t was, uint64_t now, unsigned stores)
{
	if (o->addr_size == 2)
		return !((was ^ now) & ~0xffffull);
	if (o->addr_size == 4)
		return stores ? !(now >> 32) : now == was;
	return true;
}

static void string(const struct insn_mem *o, const uint8_t *data, size_t size)
{
	struct fake f = { .fault_page = data[0] & 7 };
	const struct insn_string_ops ops = { &f, f_translate, f_read, f_write };
	struct insn_string_state s = { 0 }, before;
	unsigned max = data[1] & 0xff;
	uint64_t am = bits(o->addr_size), step;
	bool done;
	int rc;

	memcpy(&s, data, size < 32 ? size : 32);
	s.df = data[size - 1] & 1;
	s.wide = data[size - 1] & 2;
	before = s;
	rc = insn_string_run(o, &s, &ops, max, &done);
	if ((rc && rc != -EFAULT) || (rc && done) || f.stores > (o->rep ? max : 1u))
		abort();
	if (o->rep ? ((before.rcx - s.rcx) & am) != f.stores : s.rcx != before.rcx)
		abort();
	step = (s.df ? -(uint64_t)o->size : o->size) * f.stores;
	if (((s.rdi - before.rdi - step) & am) || !upper_ok(o, before.rdi, s.rdi, f.stores))
		abort();
	if (o->rep && !upper_ok(o, before.rcx, s.rcx, f.stores))
		abort();
	if (o->kind == INSN_STOS ? s.rsi != before.rsi || f.loads : f.loads != f.stores)
		abort();
	if (o->rep && done != !(s.rcx & am))
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
		if (o.kind == INSN_STOS || o.kind == INSN_MOVS)
			string(&o, data, size);
	}
	free(buf);
	return 0;
}
