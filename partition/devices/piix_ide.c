/*
 * piix_ide: port decode of the PIIX4 IDE function (piix_ide.h).
 */
#include "partition/devices/piix_ide.h"
#include "partition/devices/pci_gen1.h"

static const struct {
	uint16_t cmd, ctl;
	unsigned irq, idetim;
} legacy[2] = {
	{ IDE_PRI_CMD, IDE_PRI_CTL, IDE_PRI_IRQ, PIIX4_IDETIM_PRI },
	{ IDE_SEC_CMD, IDE_SEC_CTL, IDE_SEC_IRQ, PIIX4_IDETIM_SEC },
};

void piix_ide_init(struct piix_ide *p, struct pci_func *pci,
		   const struct ide_host_ops *ops, void *ctx)
{
	unsigned i;

	p->pci = pci;
	for (i = 0; i < 2; i++)
		ide_init(&p->ch[i], ops, ctx, legacy[i].irq);
}

/* Follows the bus-master enable bit; a DMA the guest set up while it was
 * clear runs once it is set. */
static void sync_master(struct piix_ide *p)
{
	bool on = pci_cfg_read(p->pci, PCI_COMMAND, 2) & PCI_CMD_MASTER;
	unsigned i;

	for (i = 0; i < 2; i++) {
		bool was = p->ch[i].bm.enabled;

		p->ch[i].bm.enabled = on;
		if (on && !was)
			ide_bm_kick(&p->ch[i]);
	}
}

static bool legacy_io(struct piix_ide *p, unsigned c, uint16_t port, unsigned size,
		      bool is_write, uint32_t *val)
{
	struct ide_channel *ch = &p->ch[c];

	if (!(pci_cfg_read(p->pci, legacy[c].idetim, 2) & PIIX4_IDETIM_DECODE))
		return false;
	if (port >= legacy[c].cmd && port <= legacy[c].cmd + 7) {
		if (is_write)
			ide_cmd_write(ch, port - legacy[c].cmd, size, *val);
		else
			*val = ide_cmd_read(ch, port - legacy[c].cmd, size);
		return true;
	}
	if (port != legacy[c].ctl)
		return false;
	if (is_write)
		ide_ctl_write(ch, (uint8_t)*val);
	else
		*val = ide_ctl_read(ch) | (size > 1 ? 0xffffff00u : 0);
	return true;
}

/* BAR4 at base 0 is unassigned: decoding it would take the 8237's ports. */
static bool bm_io(struct piix_ide *p, uint16_t port, unsigned size, bool is_write,
		  uint32_t *val)
{
	uint32_t base = pci_cfg_read(p->pci, PIIX4_IDE_BMIBA, 4) & 0xfff0u;
	struct ide_channel *ch;

	if (base == 0 || port < base || port >= base + GEN1_BM_SIZE)
		return false;
	ch = &p->ch[(port - base) / 8];
	if (is_write)
		ide_bm_write(ch, (port - base) % 8, size, *val);
	else
		*val = ide_bm_read(ch, (port - base) % 8, size);
	return true;
}

bool piix_ide_io(struct piix_ide *p, uint16_t port, unsigned size, bool is_write,
		 uint32_t *val)
{
	unsigned c;

	if (!(pci_cfg_read(p->pci, PCI_COMMAND, 2) & PCI_CMD_IO))
		return false;
	sync_master(p);
	for (c = 0; c < 2; c++)
		if (legacy_io(p, c, port, size, is_write, val))
			return true;
	return bm_io(p, port, size, is_write, val);
}
