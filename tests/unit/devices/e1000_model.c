/* e1000_model.c: see e1000_model.h. */
#include "tests/unit/devices/e1000_model.h"

#include <stdlib.h>
#include <string.h>

uint32_t em_lie_length;

static void bad(struct e1000_model *m, const char *why)
{
	m->violations++;
	m->why = why;
}

static uint32_t *R(struct e1000_model *m, uint32_t reg)
{
	return &m->reg[reg / 4u];
}

/* Host pointer for a DMA address, or NULL (and a violation) unless
 * [addr, addr + n) lies inside memory the driver got from dma_alloc. */
static uint8_t *dma(struct e1000_model *m, uint64_t addr, size_t n)
{
	for (unsigned i = 0; i < m->n_region; i++) {
		uintptr_t b = (uintptr_t)m->region[i].p;

		if (addr >= b && addr + n <= b + m->region[i].n)
			return (uint8_t *)(uintptr_t)addr;
	}
	bad(m, "DMA outside the driver's DMA memory");
	return NULL;
}

static void hw_reset(struct e1000_model *m)
{
	memset(m->reg, 0, sizeof(m->reg));
	m->resets++;
	*R(m, E1000_CTRL) = E1000_CTRL_FD | E1000_CTRL_ASDE;
}

void em_init(struct e1000_model *m, const uint8_t mac[6])
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 3; i++)
		m->eeprom[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
	m->link = true;
	hw_reset(m);
	m->resets = 0;
}

static void cause(struct e1000_model *m, uint32_t c)
{
	*R(m, E1000_ICR) |= c;
}

static uint32_t ring_n(struct e1000_model *m, uint32_t lenreg, uint32_t basereg)
{
	uint32_t len = *R(m, lenreg);
	uint64_t base = *R(m, basereg) | (uint64_t)*R(m, basereg + 4) << 32;

	if (len == 0 || len % 128u || base % 16u) {
		bad(m, "ring length not a multiple of 128 or base misaligned");
		return 0;
	}
	return len / 16u;
}

static void tx_run(struct e1000_model *m)
{
	uint32_t n = ring_n(m, E1000_TDLEN, E1000_TDBAL);
	uint64_t base = *R(m, E1000_TDBAL) | (uint64_t)*R(m, E1000_TDBAH) << 32;
	struct e1000_tx_desc *t;
	struct em_frame *f;

	if (!n || !(*R(m, E1000_TCTL) & E1000_TCTL_EN) || m->tx_stall)
		return;
	if (*R(m, E1000_TDT) >= n) {
		bad(m, "TDT beyond the ring");
		return;
	}
	while (*R(m, E1000_TDH) != *R(m, E1000_TDT)) {
		t = (struct e1000_tx_desc *)dma(m, base + *R(m, E1000_TDH) * 16u, 16);
		if (!t)
			return;
		f = &m->wire[m->n_wire % EM_WIRE];
		if (!(t->cmd & E1000_TXD_EOP) || t->length == 0 ||
		    t->length > sizeof(f->data))
			bad(m, "transmit descriptor without EOP or bad length");
		else if (dma(m, t->addr, t->length)) {
			memcpy(f->data, (void *)(uintptr_t)t->addr, t->length);
			f->len = t->length;
			m->n_wire++;
		}
		if (t->cmd & E1000_TXD_RS)
			t->status |= E1000_TXD_DD;
		*R(m, E1000_TDH) = (*R(m, E1000_TDH) + 1) % n;
	}
	cause(m, E1000_ICR_TXDW);
}

void em_tx_kick(struct e1000_model *m)
{
	tx_run(m);
}

/* The receive filter (SDM 13.4.22 RCTL, 13.5.2 RAL/RAH): broadcast with
 * BAM, multicast with MPE (the multicast table is not modelled: the
 * driver clears it), unicast to RAL0/RAH0 when AV, anything with UPE. */
static bool rx_accept(struct e1000_model *m, const uint8_t *f)
{
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t rctl = *R(m, E1000_RCTL), lo = *R(m, E1000_RAL0), hi = *R(m, E1000_RAH0);
	uint8_t ra[6] = { (uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16), (uint8_t)(lo >> 24),
			  (uint8_t)hi, (uint8_t)(hi >> 8) };

	if (!memcmp(f, all, 6))
		return rctl & E1000_RCTL_BAM;
	if (f[0] & 1)
		return rctl & E1000_RCTL_MPE;
	return (rctl & E1000_RCTL_UPE) || ((hi & E1000_RAH_AV) && !memcmp(f, ra, 6));
}

int em_receive(struct e1000_model *m, const uint8_t *f, uint32_t len,
	       uint8_t errors, unsigned pieces)
{
	uint32_t n = ring_n(m, E1000_RDLEN, E1000_RDBAL), off = 0;
	uint64_t base = *R(m, E1000_RDBAL) | (uint64_t)*R(m, E1000_RDBAH) << 32;

	if (!n || !(*R(m, E1000_RCTL) & E1000_RCTL_EN) || !m->link)
		return -1;
	if (len >= 6 && !rx_accept(m, f)) {
		m->filtered++;
		return -1;
	}
	for (unsigned p = 0; p < pieces; p++) {
		struct e1000_rx_desc *r;
		uint32_t chunk = p + 1 == pieces ? len - off : len / pieces;
		uint8_t *buf;

		if (*R(m, E1000_RDH) == *R(m, E1000_RDT)) {
			m->missed++;
			cause(m, E1000_ICR_RXO);
			return -1;
		}
		r = (struct e1000_rx_desc *)dma(m, base + *R(m, E1000_RDH) * 16u, 16);
		if (!r || !(buf = dma(m, r->addr, E1000_BUF_SIZE)))
			return -1;
		memcpy(buf, f + off, chunk);
		off += chunk;
		r->length = (uint16_t)(em_lie_length ? em_lie_length : chunk);
		em_lie_length = 0;
		r->errors = errors;
		r->status = E1000_RXD_DD | (p + 1 == pieces ? E1000_RXD_EOP : 0);
		*R(m, E1000_RDH) = (*R(m, E1000_RDH) + 1) % n;
	}
	cause(m, E1000_ICR_RXT0);
	return 0;
}

void em_set_link(struct e1000_model *m, bool up)
{
	m->link = up;
	if (*R(m, E1000_CTRL) & E1000_CTRL_SLU) {
		if (up)
			*R(m, E1000_STATUS) |= E1000_STATUS_LU;
		else
			*R(m, E1000_STATUS) &= ~E1000_STATUS_LU;
		cause(m, E1000_ICR_LSC);
	}
}

static uint32_t m_rd(void *ctx, uint32_t reg)
{
	struct e1000_model *m = ctx;
	uint32_t v;

	if (reg % 4u || reg >= sizeof(m->reg)) {
		bad(m, "register read out of BAR 0");
		return 0;
	}
	v = *R(m, reg);
	if (reg == E1000_ICR)
		*R(m, E1000_ICR) = 0;  /* read to clear (SDM 13.4.17) */
	return v;
}

static void eerd(struct e1000_model *m, uint32_t v)
{
	unsigned a = v >> E1000_EERD_ADDR_SHIFT & 0xFFu;

	if (!(v & E1000_EERD_START) || m->eeprom_dead) {
		*R(m, E1000_EERD) = v & ~E1000_EERD_DONE;
		return;
	}
	*R(m, E1000_EERD) = (v & 0xFFFFu) | E1000_EERD_DONE |
		(uint32_t)(a < 64 ? m->eeprom[a] : 0xFFFFu) << E1000_EERD_DATA_SHIFT;
}

static void m_wr(void *ctx, uint32_t reg, uint32_t v)
{
	struct e1000_model *m = ctx;

	if (reg % 4u || reg >= sizeof(m->reg)) {
		bad(m, "register write out of BAR 0");
		return;
	}
	switch (reg) {
	case E1000_CTRL:
		if (v & E1000_CTRL_RST) {
			hw_reset(m);
			if (m->reset_stuck)
				*R(m, E1000_CTRL) |= E1000_CTRL_RST;
			return;
		}
		*R(m, reg) = v;
		/* Auto-negotiation finishes at once when the cable is in. */
		if ((v & E1000_CTRL_SLU) && m->link)
			*R(m, E1000_STATUS) |= E1000_STATUS_LU;
		return;
	case E1000_EERD:
		eerd(m, v);
		return;
	case E1000_ICR:
		*R(m, reg) &= ~v;
		return;
	case E1000_IMS:
		*R(m, reg) |= v;
		return;
	case E1000_IMC:
		*R(m, E1000_IMS) &= ~v;
		return;
	case E1000_RDT:
		*R(m, reg) = v;
		if (v >= ring_n(m, E1000_RDLEN, E1000_RDBAL))
			bad(m, "RDT beyond the ring");
		return;
	case E1000_TDT:
		*R(m, reg) = v;
		tx_run(m);
		return;
	default:
		*R(m, reg) = v;
	}
}

static void *m_alloc(void *ctx, size_t n, uint64_t *phys)
{
	struct e1000_model *m = ctx;
	void *p;

	if (m->n_region == EM_REGIONS)
		return NULL;
	p = aligned_alloc(4096, (n + 4095u) & ~(size_t)4095u);
	if (!p)
		return NULL;
	memset(p, 0, n);
	m->region[m->n_region].p = p;
	m->region[m->n_region++].n = n;
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

static void m_free(void *ctx, void *p, size_t n)
{
	struct e1000_model *m = ctx;

	for (unsigned i = 0; i < m->n_region; i++)
		if (m->region[i].p == p) {
			if (m->region[i].n != n)
				bad(m, "dma_free with another size");
			m->region[i] = m->region[--m->n_region];
			free(p);
			return;
		}
	bad(m, "dma_free of unknown memory");
}

static void m_udelay(void *ctx, unsigned us)
{
	(void)ctx;
	(void)us;
}

void em_hooks(struct e1000_model *m, struct e1000_hooks *h)
{
	h->rd = m_rd;
	h->wr = m_wr;
	h->dma_alloc = m_alloc;
	h->dma_free = m_free;
	h->udelay = m_udelay;
	h->ctx = m;
}
