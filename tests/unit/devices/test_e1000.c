/* test_e1000.c: the 82540EM driver against the register-level model
 * (e1000_model.c): initialisation as SDM 14 orders it, transmit and
 * receive through both rings and around them, a full ring, receiver
 * overrun, bad frames and a device that lies about a length, link
 * changes, fallbacks when the EEPROM or the reset fails, and no DMA
 * memory left behind. The model counts every rule the driver breaks. */
#include "partition/drivers/e1000.h"
#include "tests/unit/devices/e1000_model.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct rig {
	struct e1000_model m;
	struct e1000 d;
	struct e1000_hooks h;
	uint8_t got[64][2048];
	uint32_t got_len[64];
	unsigned n_got;
};

static void on_rx(void *ctx, const uint8_t *f, size_t len)
{
	struct rig *r = ctx;

	memcpy(r->got[r->n_got % 64], f, len);
	r->got_len[r->n_got % 64] = (uint32_t)len;
	r->n_got++;
}

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	em_init(&r->m, MAC);
	em_hooks(&r->m, &r->h);
	return r;
}

static void rig_free(struct rig *r)
{
	if (r->m.violations)
		print_error("model: %s\n", r->m.why);
	assert_int_equal(r->m.violations, 0);
	e1000_fini(&r->d);
	assert_int_equal(r->m.n_region, 0);
	free(r);
}

static uint32_t frame(uint8_t *f, uint32_t len, unsigned seed)
{
	memset(f, 0xFF, 6);
	memcpy(f + 6, MAC, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	for (uint32_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 13u + seed);
	return len;
}

static void test_init(void **state)
{
	struct rig *r = rig_new();
	uint32_t *reg = r->m.reg;

	(void)state;
	assert_int_equal(e1000_init(&r->d, &r->h, 64, 32), 0);
	assert_int_equal(r->m.resets, 1);
	assert_memory_equal(r->d.mac, MAC, 6);
	assert_int_equal(reg[E1000_RAL0 / 4], 0x12005452u);
	assert_int_equal(reg[E1000_RAH0 / 4], 0x5634u | E1000_RAH_AV);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(reg[E1000_MTA / 4 + i], 0);
	assert_int_equal(reg[E1000_RDLEN / 4], 64 * 16);
	assert_int_equal(reg[E1000_TDLEN / 4], 32 * 16);
	assert_int_equal(reg[E1000_RDT / 4], 63);
	assert_int_equal(reg[E1000_RCTL / 4] & (E1000_RCTL_EN | E1000_RCTL_BAM |
			 E1000_RCTL_SECRC | E1000_RCTL_BSIZE_MASK |
			 E1000_RCTL_LPE | E1000_RCTL_BSEX),
			 E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
	assert_int_equal(reg[E1000_TCTL / 4], E1000_TCTL_EN | E1000_TCTL_PSP |
			 E1000_TCTL_CT | E1000_TCTL_COLD);
	assert_int_equal(reg[E1000_TIPG / 4], E1000_TIPG_COPPER);
	assert_true(reg[E1000_CTRL / 4] & E1000_CTRL_SLU);
	assert_int_equal(reg[E1000_IMS / 4] & (E1000_ICR_RXT0 | E1000_ICR_LSC |
						E1000_ICR_TXDW),
			 E1000_ICR_RXT0 | E1000_ICR_LSC | E1000_ICR_TXDW);
	assert_true(r->d.link_up);
	rig_free(r);
}

static void test_init_failures(void **state)
{
	struct rig *r = rig_new();
	struct e1000 d;

	(void)state;
	assert_int_equal(e1000_init(&d, &r->h, 12, 32), -EINVAL);
	assert_int_equal(e1000_init(&d, &r->h, 64, 8192), -EINVAL);
	r->m.eeprom_dead = true;   /* and RAL/RAH empty after reset */
	assert_int_equal(e1000_init(&r->d, &r->h, 64, 32), -ENODEV);
	assert_int_equal(r->m.n_region, 0);
	r->m.eeprom_dead = false;
	r->m.reset_stuck = true;
	assert_int_equal(e1000_init(&r->d, &r->h, 64, 32), -EIO);
	assert_int_equal(r->m.n_region, 0);
	r->m.reset_stuck = false;
	assert_int_equal(e1000_init(&r->d, &r->h, 8, 8), 0);
	rig_free(r);
}

static void test_tx(void **state)
{
	struct rig *r = rig_new();
	uint8_t f[1600];

	(void)state;
	assert_int_equal(e1000_init(&r->d, &r->h, 32, 16), 0);
	for (unsigned i = 0; i < 100; i++) {
		uint32_t len = frame(f, 60 + i * 14 % 1460, i);

		assert_int_equal(e1000_send(&r->d, f, len), 0);
		assert_int_equal(r->m.n_wire, i + 1);
		assert_int_equal(r->m.wire[i % EM_WIRE].len, len);
		assert_memory_equal(r->m.wire[i % EM_WIRE].data, f, len);
		if (i % 5 == 0)
			(void)e1000_service(&r->d);
	}
	assert_int_equal(e1000_send(&r->d, f, 13), -EMSGSIZE);
	assert_int_equal(e1000_send(&r->d, f, 1523), -EMSGSIZE);
	/* The transmitter stops: 15 descriptors fill, then -EAGAIN. */
	r->m.tx_stall = true;
	for (unsigned i = 0; i < 15; i++)
		assert_int_equal(e1000_send(&r->d, f, 100), 0);
	assert_int_equal(e1000_send(&r->d, f, 100), -EAGAIN);
	assert_int_equal(r->d.st.tx_busy, 1);
	r->m.tx_stall = false;
	em_tx_kick(&r->m);
	assert_int_equal(r->m.n_wire, 115);
	assert_true(e1000_service(&r->d) & E1000_ICR_TXDW);
	assert_int_equal(e1000_send(&r->d, f, 100), 0);
	assert_int_equal(r->d.st.tx_frames, 116);
	rig_free(r);
}

static void test_rx(void **state)
{
	struct rig *r = rig_new();
	uint8_t f[1600];

	(void)state;
	assert_int_equal(e1000_init(&r->d, &r->h, 16, 8), 0);
	/* Around the ring several times. */
	for (unsigned i = 0; i < 200; i++) {
		uint32_t len = frame(f, 60 + i * 31 % 1462, i);

		assert_int_equal(em_receive(&r->m, f, len, 0, 1), 0);
		if (i % 3 == 2) {
			assert_int_equal(e1000_poll_rx(&r->d, on_rx, r, 0), 3);
			for (unsigned k = 0; k < 3; k++) {
				unsigned j = i - 2 + k;
				uint32_t l = frame(f, 60 + j * 31 % 1462, j);

				assert_int_equal(r->got_len[j % 64], l);
				assert_memory_equal(r->got[j % 64], f, l);
			}
		}
	}
	(void)e1000_poll_rx(&r->d, on_rx, r, 0);
	assert_int_equal(r->n_got, 200);
	/* Overrun: the device owns 15 of 16 descriptors. */
	for (unsigned i = 0; i < 20; i++)
		(void)em_receive(&r->m, f, 100, 0, 1);
	assert_int_equal(r->m.missed, 5);
	assert_true(e1000_service(&r->d) & E1000_ICR_RXO);
	assert_int_equal(r->d.st.rx_missed, 1);
	assert_int_equal(e1000_poll_rx(&r->d, on_rx, r, 4), 4);
	assert_int_equal(e1000_poll_rx(&r->d, on_rx, r, 0), 11);
	assert_int_equal(em_receive(&r->m, f, 100, 0, 1), 0);
	assert_int_equal(e1000_poll_rx(&r->d, on_rx, r, 0), 1);
	assert_int_equal(r->d.st.rx_frames, 216);
	rig_free(r);
}

static void test_rx_bad(void **state)
{
	struct rig *r = rig_new();
	uint8_t f[3000];
	uint32_t len = frame(f, 200, 1);

	(void)state;
	assert_int_equal(e1000_init(&r->d, &r->h, 16, 8), 0);
	assert_int_equal(em_receive(&r->m, f, len, 0x01, 1), 0);  /* CRC error */
	assert_int_equal(em_receive(&r->m, f, 1000, 0, 3), 0);    /* 3 pieces */
	em_lie_length = 5000;                                     /* a liar */
	assert_int_equal(em_receive(&r->m, f, len, 0, 1), 0);
	assert_int_equal(em_receive(&r->m, f, 10, 0, 1), 0);      /* runt */
	assert_int_equal(em_receive(&r->m, f, len, 0x20, 1), 0);  /* TCP csum */
	assert_int_equal(e1000_poll_rx(&r->d, on_rx, r, 0), 7);
	/* Only the last: a checksum flag is not a frame error. */
	assert_int_equal(r->n_got, 1);
	assert_int_equal(r->got_len[0], len);
	assert_memory_equal(r->got[0], f, len);
	assert_int_equal(r->d.st.rx_errors, 4);
	rig_free(r);
}

static void test_link(void **state)
{
	struct rig *r = rig_new();
	uint8_t f[100];

	(void)state;
	assert_int_equal(e1000_init(&r->d, &r->h, 16, 8), 0);
	em_set_link(&r->m, false);
	assert_true(e1000_service(&r->d) & E1000_ICR_LSC);
	assert_false(r->d.link_up);
	assert_int_equal(e1000_send(&r->d, f, frame(f, 60, 0)), -ENETDOWN);
	assert_int_equal(em_receive(&r->m, f, 60, 0, 1), -1);
	em_set_link(&r->m, true);
	assert_true(e1000_service(&r->d) & E1000_ICR_LSC);
	assert_true(r->d.link_up);
	assert_int_equal(r->d.st.link_changes, 2);
	assert_int_equal(e1000_send(&r->d, f, 60), 0);
	assert_int_equal(e1000_service(&r->d) & E1000_ICR_LSC, 0);
	/* STATUS.SPEED (SDM 13.4.2): 1000, 100, 10 Mb/s; 0 without link. */
	r->m.reg[E1000_STATUS / 4] = E1000_STATUS_LU | 2u << E1000_STATUS_SPEED_SHIFT;
	assert_int_equal(e1000_link_speed(&r->d), 1000);
	r->m.reg[E1000_STATUS / 4] = E1000_STATUS_LU | 1u << E1000_STATUS_SPEED_SHIFT;
	assert_int_equal(e1000_link_speed(&r->d), 100);
	r->m.reg[E1000_STATUS / 4] = E1000_STATUS_LU;
	assert_int_equal(e1000_link_speed(&r->d), 10);
	r->m.reg[E1000_STATUS / 4] = 3u << E1000_STATUS_SPEED_SHIFT;
	assert_int_equal(e1000_link_speed(&r->d), 0);
	em_set_link(&r->m, true);
	e1000_set_promisc(&r->d, true);
	assert_true(r->m.reg[E1000_RCTL / 4] & E1000_RCTL_UPE);
	e1000_set_promisc(&r->d, false);
	assert_false(r->m.reg[E1000_RCTL / 4] & E1000_RCTL_UPE);
	assert_true(r->m.reg[E1000_RCTL / 4] & E1000_RCTL_EN);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_failures),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_rx_bad),
		cmocka_unit_test(test_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
