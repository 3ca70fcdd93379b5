/* The device section of a saved state: framing and all-or-nothing
 * restore (devstate.h; the layout is docs/vm-config.md "Saved state"). */
#include <errno.h>
#include <string.h>

#include "partition/devices/devstate.h"

/* Scratch for one section's records: the wire structs are too large
 * for the parent's stack. */
static struct {
	struct ds_uart uart;
	struct ds_pic pic;
	struct ds_cmos cmos;
	struct ds_pci pci;
	struct ds_ide_channel ide[2];
} W;

/* ---- The gen1 PCI functions (pci_gen1.h) ---- */

static const struct pci_func *gen1_fn(const struct pci_gen1 *g, unsigned i)
{
	const struct pci_func *f[DS_PCI_FUNCS] = { &g->host, &g->isa, &g->ide, &g->acpi };

	return f[i];
}

void pci_gen1_save(const struct pci_gen1 *g, struct ds_pci *w)
{
	memset(w, 0, sizeof(*w));
	w->config_address = g->bus.config_address;
	for (unsigned i = 0; i < DS_PCI_FUNCS; i++)
		memcpy(w->cfg[i], gen1_fn(g, i)->cfg, PCI_CFG_SIZE);
}

/* A configuration space software could have made from power-on: bits
 * outside the write mask as they were, write-1-to-clear bits set only
 * where they were set (nothing in the model sets them), PCI 3.0 §6.1-6.2.
 * g's own spaces carry the masks; the power-on values come from a fresh
 * build. */
static int fn_check(const struct pci_func *now, const struct pci_func *fresh,
		    const uint8_t *cfg)
{
	for (unsigned o = 0; o < PCI_CFG_SIZE; o++) {
		uint8_t fixed = (uint8_t)~(now->wmask[o] | now->w1cmask[o]);

		if ((cfg[o] ^ fresh->cfg[o]) & fixed)
			return -EINVAL;
		if (cfg[o] & ~fresh->cfg[o] & now->w1cmask[o] & ~now->wmask[o])
			return -EINVAL;
	}
	return 0;
}

int pci_gen1_check(const struct pci_gen1 *g, const struct ds_pci *w)
{
	static struct pci_gen1 fresh;

	/* CONFIG_ADDRESS keeps bits 31, 23:2 (pci.c CA_RW_MASK) */
	if ((w->config_address & ~0x80fffffcu) || w->pad)
		return -EINVAL;
	pci_gen1_init(&fresh);
	for (unsigned i = 0; i < DS_PCI_FUNCS; i++)
		if (fn_check(gen1_fn(g, i), gen1_fn(&fresh, i), w->cfg[i]))
			return -EINVAL;
	return 0;
}

int pci_gen1_restore(struct pci_gen1 *g, const struct ds_pci *w)
{
	struct pci_func *f[DS_PCI_FUNCS] = { &g->host, &g->isa, &g->ide, &g->acpi };

	if (pci_gen1_check(g, w))
		return -EINVAL;
	g->bus.config_address = w->config_address;
	for (unsigned i = 0; i < DS_PCI_FUNCS; i++)
		memcpy(f[i]->cfg, w->cfg[i], PCI_CFG_SIZE);
	return 0;
}

/* ---- The section ---- */

static const size_t rec_len[DS_T_MAX] = {
	[DS_T_UART] = sizeof(struct ds_uart), [DS_T_PIC] = sizeof(struct ds_pic),
	[DS_T_CMOS] = sizeof(struct ds_cmos), [DS_T_PCI] = sizeof(struct ds_pci),
	[DS_T_IDE0] = sizeof(struct ds_ide_channel), [DS_T_IDE1] = sizeof(struct ds_ide_channel),
};

static void *rec_slot(unsigned type)
{
	void *slot[DS_T_MAX] = { NULL, &W.uart, &W.pic, &W.cmos, &W.pci, &W.ide[0], &W.ide[1] };

	return type < DS_T_MAX ? slot[type] : NULL;
}

/* The records s has: UART, PIC, CMOS always; PCI and both IDE channels
 * with the gen1 bus. */
static unsigned last_type(const struct devstate_set *s)
{
	return s->pci && s->ide ? DS_T_IDE1 : DS_T_CMOS;
}

size_t devstate_size(const struct devstate_set *s)
{
	size_t n = sizeof(struct ds_hdr);

	for (unsigned t = DS_T_UART; t <= last_type(s); t++)
		n += sizeof(struct ds_rec) + rec_len[t];
	return n;
}

static void fill(const struct devstate_set *s)
{
	uart_save(s->uart, &W.uart);
	pic_save(s->pic, &W.pic);
	cmos_save(s->cmos, &W.cmos);
	if (last_type(s) == DS_T_IDE1) {
		pci_gen1_save(s->pci, &W.pci);
		ide_save(&s->ide->ch[0], &W.ide[0]);
		ide_save(&s->ide->ch[1], &W.ide[1]);
	}
}

int devstate_save(const struct devstate_set *s, uint8_t *buf, size_t cap, size_t *len)
{
	struct ds_hdr h = { DS_MAGIC, DS_VERSION, 0, 0 };
	size_t off = sizeof(h), total = devstate_size(s);

	if (total > cap || total > UINT32_MAX)
		return -ENOSPC;
	fill(s);
	for (unsigned t = DS_T_UART; t <= last_type(s); t++) {
		struct ds_rec r = { (uint16_t)t, 1, (uint32_t)rec_len[t] };

		memcpy(buf + off, &r, sizeof(r));
		memcpy(buf + off + sizeof(r), rec_slot(t), rec_len[t]);
		off += sizeof(r) + rec_len[t];
		h.nrecs++;
	}
	h.total = (uint32_t)total;
	memcpy(buf, &h, sizeof(h));
	*len = total;
	return 0;
}

/* Records into W: each type once, in order, with its exact length. */
static int parse(const struct devstate_set *s, const uint8_t *buf, size_t len)
{
	struct ds_hdr h;
	size_t off = sizeof(h);

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != DS_MAGIC || h.version != DS_VERSION || h.total != len ||
	    h.nrecs != last_type(s))
		return -EINVAL;
	for (unsigned t = DS_T_UART; t <= last_type(s); t++) {
		struct ds_rec r;

		if (len - off < sizeof(r))
			return -EINVAL;
		memcpy(&r, buf + off, sizeof(r));
		off += sizeof(r);
		if (r.type != t || r.version != 1 || r.len != rec_len[t] || len - off < r.len)
			return -EINVAL;
		memcpy(rec_slot(t), buf + off, r.len);
		off += r.len;
	}
	return off == len ? 0 : -EINVAL;
}

static int check_all(const struct devstate_set *s)
{
	if (uart_check(&W.uart) || pic_check(&W.pic) || cmos_check(&W.cmos))
		return -EINVAL;
	if (last_type(s) != DS_T_IDE1)
		return 0;
	if (pci_gen1_check(s->pci, &W.pci) || ide_check(&s->ide->ch[0], &W.ide[0]) ||
	    ide_check(&s->ide->ch[1], &W.ide[1]))
		return -EINVAL;
	return 0;
}

int devstate_restore(const struct devstate_set *s, const uint8_t *buf, size_t len)
{
	if (parse(s, buf, len) || check_all(s))
		return -EINVAL;
	/* every record passed: none of these can fail now */
	uart_restore(s->uart, &W.uart);
	pic_restore(s->pic, &W.pic);
	cmos_restore(s->cmos, &W.cmos);
	if (last_type(s) == DS_T_IDE1) {
		pci_gen1_restore(s->pci, &W.pci);
		ide_restore(&s->ide->ch[0], &W.ide[0]);
		ide_restore(&s->ide->ch[1], &W.ide[1]);
	}
	return 0;
}
