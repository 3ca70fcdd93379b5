/*
 * Intel 82540EM driver (see e1000.h). Initialisation follows SDM 14
 * ("General Initialization and Reset Operation"): global reset, link set
 * up by auto-negotiation with SLU, station address, multicast table
 * cleared, receive (SDM 14.4) and transmit (SDM 14.5) rings, then the
 * interrupt mask. Descriptors are written before the tail register that
 * hands them to the device, with a compiler barrier between (the parent
 * is x86: stores are not reordered with stores, and uncached MMIO writes
 * are ordered after earlier write-back stores).
 */
#include "partition/drivers/e1000.h"

#include <errno.h>
#include <string.h>

#define E1000_RESET_WAIT_US 10000u  /* SDM 14.1: wait >= 1 us; be generous */
#define E1000_EERD_TRIES 1000u

static inline void wmb_compiler(void)
{
	__asm__ volatile("" ::: "memory");
}

static uint32_t rd(struct e1000 *d, uint32_t reg)
{
	return d->h.rd(d->h.ctx, reg);
}

static void wr(struct e1000 *d, uint32_t reg, uint32_t v)
{
	d->h.wr(d->h.ctx, reg, v);
}

/* One EEPROM word through EERD (SDM 5.3.1, 13.4.4); -ETIMEDOUT when the
 * device never says done. */
static int eeprom_word(struct e1000 *d, unsigned addr, uint16_t *out)
{
	wr(d, E1000_EERD, E1000_EERD_START | addr << E1000_EERD_ADDR_SHIFT);
	for (unsigned i = 0; i < E1000_EERD_TRIES; i++) {
		uint32_t v = rd(d, E1000_EERD);

		if (v & E1000_EERD_DONE) {
			*out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
			return 0;
		}
		d->h.udelay(d->h.ctx, 1);
	}
	return -ETIMEDOUT;
}

/* The MAC: EEPROM words 0..2 (SDM 5.6.1), else what the firmware left in
 * RAL0/RAH0 (valid only with AV). */
static int read_mac(struct e1000 *d)
{
	uint16_t w[3];
	uint32_t lo, hi;

	if (!eeprom_word(d, 0, &w[0]) && !eeprom_word(d, 1, &w[1]) &&
	    !eeprom_word(d, 2, &w[2])) {
		for (int i = 0; i < 3; i++) {
			d->mac[2 * i] = (uint8_t)w[i];
			d->mac[2 * i + 1] = (uint8_t)(w[i] >> 8);
		}
		return 0;
	}
	lo = rd(d, E1000_RAL0);
	hi = rd(d, E1000_RAH0);
	if (!(hi & E1000_RAH_AV))
		return -ENODEV;
	for (int i = 0; i < 4; i++)
		d->mac[i] = (uint8_t)(lo >> (8 * i));
	d->mac[4] = (uint8_t)hi;
	d->mac[5] = (uint8_t)(hi >> 8);
	return 0;
}

static int reset(struct e1000 *d)
{
	wr(d, E1000_IMC, 0xFFFFFFFFu);   /* SDM 14.1: mask before reset */
	wr(d, E1000_CTRL, rd(d, E1000_CTRL) | E1000_CTRL_RST);
	d->h.udelay(d->h.ctx, E1000_RESET_WAIT_US);
	if (rd(d, E1000_CTRL) & E1000_CTRL_RST)
		return -EIO;              /* RST self-clears (SDM 13.4.1) */
	wr(d, E1000_IMC, 0xFFFFFFFFu);   /* and again after it */
	(void)rd(d, E1000_ICR);
	return 0;
}

static int rings_alloc(struct e1000 *d)
{
	d->rx = d->h.dma_alloc(d->h.ctx, d->nrx * sizeof(*d->rx), &d->rx_phys);
	d->tx = d->h.dma_alloc(d->h.ctx, d->ntx * sizeof(*d->tx), &d->tx_phys);
	d->rxbuf = d->h.dma_alloc(d->h.ctx, (size_t)d->nrx * E1000_BUF_SIZE,
				  &d->rxbuf_phys);
	d->txbuf = d->h.dma_alloc(d->h.ctx, (size_t)d->ntx * E1000_BUF_SIZE,
				  &d->txbuf_phys);
	return d->rx && d->tx && d->rxbuf && d->txbuf ? 0 : -ENOMEM;
}

/* SDM 14.4: ring, head 0, tail at the last descriptor (all but one owned
 * by the device: head == tail means empty). */
static void rx_setup(struct e1000 *d)
{
	for (unsigned i = 0; i < d->nrx; i++)
		d->rx[i].addr = d->rxbuf_phys + (uint64_t)i * E1000_BUF_SIZE;
	wr(d, E1000_RDBAL, (uint32_t)d->rx_phys);
	wr(d, E1000_RDBAH, (uint32_t)(d->rx_phys >> 32));
	wr(d, E1000_RDLEN, d->nrx * (uint32_t)sizeof(*d->rx));
	wr(d, E1000_RDH, 0);
	wmb_compiler();
	wr(d, E1000_RDT, d->nrx - 1);
	d->rx_next = 0;
	wr(d, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
}

/* SDM 14.5. */
static void tx_setup(struct e1000 *d)
{
	wr(d, E1000_TDBAL, (uint32_t)d->tx_phys);
	wr(d, E1000_TDBAH, (uint32_t)(d->tx_phys >> 32));
	wr(d, E1000_TDLEN, d->ntx * (uint32_t)sizeof(*d->tx));
	wr(d, E1000_TDH, 0);
	wr(d, E1000_TDT, 0);
	d->tx_tail = d->tx_clean = 0;
	wr(d, E1000_TIPG, E1000_TIPG_COPPER);
	wr(d, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT |
	   E1000_TCTL_COLD);
}

static void station_setup(struct e1000 *d)
{
	wr(d, E1000_RAL0, (uint32_t)d->mac[0] | (uint32_t)d->mac[1] << 8 |
	   (uint32_t)d->mac[2] << 16 | (uint32_t)d->mac[3] << 24);
	wr(d, E1000_RAH0, (uint32_t)d->mac[4] | (uint32_t)d->mac[5] << 8 |
	   E1000_RAH_AV);
	for (unsigned i = 0; i < 128; i++)
		wr(d, E1000_MTA + 4u * i, 0);
}

int e1000_init(struct e1000 *d, const struct e1000_hooks *h, unsigned nrx,
	       unsigned ntx)
{
	int err;

	if (!d || !h || !h->rd || !h->wr || !h->dma_alloc || !h->dma_free ||
	    !h->udelay || nrx < 8 || ntx < 8 || nrx > 4096 || ntx > 4096 ||
	    nrx % 8 || ntx % 8)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->h = *h;
	d->nrx = nrx;
	d->ntx = ntx;
	err = reset(d);
	if (!err)
		err = read_mac(d);
	if (!err)
		err = rings_alloc(d);
	if (err)
		goto fail;
	/* SDM 14.3: auto-negotiation with set link up; no PHY reset. */
	wr(d, E1000_CTRL, (rd(d, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE) &
	   ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST));
	station_setup(d);
	rx_setup(d);
	tx_setup(d);
	d->link_up = rd(d, E1000_STATUS) & E1000_STATUS_LU;
	wr(d, E1000_IMS, E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 |
	   E1000_ICR_TXDW | E1000_ICR_LSC);
	return 0;
fail:
	e1000_fini(d);
	return err;
}

void e1000_fini(struct e1000 *d)
{
	if (!d->h.dma_free)
		return;
	if (d->h.wr && (d->rx || d->tx)) {
		wr(d, E1000_IMC, 0xFFFFFFFFu);
		wr(d, E1000_RCTL, 0);
		wr(d, E1000_TCTL, 0);
	}
	if (d->rx)
		d->h.dma_free(d->h.ctx, d->rx, d->nrx * sizeof(*d->rx));
	if (d->tx)
		d->h.dma_free(d->h.ctx, d->tx, d->ntx * sizeof(*d->tx));
	if (d->rxbuf)
		d->h.dma_free(d->h.ctx, d->rxbuf, (size_t)d->nrx * E1000_BUF_SIZE);
	if (d->txbuf)
		d->h.dma_free(d->h.ctx, d->txbuf, (size_t)d->ntx * E1000_BUF_SIZE);
	d->rx = NULL;
	d->tx = NULL;
	d->rxbuf = d->txbuf = NULL;
}

/* Descriptors the device has finished (DD) go back to the driver. */
static void tx_reclaim(struct e1000 *d)
{
	while (d->tx_clean != d->tx_tail &&
	       (((volatile struct e1000_tx_desc *)d->tx)[d->tx_clean].status &
		E1000_TXD_DD))
		d->tx_clean = (d->tx_clean + 1) % d->ntx;
}

int e1000_send(struct e1000 *d, const void *frame, size_t len)
{
	unsigned i = d->tx_tail, next = (i + 1) % d->ntx;
	struct e1000_tx_desc *t = &d->tx[i];

	if (len < E1000_FRAME_MIN || len > E1000_FRAME_MAX)
		return -EMSGSIZE;
	if (!d->link_up)
		return -ENETDOWN;
	tx_reclaim(d);
	if (next == d->tx_clean) {  /* one slot always free: full != empty */
		d->st.tx_busy++;
		return -EAGAIN;
	}
	memcpy(d->txbuf + (size_t)i * E1000_BUF_SIZE, frame, len);
	t->addr = d->txbuf_phys + (uint64_t)i * E1000_BUF_SIZE;
	t->length = (uint16_t)len;
	t->cso = 0;
	t->css = 0;
	t->special = 0;
	t->status = 0;
	/* End of packet, insert the FCS, report status (DD) when done. */
	t->cmd = E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS;
	wmb_compiler();
	d->tx_tail = next;
	wr(d, E1000_TDT, next);
	d->st.tx_frames++;
	d->st.tx_bytes += len;
	return 0;
}

/* Gives descriptor i back to the device (SDM 3.2.6: software moves the
 * tail; the descriptor is clean first). */
static void rx_give_back(struct e1000 *d, unsigned i)
{
	struct e1000_rx_desc *r = &d->rx[i];

	r->status = 0;
	r->errors = 0;
	r->length = 0;
	r->addr = d->rxbuf_phys + (uint64_t)i * E1000_BUF_SIZE;
	wmb_compiler();
	wr(d, E1000_RDT, i);
}

/* One completed descriptor: deliver or drop. The device's length is
 * trusted no further than the buffer and the frame limits. */
static void rx_one(struct e1000 *d, const struct e1000_rx_desc *r,
		   unsigned i, e1000_rx_fn fn, void *ctx)
{
	bool eop = r->status & E1000_RXD_EOP;
	uint16_t len = r->length;

	if (d->rx_dropping || !eop) {
		/* A frame longer than one buffer (we never enable long
		 * packets): drop every piece up to its end. */
		d->rx_dropping = !eop;
		if (eop)
			d->st.rx_errors++;
		return;
	}
	if ((r->errors & E1000_RXD_ERR_FRAME) || len < E1000_FRAME_MIN ||
	    len > E1000_FRAME_MAX) {
		d->st.rx_errors++;
		return;
	}
	d->st.rx_frames++;
	d->st.rx_bytes += len;
	fn(ctx, d->rxbuf + (size_t)i * E1000_BUF_SIZE, len);
}

unsigned e1000_poll_rx(struct e1000 *d, e1000_rx_fn fn, void *ctx,
		       unsigned budget)
{
	unsigned n = 0;

	while (!budget || n < budget) {
		unsigned i = d->rx_next;
		struct e1000_rx_desc r;

		/* Copy the descriptor once DD is seen (SDM 3.2.3: the
		 * other fields are valid when DD is set). */
		if (!(((volatile struct e1000_rx_desc *)d->rx)[i].status &
		      E1000_RXD_DD))
			break;
		__asm__ volatile("" ::: "memory");
		memcpy(&r, &d->rx[i], sizeof(r));
		rx_one(d, &r, i, fn, ctx);
		rx_give_back(d, i);
		d->rx_next = (i + 1) % d->nrx;
		n++;
	}
	return n;
}

uint32_t e1000_service(struct e1000 *d)
{
	uint32_t icr = rd(d, E1000_ICR);
	bool up;

	if (icr & E1000_ICR_LSC) {
		up = rd(d, E1000_STATUS) & E1000_STATUS_LU;
		if (up != d->link_up)
			d->st.link_changes++;
		d->link_up = up;
	}
	if (icr & E1000_ICR_RXO)
		d->st.rx_missed++;
	if (icr & E1000_ICR_TXDW)
		tx_reclaim(d);
	return icr;
}

void e1000_set_promisc(struct e1000 *d, bool on)
{
	uint32_t v = rd(d, E1000_RCTL);

	wr(d, E1000_RCTL, on ? v | E1000_RCTL_UPE | E1000_RCTL_MPE :
	   v & ~(E1000_RCTL_UPE | E1000_RCTL_MPE));
}

/* STATUS.SPEED (SDM 13.4.2): 00b 10 Mb/s, 01b 100 Mb/s, 10b and 11b
 * 1000 Mb/s; meaningful only with LU. */
unsigned e1000_link_speed(struct e1000 *d)
{
	static const unsigned mbps[4] = { 10, 100, 1000, 1000 };
	uint32_t st = rd(d, E1000_STATUS);

	if (!(st & E1000_STATUS_LU))
		return 0;
	return mbps[(st >> E1000_STATUS_SPEED_SHIFT) & 3u];
}
