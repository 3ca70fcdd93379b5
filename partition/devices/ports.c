/*
 * ports: a child's I/O port map (docs/child-platform.md, "I/O ports").
 * ports_access looks the port up in one table; a port no entry claims
 * meets the explicit unhandled entry: reads return all ones, writes are
 * ignored, as on a PC bus with nothing decoding the address.
 */
#include <stddef.h>

#include "partition/devices/ports.h"

#define COM1_BASE 0x3f8u

struct port_ctx;

/* One entry of the map: a handler returns true when it stopped (or
 * reset) the child. */
struct port_range {
	uint16_t first, last;
	bool (*fn)(const struct port_ctx *c, uint32_t *val);
	uint32_t bits, want;         /* port_*_on_write: the write that acts */
	const char *reason;
};

/* What a handler sees: the access, its entry, the mask of its size and
 * the value written, already masked. */
struct port_ctx {
	const struct port_bus *bus;
	const struct port_access *a;
	const struct port_range *r;
	uint32_t mask, v;
};

static bool port_com1(const struct port_ctx *c, uint32_t *val)
{
	unsigned off = c->a->port - COM1_BASE;

	if (c->a->is_write)
		uart_io_write(c->bus->com1, off, (uint8_t)c->v);
	else
		*val = uart_io_read(c->bus->com1, off) | (c->mask & ~0xffu);
	return false;
}

/* QEMU's isa-debug-exit: writing v ends the machine (QEMU
 * hw/misc/debugexit.c, whose emulator then exits with (v << 1) | 1). The
 * child's exit code is v itself, the value the guest chose; Get-VM shows
 * QEMU's form beside it as DebugExitStatus. */
static bool port_debug_exit(const struct port_ctx *c, uint32_t *val)
{
	(void)val;
	if (!c->a->is_write)
		return false;
	c->bus->stop(c->bus->ctx, "debug exit (port 0xf4)", true, c->v);
	return true;
}

/* A write whose bits under r->bits equal r->want stops the child with
 * r->reason: the reset and power-off registers of the port map. */
static bool port_stop_on_write(const struct port_ctx *c, uint32_t *val)
{
	(void)val;
	if (!c->a->is_write || (c->v & c->r->bits) != c->r->want)
		return false;
	c->bus->stop(c->bus->ctx, c->r->reason, false, 0);
	return true;
}

/* As port_stop_on_write, for the reset lines: the bus restarts the
 * child where it can. */
static bool port_reset_on_write(const struct port_ctx *c, uint32_t *val)
{
	(void)val;
	if (!c->a->is_write || (c->v & c->r->bits) != c->r->want)
		return false;
	if (c->bus->reset)
		c->bus->reset(c->bus->ctx, c->r->reason);
	else
		c->bus->stop(c->bus->ctx, c->r->reason, false, 0);
	return true;
}

/* The 8259 pair and its ELCR (pic8259.h), byte-wide registers. */
static bool port_pic(const struct port_ctx *c, uint32_t *val)
{
	if (!c->bus->pic)
		return false;
	if (c->a->is_write)
		pic_io_write(c->bus->pic, c->a->port, (uint8_t)c->v);
	else
		*val = pic_io_read(c->bus->pic, c->a->port) | (c->mask & ~0xffu);
	return false;
}

/* Nothing decodes the port: reads float to all ones, writes go nowhere. */
static bool port_unhandled(const struct port_ctx *c, uint32_t *val)
{
	(void)c;
	(void)val;
	return false;
}

/* The CMOS RTC and NVRAM (cmos.h), byte-wide. */
static bool port_cmos(const struct port_ctx *c, uint32_t *val)
{
	if (!c->bus->cmos)
		return port_unhandled(c, val);
	if (c->a->is_write)
		cmos_write(c->bus->cmos, c->a->port, (uint8_t)c->v);
	else
		*val = cmos_read(c->bus->cmos, c->a->port, c->bus->now ? c->bus->now() : 0) |
		       (c->mask & ~0xffu);
	return false;
}

/* Configuration mechanism #1 (pci.h): 0xcf8 as a dword, 0xcfc-0xcff.
 * What the bus does not decode at 0xcf9 (a byte access) is the reset
 * control register, as on a PIIX4/ICH where both share the dword. */
static bool port_pci(const struct port_ctx *c, uint32_t *val)
{
	uint32_t v = c->v;

	if (c->bus->pci && pci_bus_io(c->bus->pci, c->a->port, c->a->size, c->a->is_write, &v)) {
		if (!c->a->is_write)
			*val = v & c->mask;
		return false;
	}
	if (c->a->port == 0x0cf9)
		return port_reset_on_write(c, val);
	return false;
}

/* The PIIX4 IDE function's ports (piix_ide.h): its legacy command and
 * control blocks, and the bus-master block at BAR4, which the guest may
 * move anywhere no row of the map claims (so the unhandled entry asks
 * too). Not decoded (the function disabled, a channel's decode off):
 * the port floats. */
static bool port_ide(const struct port_ctx *c, uint32_t *val)
{
	uint32_t v = c->v;

	if (c->bus->ide && piix_ide_io(c->bus->ide, c->a->port, c->a->size, c->a->is_write, &v) &&
	    !c->a->is_write)
		*val = v & c->mask;
	return false;
}

static const struct port_range port_map[] = {
	{ 0x0020, 0x0021, port_pic, 0, 0, NULL },
	{ 0x00a0, 0x00a1, port_pic, 0, 0, NULL },
	{ 0x04d0, 0x04d1, port_pic, 0, 0, NULL },
	{ 0x0070, 0x0071, port_cmos, 0, 0, NULL },
	/* i8042 command 0xfe pulses the CPU reset line (Linux
	 * arch/x86/kernel/reboot.c, BOOT_KBD). */
	{ 0x0064, 0x0064, port_reset_on_write, 0xff, 0xfe, "reset (i8042 pulse)" },
	{ 0x00f4, 0x00f4, port_debug_exit, 0, 0, NULL },
	{ COM1_BASE, COM1_BASE + 7, port_com1, 0, 0, NULL },
	/* PM1a control at 0x604 as QEMU places it: SLP_EN (bit 13) enters the
	 * sleep state, for a child power-off (ACPI spec, PM1 Control
	 * Register). */
	{ 0x0604, 0x0604, port_stop_on_write, 0x2000, 0x2000, "power off (ACPI S5)" },
	/* PCI configuration space, and in it the reset control register at
	 * 0xcf9: bit 2 starts the reset (Intel ICH "Reset Control Register";
	 * Linux reboot.c, BOOT_CF9). */
	{ 0x0cf8, 0x0cff, port_pci, 0x4, 0x4, "reset (port 0xcf9)" },
	/* The IDE channels in compatibility mode (ide.h, IDE_PRI_* and
	 * IDE_SEC_*). */
	{ 0x01f0, 0x01f7, port_ide, 0, 0, NULL },
	{ 0x03f6, 0x03f6, port_ide, 0, 0, NULL },
	{ 0x0170, 0x0177, port_ide, 0, 0, NULL },
	{ 0x0376, 0x0376, port_ide, 0, 0, NULL },
};
/* No row: a PCI I/O BAR may be there (the IDE bus-master block), else
 * nothing decodes the port. */
static const struct port_range port_none = { 0x0000, 0xffff, port_ide, 0, 0, NULL };

static const struct port_range *port_lookup(uint16_t port)
{
	for (unsigned i = 0; i < sizeof(port_map) / sizeof(port_map[0]); i++)
		if (port >= port_map[i].first && port <= port_map[i].last)
			return &port_map[i];
	return &port_none;
}

bool ports_access(const struct port_bus *bus, const struct port_access *a, uint32_t *val)
{
	uint32_t mask = a->size >= 4 ? 0xffffffffu : (1u << (a->size * 8)) - 1;
	const struct port_range *r = port_lookup(a->port);
	struct port_ctx c = { bus, a, r, mask, a->value & mask };

	*val = mask;                       /* an empty port reads all ones */
	return r->fn(&c, val);
}
