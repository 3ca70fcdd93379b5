/* CMOS RTC and NVRAM model; see cmos.h. */
#include <errno.h>
#include <string.h>

#include "partition/devices/devstate.h"
#include "partition/devices/cmos.h"

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_A_DIV_32K 0x26      /* 32.768 kHz time base, 1024 Hz rate; UIP (bit 7) clear */
#define REG_B_24H 0x02          /* 24-hour mode; DM (bit 2) clear: BCD */
#define REG_B_RO_MASK 0x7c      /* SET, PIE, AIE, UIE, SQWE: the guest's; the rest fixed */
#define REG_D_VRT 0x80          /* valid RAM and time */

void cmos_reset(struct cmos *c)
{
	memset(c, 0, sizeof(*c));
	c->reg_b = REG_B_24H;
}

void cmos_write(struct cmos *c, uint16_t port, uint8_t v)
{
	if (port == 0x70) {
		c->index = v & 0x7f;
		return;
	}
	if (c->index == REG_B)
		c->reg_b = (uint8_t)((v & REG_B_RO_MASK) | REG_B_24H);
	else if (c->index >= 0x0e && c->index != CMOS_CENTURY_REG)
		c->nvram[c->index] = v;
}

static uint8_t bcd(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil
 * inverse, public-domain algorithm, written out here). */
static void civil(int64_t days, unsigned *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

static uint8_t time_reg(uint8_t index, int64_t now)
{
	int64_t days = now / 86400, secs = now % 86400;
	unsigned y, m, d;

	civil(days, &y, &m, &d);
	switch (index) {
	case 0x00: return bcd((unsigned)(secs % 60));
	case 0x02: return bcd((unsigned)(secs / 60 % 60));
	case 0x04: return bcd((unsigned)(secs / 3600));
	case 0x06: return bcd((unsigned)((days + 4) % 7 + 1));   /* 1970-01-01 was a Thursday */
	case 0x07: return bcd(d);
	case 0x08: return bcd(m);
	case 0x09: return bcd(y % 100);
	default:   return bcd(y / 100);                          /* CMOS_CENTURY_REG */
	}
}

uint8_t cmos_read(const struct cmos *c, uint16_t port, int64_t now)
{
	uint8_t i = c->index;

	if (port == 0x70)
		return 0xff;            /* the index register is write-only */
	if (now < 0)
		now = 0;
	switch (i) {
	case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09:
	case CMOS_CENTURY_REG:
		return time_reg(i, now);
	case 0x01: case 0x03: case 0x05:
		return 0;               /* alarms: none set */
	case REG_A: return REG_A_DIV_32K;
	case REG_B: return c->reg_b;
	case REG_C: return 0;       /* no interrupt flags: the RTC raises none */
	case REG_D: return REG_D_VRT;
	default:   return c->nvram[i];
	}
}

/* ---- Saved state (devstate.h) ---- */

void cmos_save(const struct cmos *c, struct ds_cmos *w)
{
	memset(w, 0, sizeof(*w));
	w->index = c->index;
	w->reg_b = c->reg_b;
	memcpy(w->nvram, c->nvram, sizeof(w->nvram));
}

/* cmos_write keeps a 7-bit index, status B with the 24-hour bit and the
 * guest's bits only, and never stores the clock and status registers'
 * bytes or the century's (they stay 0). */
int cmos_check(const struct ds_cmos *w)
{
	unsigned i;

	if ((w->index & 0x80) || (w->reg_b & ~(REG_B_RO_MASK | REG_B_24H)) ||
	    !(w->reg_b & REG_B_24H))
		return -EINVAL;
	for (i = 0; i < sizeof(w->pad); i++)
		if (w->pad[i])
			return -EINVAL;
	for (i = 0; i < 0x0e; i++)
		if (w->nvram[i])
			return -EINVAL;
	return w->nvram[CMOS_CENTURY_REG] ? -EINVAL : 0;
}

int cmos_restore(struct cmos *c, const struct ds_cmos *w)
{
	if (cmos_check(w))
		return -EINVAL;
	c->index = w->index;
	c->reg_b = w->reg_b;
	memcpy(c->nvram, w->nvram, sizeof(c->nvram));
	return 0;
}
