/*
 * ports: the I/O port map of a child partition, decoded through one table
 * (docs/child-platform.md, "I/O ports"). Portable: the device models it
 * reaches are handed in, so the host tests can drive it.
 */
#ifndef PARTITION_DEVICES_PORTS_H
#define PARTITION_DEVICES_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/devices/cmos.h"
#include "partition/devices/pci.h"
#include "partition/devices/pic8259.h"
#include "partition/devices/piix_ide.h"
#include "partition/devices/uart16550.h"

/* One port access as hv forwarded it: size 1, 2 or 4 bytes. */
struct port_access {
	uint16_t port;
	uint8_t size;
	bool is_write;
	uint32_t value;              /* written value (OUT) */
};

/* The child's machine: its COM1, its 8259 pair and how to stop it. */
struct port_bus {
	struct uart *com1;
	/* Stops the child; has_code: exit_code is the child's exit code. */
	void (*stop)(void *ctx, const char *reason, bool has_code, uint32_t exit_code);
	void *ctx;
	struct pic8259 *pic;          /* NULL: nothing at the PIC ports */
	struct cmos *cmos;            /* NULL: nothing at 0x70/0x71 */
	int64_t (*now)(void);         /* the host's time, seconds since 1970 (UTC) */
	/* The guest pulled the reset line (i8042, port 0xcf9, the FADT's
	 * reset register): the VM restarts, as Hyper-V restarts a VM whose
	 * guest reboots. NULL: a reset stops the child like power-off. */
	void (*reset)(void *ctx, const char *reason);
	/* The gen1 PCI bus (0xcf8/0xcfc) and its PIIX4 IDE function (the
	 * legacy IDE ports and the bus-master block wherever BAR4 puts it).
	 * NULL: nothing there, the ports float. */
	struct pci_bus *pci;
	struct piix_ide *ide;
};

/* Emulates one access. *val is what an IN returns (masked to its size);
 * returns true when the access stopped or reset the child. */
bool ports_access(const struct port_bus *bus, const struct port_access *a, uint32_t *val);

#endif
