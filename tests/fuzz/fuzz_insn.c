/* libFuzzer target for hv/arch/x86/insn.c, insn_alu.c, insn_string.c and
 * insn_len.c:
 * the decoder reads only the bytes it is given (an exactly sized heap
 * copy, so ASan sees an overread), returns a consistent description,
 * decodes the same again from exactly its own length; the ALU changes
 * only status flags; a divide's quotient and remainder give back the
 * dividend, and #DE changes nothing. A decoded string instruction runs
 * on registers and segment limits from the input against memory where
 * one page faults: it runs at most the bound it is given, counts rCX
 * down by the elements it did, moves rSI and rDI by them in the address
 * size, reads and writes once per element and operand (a port for INS
 * and OUTS), and leaves the
 * bits above the address size alone. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/arch/x86/insn.h"
#include "hv/arch/x86/insn_string.h"
#include "hv/arch/x86/insn_len.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_string(unsigned k)
{
	return k == INSN_STOS || k == INSN_MOVS || k == INSN_LODS || k == INSN_CMPS || k == INSN_SCAS ||
	       k == INSN_INS || k == INSN_OUTS;
}

static void check(const struct insn_mem *o, size_t n)
{
	if (!o->len || o->len > n || o->len > 15 || o->reg > 15 || o->kind > INSN_KIND_LAST ||
	    o->alu > ALU_LAST || o->seg > INSN_GS)
		abort();
	if ((o->size != 1 && o->size != 2 && o->size != 4 && o->size != 8) || o->dst_size < o->size)
		abort();
	if (o->addr_size != 2 && o->addr_size != 4 && o->addr_size != 8)
		abort();
	if (!o->read && !o->write)
		abort();
	if (o->rep && !is_string(o->kind))
		abort();
	if (o->repne && (!o->rep || (o->kind != INSN_CMPS && o->kind != INSN_SCAS)))
		abort();
	if ((o->kind == INSN_MULDIV) != (o->alu >= ALU_MUL) || (o->kind == INSN_MULDIV && o->write))
		abort();
	if (o->alu >= ALU_BT && o->kind == INSN_ALU_MEM && (o->size < 2 || o->write == (o->alu == ALU_BT)))
		abort();
	if (o->has_imm && o->size < 8 && (o->imm >> (8 * o->size)))
		abort();
}

static uint64_t bits(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static __int128 sext(unsigned size, uint64_t v)
{
	unsigned sh = 64 - 8 * size;

	return (__int128)((int64_t)(v << sh) >> sh);
}

/* A divide that succeeded: quotient * divisor + remainder is the
 * dividend, |remainder| < |divisor|, and the remainder has the
 * dividend's sign (SDM Vol. 2A "DIV", "IDIV"). */
static void check_divide(bool sgn, unsigned z, uint64_t src, uint64_t rax, uint64_t rdx,
			 uint64_t qa, uint64_t qd)
{
	unsigned __int128 n, q, r, d = src & bits(z);
	__int128 sn, sq, sr, sd;

	n = z == 8 ? ((unsigned __int128)rdx << 64) | rax
	    : z == 1 ? rax & 0xffff : ((rdx & bits(z)) << (8 * z)) | (rax & bits(z));
	q = z == 1 ? qa & 0xff : qa & bits(z);
	r = z == 1 ? (qa >> 8) & 0xff : qd & bits(z);
	if (!sgn) {
		if (q * d + r != n || r >= d)
			abort();
		return;
	}
	sn = z == 8 ? (__int128)n : (__int128)(n << (128 - 16 * z)) >> (128 - 16 * z);
	sq = sext(z, (uint64_t)q);
	sr = sext(z, (uint64_t)r);
	sd = sext(z, (uint64_t)d);
	if (sq * sd + sr != sn || (sr && ((sr < 0) != (sn < 0))) ||
	    (sr < 0 ? -sr : sr) >= (sd < 0 ? -sd : sd))
		abort();
}

static void muldiv(unsigned op, unsigned z, uint64_t a, uint64_t b, uint64_t fl)
{
	uint64_t rax = a, rdx = ~a ^ b, before = fl, rdx0 = rdx;
	int rc = insn_muldiv(op, z, b, &rax, &rdx, &fl);

	if ((rc && rc != INSN_DE) || ((fl ^ before) & ~INSN_FLAGS_STATUS))
		abort();
	if (rc) {
		if (rax != a || rdx != rdx0 || fl != before)
			abort();                     /* #DE changes nothing */
		return;
	}
	if ((z == 1 && rdx != rdx0) || (z == 4 && ((rax | rdx) >> 32)))
		abort();
	if (z <= 2 && ((rax ^ a) & ~bits(2)))
		abort();                             /* merged: bits above AX kept */
	if (op == ALU_DIV || op == ALU_IDIV)
		check_divide(op == ALU_IDIV, z, b, a, rdx0, rax, rdx);
}

static void alu(const uint8_t *data, size_t size)
{
	uint64_t a = 0, b = 0, fl, before, res;
	unsigned z = 1u << (data[1] & 3), op;

	memcpy(&a, data + 2, size - 2 < 8 ? size - 2 : 8);
	if (size > 10)
		memcpy(&b, data + 10, size - 10 < 8 ? size - 10 : 8);
	fl = before = ((uint64_t)data[0] << 3) | 2;
	op = (data[1] >> 2) % (ALU_LAST + 1);
	if (op >= ALU_MUL) {
		muldiv(op, z, a, b, fl);
		return;
	}
	res = insn_alu((enum insn_alu)op, z, a, b, &fl);
	if ((z < 8 && (res >> (8 * z))) || ((fl ^ before) & ~INSN_FLAGS_STATUS))
		abort();
}

struct fake {
	unsigned fault_page, stores, loads, raised, port_ins, port_outs;
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

/* The port reads all ones, more than the element holds: the engine
 * stores only the element's bytes (f_write checks). */
static int f_port_in(void *ctx, uint16_t port, unsigned size, uint64_t *val)
{
	(void)port;
	if (size != 1 && size != 2 && size != 4)
		abort();
	((struct fake *)ctx)->port_ins++;
	*val = ~0ull;
	return 0;
}

static int f_port_out(void *ctx, uint16_t port, unsigned size, uint64_t val)
{
	(void)port;
	if ((size != 1 && size != 2 && size != 4) || (val >> (8 * size)))
		abort();
	((struct fake *)ctx)->port_outs++;
	return 0;
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

/* Per element: the index registers it steps, its reads and writes. */
static const struct {
	bool src, dst;
	unsigned loads, stores, ins, outs;
} uses[INSN_KIND_LAST + 1] = {
	[INSN_MOVS] = { true, true, 1, 1 }, [INSN_STOS] = { false, true, 0, 1 },
	[INSN_LODS] = { true, false, 1, 0 }, [INSN_CMPS] = { true, true, 2, 0 },
	[INSN_SCAS] = { false, true, 1, 0 },
	[INSN_INS] = { false, true, 0, 1, 1, 0 }, [INSN_OUTS] = { true, false, 1, 0, 0, 1 },
};

static void f_raise(void *ctx, unsigned vector)
{
	if (vector != 12 && vector != 13)
		abort();
	((struct fake *)ctx)->raised++;
}

static void limits_from(struct insn_string_state *s, const uint8_t *data, size_t size)
{
	uint8_t x = data[size - 1];

	s->limits = x & 4;
	s->la57 = x & 8;
	s->src_limit = (struct insn_limit){ .limit = (uint32_t)s->rcx ^ 0xffff, .expand_down = x & 16,
					    .big = x & 32, .stack = x & 64 };
	s->dst_limit = (struct insn_limit){ .limit = (uint32_t)(s->rax >> 32), .expand_down = x & 128 };
	s->rflags = 2 | ((uint64_t)data[0] << 2);
}

/* Elements done: by rCX for REP, else 1 if it completed. */
static uint64_t elements(const struct insn_mem *o, const struct insn_string_state *b,
			 const struct insn_string_state *s, bool done)
{
	return o->rep ? (b->rcx - s->rcx) & bits(o->addr_size) : done;
}

static void moved_ok(const struct insn_mem *o, bool used, uint64_t was, uint64_t now, uint64_t n,
		     bool df)
{
	uint64_t step = (df ? -(uint64_t)o->size : o->size) * (used ? n : 0);

	if (((now - was - step) & bits(o->addr_size)) || !upper_ok(o, was, now, used ? (unsigned)n : 0))
		abort();
}

static void string(const struct insn_mem *o, const uint8_t *data, size_t size)
{
	struct fake f = { .fault_page = data[0] & 7 };
	const struct insn_string_ops ops = { &f, f_translate, f_read, f_write, f_raise, f_port_in,
					     f_port_out };
	struct insn_string_state s = { 0 }, before;
	bool cmp = o->kind == INSN_CMPS || o->kind == INSN_SCAS, done;
	unsigned max = data[1] & 0xff;
	uint64_t n, am = bits(o->addr_size);
	int rc;

	memcpy(&s, data, size < 32 ? size : 32);
	s.df = data[size - 1] & 1;
	s.wide = data[size - 1] & 2;
	limits_from(&s, data, size);
	before = s;
	rc = insn_string_run(o, &s, &ops, max, &done);
	n = elements(o, &before, &s, done);
	if ((rc && rc != -EFAULT) || (rc && done) || n > (o->rep ? max : 1u) || (f.raised && !rc))
		abort();
	if (!o->rep && s.rcx != before.rcx)
		abort();
	moved_ok(o, uses[o->kind].dst, before.rdi, s.rdi, n, s.df);
	moved_ok(o, uses[o->kind].src, before.rsi, s.rsi, n, s.df);
	if (o->rep && !upper_ok(o, before.rcx, s.rcx, (unsigned)n))
		abort();
	if (f.stores != uses[o->kind].stores * n || f.loads != uses[o->kind].loads * n)
		abort();
	if (f.port_ins != uses[o->kind].ins * n || f.port_outs != uses[o->kind].outs * n)
		abort();
	if (((s.rflags ^ before.rflags) & ~(uint64_t)INSN_FLAGS_STATUS) || (!cmp && s.rflags != before.rflags))
		abort();
	if (o->kind != INSN_LODS && s.rax != before.rax)
		abort();
	if (o->rep && !rc && !done && (n != max || !(s.rcx & am)))
		abort();                             /* a chunk ends at max elements */
	if (o->rep && done && !cmp && (s.rcx & am))
		abort();                             /* only a compare stops before rCX is 0 */
}

/* SVM's decoders without NRIPS or decode assists (insn_len.c): within
 * the bytes and 15, the same from exactly their own length. */
static void movdr_and_lengths(const uint8_t *b, size_t n, enum insn_mode mode)
{
	struct insn_mov_dr d, again;
	int len;

	len = insn_mov_dr_decode(b, n, mode, &d);
	if (len >= 0 && (len < 3 || (size_t)len > n || len > 15 || d.len != len || d.dr > 15 ||
			 d.gpr > 15 || insn_mov_dr_decode(b, (size_t)len, mode, &again) != len ||
			 memcmp(&d, &again, sizeof(d))))
		abort();
	for (int op = 0; op < INSN_OP_COUNT; op++) {
		len = insn_len_of(b, n, mode, (enum insn_op)op);
		if (len >= 0 && (len < 1 || (size_t)len > n || len > 15 ||
				 insn_len_of(b, (size_t)len, mode, (enum insn_op)op) != len))
			abort();
	}
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
	movdr_and_lengths(buf, size - 1, mode);
	rc = insn_decode_mem(buf, size - 1, mode, &o);
	if (rc != 0 && rc != INSN_UNSUPPORTED && rc != INSN_UD)
		abort();
	if (rc == 0) {
		check(&o, size - 1);
		if (insn_decode_mem(buf, o.len, mode, &again) || memcmp(&o, &again, sizeof(o)))
			abort();
		if (is_string(o.kind))
			string(&o, data, size);
	}
	free(buf);
	return 0;
}
