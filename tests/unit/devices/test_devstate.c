/*
 * Unit tests for the devices' saved state (partition/devices/devstate.c
 * and each device's save/check/restore): every device is stopped in the
 * middle of something (COM1 with bytes in its receive FIFO and a THRE
 * interrupt pending, the 8259 pair with requests, IDE in the middle of a
 * PIO read and with a DMA command waiting for the engine), saved,
 * restored into a second, freshly built set, and must carry on as the
 * first would: the guest-visible answers are compared. A corrupted
 * section is refused whole, leaving the target untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/devices/devstate.h"

#define DISK_SIZE (1u << 20)
#define GMEM_SIZE (1u << 16)

struct machine {
	struct uart uart;
	struct pic8259 pic;
	struct cmos cmos;
	struct pci_gen1 pci;
	struct piix_ide ide;
	uint8_t gmem[GMEM_SIZE];
	int uart_irq, ide_irq[16];
	struct devstate_set set;
};

static struct machine A, B;
static struct blockdev disk, iso;
static uint8_t sec_a[DISK_SIZE / 2], sec_b[DISK_SIZE / 2];   /* two sections */

static int mem_cb(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	struct machine *m = ctx;

	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	if (to_guest)
		memcpy(m->gmem + gpa, buf, len);
	else
		memcpy(buf, m->gmem + gpa, len);
	return 0;
}

static void ide_irq_cb(void *ctx, unsigned line, int level)
{
	((struct machine *)ctx)->ide_irq[line] = level;
}

static void uart_tx(void *ctx, uint8_t b)
{
	(void)ctx;
	(void)b;
}

static void uart_irq(void *ctx, int level)
{
	((struct machine *)ctx)->uart_irq = level;
}

static const struct ide_host_ops ide_ops = { mem_cb, ide_irq_cb };
static const struct uart_ops u_ops = { uart_tx, uart_irq };

static void build(struct machine *m, bool with_disk)
{
	memset(m, 0, sizeof(*m));
	uart_init(&m->uart, &u_ops, m);
	pic_reset(&m->pic);
	cmos_reset(&m->cmos);
	pci_gen1_init(&m->pci);
	piix_ide_init(&m->ide, &m->pci.ide, &ide_ops, m);
	if (with_disk)
		assert_int_equal(ide_attach(&m->ide.ch[0], 0, &disk, "D0"), 0);
	assert_int_equal(ide_attach_atapi(&m->ide.ch[1], 0, &iso, "CD"), 0);
	ide_reset(&m->ide.ch[0]);
	ide_reset(&m->ide.ch[1]);
	m->set = (struct devstate_set){ &m->uart, &m->pic, &m->cmos, &m->pci, &m->ide };
}

static int setup(void **state)
{
	uint8_t s[512];

	(void)state;
	assert_int_equal(blockdev_ram_create(DISK_SIZE, 512, &disk), 0);
	assert_int_equal(blockdev_ram_create(16 * 2048, 2048, &iso), 0);
	for (unsigned i = 0; i < DISK_SIZE / 512; i++) {
		for (unsigned j = 0; j < 512; j++)
			s[j] = (uint8_t)(i * 13 + j);
		assert_int_equal(blockdev_write(&disk, i * 512ull, s, 512), 0);
	}
	build(&A, true);
	build(&B, true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	blockdev_close(&disk);
	blockdev_close(&iso);
	return 0;
}

static uint32_t io(struct machine *m, uint16_t port, unsigned size, bool wr, uint32_t v)
{
	assert_true(piix_ide_io(&m->ide, port, size, wr, &v));
	return v;
}

static size_t save(struct machine *m, uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(devstate_save(&m->set, buf, DISK_SIZE / 2, &len), 0);
	assert_int_equal(len, devstate_size(&m->set));
	return len;
}

/* A saved, B restored from it; B saved again gives the same bytes. */
static size_t round_trip(void)
{
	size_t len = save(&A, sec_a);

	assert_int_equal(devstate_restore(&B.set, sec_a, len), 0);
	assert_int_equal(save(&B, sec_b), len);
	assert_memory_equal(sec_a, sec_b, len);
	return len;
}

/* COM1 mid-operation: FIFO on with a trigger of 4, three bytes received
 * (a character timeout), THRE latched behind it; the interrupt line up. */
static void uart_busy(struct uart *u)
{
	uart_io_write(u, UART_FCR, UART_FCR_ENABLE | 0x40);
	uart_io_write(u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	uart_io_write(u, UART_IER, UART_IER_RDA | UART_IER_THRE);
	uart_io_write(u, UART_THR, 'x');
	uart_io_write(u, UART_SCR, 0x5a);
	assert_int_equal(uart_rx_push(u, (const uint8_t *)"abc", 3), 3);
}

static void test_uart_mid_operation(void **state)
{
	(void)state;
	uart_busy(&A.uart);
	assert_int_equal(A.uart_irq, 1);
	round_trip();
	assert_int_equal(B.uart.irq_level, 1);
	for (struct machine *m = &A; m; m = m == &A ? &B : NULL) {
		assert_int_equal(uart_io_read(&m->uart, UART_IIR), UART_IIR_CTI | UART_IIR_FIFO);
		assert_int_equal(uart_io_read(&m->uart, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
		assert_int_equal(uart_io_read(&m->uart, UART_RBR), 'a');
		assert_int_equal(uart_io_read(&m->uart, UART_RBR), 'b');
		assert_int_equal(uart_io_read(&m->uart, UART_RBR), 'c');
		/* the receive interrupt is over; the THRE one was behind it */
		assert_int_equal(uart_io_read(&m->uart, UART_IIR), UART_IIR_THRE | UART_IIR_FIFO);
		assert_int_equal(uart_io_read(&m->uart, UART_IIR), UART_IIR_NONE | UART_IIR_FIFO);
		assert_int_equal(uart_io_read(&m->uart, UART_SCR), 0x5a);
	}
	assert_int_equal(B.uart_irq, 0);   /* B's line fell through its callback */
}

/* The 8259 pair initialised as Linux does (vectors 0x30/0x38, cascade
 * on line 2, ICW4), COM1's line 4 and the slave's line 14 requesting. */
static void pic_busy(struct pic8259 *p)
{
	static const uint16_t seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0xe9 }, { 0xa1, 0xbf }, { 0x4d1, 0x40 },
	};

	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		pic_io_write(p, seq[i][0], (uint8_t)seq[i][1]);
	pic_set_irq(p, 4, 1);
	pic_set_irq(p, 14, 1);
}

static void test_pic_cmos(void **state)
{
	(void)state;
	pic_busy(&A.pic);
	cmos_write(&A.cmos, 0x70, 0x0b);
	cmos_write(&A.cmos, 0x71, 0x12);      /* UIE: a guest bit */
	cmos_write(&A.cmos, 0x70, 0x40);
	cmos_write(&A.cmos, 0x71, 0x99);
	round_trip();
	assert_int_equal(pic_io_read(&B.pic, 0x21), 0xe9);
	assert_int_equal(pic_io_read(&B.pic, 0x4d1), 0x40);
	/* the slave's requests come through line 2, ahead of line 4 */
	assert_int_equal(pic_take(&B.pic), 0x3e);
	assert_int_equal(pic_take(&B.pic), 0x34);
	assert_int_equal(pic_take(&B.pic), -1);
	/* the slave's line is level-triggered and still high: EOI re-requests */
	pic_io_write(&B.pic, 0xa0, 0x20);
	assert_int_equal(pic_take(&B.pic), 0x3e);
	assert_int_equal(cmos_read(&B.cmos, 0x71, 0), 0x99);
	cmos_write(&B.cmos, 0x70, 0x0b);
	assert_int_equal(cmos_read(&B.cmos, 0x71, 0), 0x12);
}

static uint16_t data_word(struct machine *m)
{
	return (uint16_t)io(m, 0x1f0, 2, false, 0);
}

/* READ SECTORS of 3 from LBA 5 on the primary master; half the first
 * sector read before the save, the rest after, in both machines. */
static void test_ide_mid_pio(void **state)
{
	uint8_t want[3 * 512];
	uint16_t w;

	(void)state;
	assert_int_equal(blockdev_read(&disk, 5 * 512, want, sizeof(want)), 0);
	io(&A, 0x1f2, 1, true, 3);
	io(&A, 0x1f3, 1, true, 5);
	io(&A, 0x1f4, 1, true, 0);
	io(&A, 0x1f5, 1, true, 0);
	io(&A, 0x1f6, 1, true, 0xe0);
	io(&A, 0x1f7, 1, true, 0x20);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(data_word(&A), want[2 * i] | want[2 * i + 1] << 8);
	round_trip();
	assert_int_equal(B.ide.ch[0].irq_level, A.ide.ch[0].irq_level);
	assert_int_equal(io(&B, 0x1f7, 1, false, 0) & (ATA_DRQ | ATA_BSY), ATA_DRQ);
	for (unsigned i = 128; i < 3 * 256; i++) {
		w = data_word(&B);
		assert_int_equal(w, want[2 * i] | want[2 * i + 1] << 8);
	}
	assert_int_equal(io(&B, 0x1f7, 1, false, 0) & (ATA_DRQ | ATA_ERR), 0);
}

/* READ DMA of 2 sectors issued with its PRD table in place, but Start
 * not yet set: after the restore, B's engine moves the data. */
static void test_ide_dma_pending(void **state)
{
	uint8_t want[1024];
	const uint8_t prd[8] = { 0x00, 0x20, 0, 0, 0x00, 0x04, 0, 0x80 };   /* 0x2000, 1 KiB, EOT */

	(void)state;
	assert_int_equal(blockdev_read(&disk, 9 * 512, want, sizeof(want)), 0);
	memcpy(A.gmem + 0x1000, prd, sizeof(prd));
	memcpy(B.gmem + 0x1000, prd, sizeof(prd));   /* guest memory is saved apart */
	io(&A, GEN1_BMIBA_BASE + BM_REG_PRD, 4, true, 0x1000);
	io(&A, GEN1_BMIBA_BASE + BM_REG_CMD, 1, true, BM_CMD_TOMEM);
	io(&A, 0x1f2, 1, true, 2);
	io(&A, 0x1f3, 1, true, 9);
	io(&A, 0x1f4, 1, true, 0);
	io(&A, 0x1f5, 1, true, 0);
	io(&A, 0x1f6, 1, true, 0xe0);
	io(&A, 0x1f7, 1, true, 0xc8);
	round_trip();
	assert_int_equal(B.ide.ch[0].dma_unit, 0);
	io(&B, GEN1_BMIBA_BASE + BM_REG_CMD, 1, true, BM_CMD_TOMEM | BM_CMD_START);
	assert_memory_equal(B.gmem + 0x2000, want, sizeof(want));
	assert_int_equal(io(&B, GEN1_BMIBA_BASE + BM_REG_STATUS, 1, false, 0) & BM_ST_INTR,
			 BM_ST_INTR);
	assert_int_equal(B.ide_irq[14], 1);
}

/* Every single-bit flip of a busy section is either refused with B left
 * exactly as it was, or accepted as a state that saves back to the same
 * flipped bytes (a field that really is free: NVRAM, a FIFO byte). */
static void test_corruption_all_or_nothing(void **state)
{
	static uint8_t before[DISK_SIZE / 2], after[DISK_SIZE / 2], bad[DISK_SIZE / 2];
	size_t len, refused = 0;

	(void)state;
	uart_busy(&A.uart);
	pic_busy(&A.pic);
	len = save(&A, sec_a);
	for (size_t off = 0; off < len; off += (off < 4200 || off % 64 < 48) ? 1 : 61) {
		build(&B, true);
		uart_io_write(&B.uart, UART_SCR, 0x77);   /* B differs from A before */
		assert_int_equal(save(&B, before), len);
		memcpy(bad, sec_a, len);
		bad[off] ^= (uint8_t)(1u << (off % 8));
		if (devstate_restore(&B.set, bad, len) == 0) {
			assert_int_equal(save(&B, after), len);
			assert_memory_equal(after, bad, len);
			continue;
		}
		refused++;
		assert_int_equal(save(&B, after), len);
		assert_memory_equal(after, before, len);
	}
	assert_true(refused > 300);
}

static void test_framing(void **state)
{
	size_t len;

	(void)state;
	len = save(&A, sec_a);
	assert_int_equal(devstate_restore(&B.set, sec_a, len - 1), -EINVAL);
	assert_int_equal(devstate_restore(&B.set, sec_a, 0), -EINVAL);
	memcpy(sec_b, sec_a, len);
	sec_b[len] = 0;
	assert_int_equal(devstate_restore(&B.set, sec_b, len + 1), -EINVAL);
	/* a VM without the PCI bus expects three records */
	B.set.pci = NULL;
	B.set.ide = NULL;
	assert_int_equal(devstate_restore(&B.set, sec_a, len), -EINVAL);
	assert_int_equal(devstate_size(&B.set), 16 + 3 * 8 + sizeof(struct ds_uart) +
			 sizeof(struct ds_pic) + sizeof(struct ds_cmos));
}

/* The drives are the configuration: a disk that is not attached any
 * more, or a different medium size, makes the state unusable. */
static void test_drive_mismatch(void **state)
{
	size_t len;

	(void)state;
	len = save(&A, sec_a);
	build(&B, false);
	assert_int_equal(devstate_restore(&B.set, sec_a, len), -EINVAL);
	build(&B, true);
	assert_int_equal(ide_atapi_set_medium(&B.ide.ch[1], 0, NULL), 0);
	assert_int_equal(devstate_restore(&B.set, sec_a, len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uart_mid_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pic_cmos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ide_mid_pio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ide_dma_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corruption_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drive_mismatch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
