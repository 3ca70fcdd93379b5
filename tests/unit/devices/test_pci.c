/*
 * Unit tests for configuration mechanism #1 (partition/devices/pci.c)
 * and the gen1 functions (partition/devices/pci_gen1.c), driven through
 * ports 0xcf8/0xcfc as a guest's PCI code does (Linux
 * arch/x86/pci/direct.c: pci_conf1_read/write).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "partition/devices/pci_gen1.h"

static struct pci_gen1 G;

static int setup(void **state)
{
	(void)state;
	pci_gen1_init(&G);
	return 0;
}

static uint32_t io_in(uint16_t port, unsigned size)
{
	uint32_t v = 0;

	assert_true(pci_bus_io(&G.bus, port, size, false, &v));
	return v;
}

static void io_out(uint16_t port, unsigned size, uint32_t v)
{
	assert_true(pci_bus_io(&G.bus, port, size, true, &v));
}

static uint32_t addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

/* Linux's pci_conf1_read: address dword, then data at 0xcfc + (reg & 3). */
static uint32_t cfg_rd(unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
	io_out(0xcf8, 4, addr(0, dev, fn, reg));
	return io_in((uint16_t)(0xcfc + (reg & 3)), size);
}

static void cfg_wr(unsigned dev, unsigned fn, unsigned reg, unsigned size, uint32_t v)
{
	io_out(0xcf8, 4, addr(0, dev, fn, reg));
	io_out((uint16_t)(0xcfc + (reg & 3)), size, v);
}

/* What lspci -nn shows in a Hyper-V gen1 guest. */
static void test_ids_and_classes(void **state)
{
	static const struct {
		unsigned dev, fn;
		uint32_t id, class_rev;
		uint8_t header;
	} want[] = {
		{ 0, 0, 0x71928086, 0x06000003, 0x00 },
		{ 7, 0, 0x71108086, 0x06010001, 0x80 },
		{ 7, 1, 0x71118086, 0x01018001, 0x00 },
		{ 7, 3, 0x71138086, 0x06800002, 0x00 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(cfg_rd(want[i].dev, want[i].fn, 0, 4), want[i].id);
		assert_int_equal(cfg_rd(want[i].dev, want[i].fn, 8, 4), want[i].class_rev);
		assert_int_equal(cfg_rd(want[i].dev, want[i].fn, PCI_HEADER_TYPE, 1),
				 want[i].header);
	}
}

static void test_absent_and_disabled(void **state)
{
	(void)state;
	assert_int_equal(cfg_rd(1, 0, 0, 4), 0xffffffffu);
	assert_int_equal(cfg_rd(7, 2, 0, 2), 0xffff);
	assert_int_equal(cfg_rd(31, 7, 0x3c, 1), 0xff);
	io_out(0xcf8, 4, addr(1, 0, 0, 0));           /* no bus 1 */
	assert_int_equal(io_in(0xcfc, 4), 0xffffffffu);
	io_out(0xcf8, 4, addr(0, 0, 0, 0) & ~0x80000000u);   /* enable clear */
	assert_int_equal(io_in(0xcfc, 4), 0xffffffffu);
	io_out(0xcfc, 4, 0);                          /* ignored */
	assert_int_equal(cfg_rd(0, 0, 0, 4), 0x71928086u);
	cfg_wr(1, 0, 4, 4, 0x7);                      /* nothing there: nothing breaks */
	assert_int_equal(cfg_rd(1, 0, 4, 4), 0xffffffffu);
}

/* Byte and word accesses at each offset inside the dword (PCI 3.0
 * §3.2.2.3.2: the byte enables follow the port's low bits). */
static void test_unaligned(void **state)
{
	(void)state;
	assert_int_equal(cfg_rd(7, 1, 0x02, 2), 0x7111);
	assert_int_equal(cfg_rd(7, 1, 0x01, 1), 0x80);
	assert_int_equal(cfg_rd(7, 1, 0x03, 1), 0x71);
	assert_int_equal(cfg_rd(7, 1, 0x09, 1), 0x80);   /* prog-if */
	assert_int_equal(cfg_rd(7, 1, 0x0a, 2), 0x0101); /* IDE storage */
	assert_int_equal(cfg_rd(7, 1, 0x41, 1), 0x80);   /* IDETIM decode */
	assert_int_equal(cfg_rd(7, 1, 0x42, 2), 0x8000);
	/* a dword at 0xcfd: three bytes of config, the fourth is not ours */
	io_out(0xcf8, 4, addr(0, 7, 1, 0));
	assert_int_equal(io_in(0xcfd, 4), 0xff711180u);
	/* a word write at offset 2 of the dword reaches register 0x42 */
	cfg_wr(7, 1, 0x42, 2, 0x0303);
	assert_int_equal(cfg_rd(7, 1, 0x40, 4), 0x03038000u);
}

static void test_config_address(void **state)
{
	uint32_t v = 0xffffffffu;

	(void)state;
	io_out(0xcf8, 4, 0xffffffffu);
	/* reserved bits 30:24 and the type bits 1:0 read as zero */
	assert_int_equal(io_in(0xcf8, 4), 0x80fffffcu);
	/* 0xcf8-0xcfb as bytes or words are not configuration space
	 * (0xcf9 is the reset register) */
	assert_false(pci_bus_io(&G.bus, 0xcf9, 1, true, &v));
	assert_false(pci_bus_io(&G.bus, 0xcf8, 2, false, &v));
	assert_false(pci_bus_io(&G.bus, 0xcf8, 1, false, &v));
	assert_false(pci_bus_io(&G.bus, 0xd00, 4, false, &v));
}

/* Read-only IDs and class; writable command bits only; status R/WC. */
static void test_write_masks(void **state)
{
	(void)state;
	cfg_wr(7, 1, 0, 4, 0);
	cfg_wr(7, 1, 8, 4, 0);
	cfg_wr(7, 1, 0x0e, 1, 0x80);
	assert_int_equal(cfg_rd(7, 1, 0, 4), 0x71118086u);
	assert_int_equal(cfg_rd(7, 1, 8, 4), 0x01018001u);
	assert_int_equal(cfg_rd(7, 1, 0x0e, 1), 0);
	assert_int_equal(cfg_rd(7, 1, PCI_COMMAND, 2), 0x0005);   /* as firmware left it */
	cfg_wr(7, 1, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cfg_rd(7, 1, PCI_COMMAND, 2), 0x0005);   /* IOSE, BME only */
	cfg_wr(7, 1, PCI_COMMAND, 2, 0);
	assert_int_equal(cfg_rd(7, 1, PCI_COMMAND, 2), 0);
	/* status: medium DEVSEL, fast back-to-back; a latched master abort
	 * clears when written with 1, not with 0 */
	assert_int_equal(cfg_rd(7, 1, PCI_STATUS, 2), 0x0280);
	G.ide.cfg[PCI_STATUS + 1] |= PCI_STS_RCV_MABORT >> 8;
	cfg_wr(7, 1, PCI_STATUS, 2, 0);
	assert_int_equal(cfg_rd(7, 1, PCI_STATUS, 2), 0x2280);
	cfg_wr(7, 1, PCI_COMMAND, 4, 0xffff0000u);
	assert_int_equal(cfg_rd(7, 1, PCI_STATUS, 2), 0x0280);
	/* IDETIM's reserved bits 11:10, UDMACTL's 7:4 */
	cfg_wr(7, 1, 0x40, 2, 0xffff);
	assert_int_equal(cfg_rd(7, 1, 0x40, 2), 0xf3ff);
	cfg_wr(7, 1, 0x48, 1, 0xff);
	assert_int_equal(cfg_rd(7, 1, 0x48, 1), 0x0f);
}

/* BAR sizing (PCI 3.0 §6.2.5.1): all ones in, the size mask out. */
static void test_bar_sizing(void **state)
{
	uint32_t old, mask;

	(void)state;
	old = cfg_rd(7, 1, 0x20, 4);
	assert_int_equal(old, 0xffa1u);
	cfg_wr(7, 1, 0x20, 4, 0xffffffffu);
	mask = cfg_rd(7, 1, 0x20, 4);
	assert_int_equal(mask, 0x0000fff1u);
	/* Linux's pci_size: 16 ports */
	assert_int_equal((~(mask & 0xfffcu) & 0xffffu) + 1, 16);
	cfg_wr(7, 1, 0x20, 4, 0xc040);
	assert_int_equal(cfg_rd(7, 1, 0x20, 4), 0xc041u);
	/* BAR0-3 of the compatibility-mode function: not implemented */
	cfg_wr(7, 1, 0x10, 4, 0xffffffffu);
	assert_int_equal(cfg_rd(7, 1, 0x10, 4), 0);
	/* the PM function's PMBA: 64 ports */
	assert_int_equal(cfg_rd(7, 3, 0x40, 4), 0x601u);
	cfg_wr(7, 3, 0x40, 4, 0xffffffffu);
	assert_int_equal(cfg_rd(7, 3, 0x40, 4), 0xffc1u);
}

static void test_bus_add(void **state)
{
	struct pci_bus b;
	struct pci_func f;

	(void)state;
	pci_bus_init(&b);
	pci_func_init(&f, 0x1414, 0x5353, 0, 0x030000, 0, 0);
	assert_int_equal(pci_bus_add(&b, 32, 0, &f), -22);
	assert_int_equal(pci_bus_add(&b, 8, 8, &f), -22);
	assert_int_equal(pci_bus_add(&b, 8, 0, &f), 0);
	assert_int_equal(pci_bus_add(&b, 8, 0, &f), -17);
	assert_int_equal(pci_cfg_read(&f, 0, 4), 0x53531414u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ids_and_classes, setup),
		cmocka_unit_test_setup(test_absent_and_disabled, setup),
		cmocka_unit_test_setup(test_unaligned, setup),
		cmocka_unit_test_setup(test_config_address, setup),
		cmocka_unit_test_setup(test_write_masks, setup),
		cmocka_unit_test_setup(test_bar_sizing, setup),
		cmocka_unit_test_setup(test_bus_add, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
