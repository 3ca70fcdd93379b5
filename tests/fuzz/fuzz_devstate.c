/* fuzz_devstate.c: libFuzzer target for the saved-state parser of the
 * parent's device models (partition/devices/devstate.c and each
 * device's check/restore), the part of a Save-VM file a user can edit.
 *
 * Input: byte 0 even: the rest is a device section as it stands;
 * byte 0 odd: the rest is a list of (offset low, offset high, offset
 * top, xor) edits applied to a valid section of a busy machine (COM1
 * with received bytes, an IDE PIO read half done), which reaches the
 * checks behind the framing at once.
 * Oracles: a section that is refused leaves the devices exactly as they
 * were (saved again, the same bytes); one that is accepted saves back
 * to itself, and the guest's next accesses (every port of COM1 and the
 * IDE channels, the PIO data register, a bus-master start) stay within
 * the model's buffers (ASan) and its invariants.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "partition/devices/devstate.h"

#define GMEM_SIZE 0x10000u
#define SEC_MAX   (64u << 10)

static uint8_t gmem[GMEM_SIZE];
static struct uart U;
static struct pic8259 Pic;
static struct cmos C;
static struct pci_gen1 G;
static struct piix_ide P;
static struct blockdev disk, iso;
static struct devstate_set S = { &U, &Pic, &C, &G, &P };
static uint8_t base[SEC_MAX], sec[SEC_MAX], before[SEC_MAX], after[SEC_MAX];
static size_t base_len;

static void fz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static int fz_mem(void *ctx, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	(void)ctx;
	fz_check(len > 0 && len <= 0x10000);
	if (gpa >= GMEM_SIZE || len > GMEM_SIZE - gpa)
		return -EFAULT;
	if (to_guest)
		memcpy(gmem + gpa, buf, len);
	else
		memcpy(buf, gmem + gpa, len);
	return 0;
}

static void fz_irq(void *ctx, unsigned line, int level)
{
	(void)ctx;
	(void)level;
	fz_check(line == 14 || line == 15);
}

static void fz_tx(void *ctx, uint8_t b)
{
	(void)ctx;
	(void)b;
}

static void fz_uirq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

static const struct ide_host_ops ide_ops = { fz_mem, fz_irq };
static const struct uart_ops u_ops = { fz_tx, fz_uirq };

static void build(void)
{
	uart_init(&U, &u_ops, NULL);
	pic_reset(&Pic);
	cmos_reset(&C);
	pci_gen1_init(&G);
	piix_ide_init(&P, &G.ide, &ide_ops, NULL);
	fz_check(ide_attach(&P.ch[0], 0, &disk, "D0") == 0);
	fz_check(ide_attach_atapi(&P.ch[1], 0, &iso, "CD") == 0);
	ide_reset(&P.ch[0]);
	ide_reset(&P.ch[1]);
}

static void io(uint16_t port, unsigned size, bool wr, uint32_t v)
{
	(void)piix_ide_io(&P, port, size, wr, &v);
}

/* The busy machine behind the edit mode's base section. */
static void make_base(void)
{
	static const uint8_t rx[] = "hello";

	build();
	uart_io_write(&U, UART_FCR, UART_FCR_ENABLE | 0x80);
	uart_io_write(&U, UART_MCR, UART_MCR_OUT2);
	uart_io_write(&U, UART_IER, 0x0f);
	uart_io_write(&U, UART_THR, 'x');
	uart_rx_push(&U, rx, 5);
	pic_io_write(&Pic, 0x20, 0x11);
	pic_io_write(&Pic, 0x21, 0x30);
	pic_set_irq(&Pic, 4, 1);
	io(0x1f2, 1, true, 2);
	io(0x1f6, 1, true, 0xe0);
	io(0x1f7, 1, true, 0x20);
	for (int i = 0; i < 100; i++)
		io(0x1f0, 2, false, 0);
	fz_check(devstate_save(&S, base, sizeof(base), &base_len) == 0);
}

static void init_once(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	fz_check(blockdev_ram_create(64 * 512, 512, &disk) == 0);
	fz_check(blockdev_ram_create(4 * 2048, 2048, &iso) == 0);
	make_base();
}

/* What a guest does next: every register, the data ports, the engine. */
static void exercise(void)
{
	for (unsigned r = 0; r < 8; r++)
		(void)uart_io_read(&U, r);
	(void)uart_rx_push(&U, (const uint8_t *)"z", 1);
	while (pic_take(&Pic) >= 0)
		;
	for (uint16_t p = 0; p < 8; p++) {
		io(0x1f0 + p, 1, false, 0);
		io(0x170 + p, 1, false, 0);
	}
	for (int i = 0; i < 300; i++) {
		io(0x1f0, 2, false, 0);
		io(0x170, 2, false, 0);
		io(0x1f0, 2, true, 0xa5a5);
	}
	io(GEN1_BMIBA_BASE + BM_REG_CMD, 1, true, BM_CMD_START | BM_CMD_TOMEM);
	io(GEN1_BMIBA_BASE + 8 + BM_REG_CMD, 1, true, BM_CMD_START | BM_CMD_TOMEM);
}

static size_t input_section(const uint8_t *data, size_t size)
{
	if (!(data[0] & 1)) {
		size = size - 1 < SEC_MAX ? size - 1 : SEC_MAX;
		memcpy(sec, data + 1, size);
		return size;
	}
	memcpy(sec, base, base_len);
	for (size_t i = 1; i + 4 <= size; i += 4) {
		size_t off = (data[i] | data[i + 1] << 8 | (size_t)data[i + 2] << 16) % base_len;

		sec[off] ^= data[i + 3];
	}
	return base_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, n;

	if (size < 1)
		return 0;
	init_once();
	build();
	len = input_section(data, size);
	fz_check(devstate_save(&S, before, sizeof(before), &n) == 0);
	if (devstate_restore(&S, sec, len) != 0) {
		fz_check(devstate_save(&S, after, sizeof(after), &n) == 0);
		fz_check(memcmp(before, after, n) == 0);
		return 0;
	}
	fz_check(devstate_save(&S, after, sizeof(after), &n) == 0);
	fz_check(n == len && memcmp(sec, after, n) == 0);
	exercise();
	return 0;
}
