/*
 * 16550A UART model. Datasheet references are to the PC16550D / NS16550A
 * "Register Description" section (tables 2-6, sections 8.1-8.8).
 */
#include <errno.h>
#include <string.h>

#include "partition/devices/devstate.h"
#include "partition/devices/uart16550.h"

/* Loopback feeds the receiver FIFO: 16 bytes in FIFO mode, else the 1-byte RBR. */
#define UART_FIFO_LEN 16

static int fifo_on(const struct uart *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

/* FCR bits 7:6 receiver trigger level: 1, 4, 8 or 14 bytes (table 5). */
static size_t rx_trigger(const struct uart *u)
{
	static const size_t lv[4] = { 1, 4, 8, 14 };

	return lv[(u->fcr & UART_FCR_TRIG_MASK) >> 6];
}

/*
 * Modem inputs. Loopback (MCR bit 4, §8.6): CTS=RTS, DSR=DTR, RI=OUT1,
 * DCD=OUT2. Otherwise the host end is a connected line: CTS, DSR, DCD on.
 */
static uint8_t msr_inputs(const struct uart *u)
{
	uint8_t m = u->mcr, v = 0;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	if (m & UART_MCR_RTS)
		v |= UART_MSR_CTS;
	if (m & UART_MCR_DTR)
		v |= UART_MSR_DSR;
	if (m & UART_MCR_OUT1)
		v |= UART_MSR_RI;
	if (m & UART_MCR_OUT2)
		v |= UART_MSR_DCD;
	return v;
}

/* MSR bits 3:0 latch changes (§8.8); TERI only on RI going inactive. */
static void msr_update(struct uart *u)
{
	uint8_t old = u->msr & 0xf0, now = msr_inputs(u), d = u->msr & 0x0f;

	if ((old ^ now) & UART_MSR_CTS)
		d |= UART_MSR_DCTS;
	if ((old ^ now) & UART_MSR_DSR)
		d |= UART_MSR_DDSR;
	if ((old ^ now) & UART_MSR_DCD)
		d |= UART_MSR_DDCD;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		d |= UART_MSR_TERI;
	u->msr = now | d;
}

/*
 * IIR (table 4), highest priority first: receiver line status, received
 * data (or character timeout in FIFO mode below the trigger level; the
 * model has no character clock, so the timeout is reported at once), THR
 * empty, modem status. Bits 7:6 mirror FCR0.
 */
static uint8_t iir_value(const struct uart *u)
{
	uint8_t v = UART_IIR_NONE;

	if ((u->ier & UART_IER_RLS) && (u->lsr & UART_LSR_ERR_MASK))
		v = UART_IIR_RLS;
	else if ((u->ier & UART_IER_RDA) && u->rx_count)
		v = fifo_on(u) && u->rx_count < rx_trigger(u) ? UART_IIR_CTI
							       : UART_IIR_RDA;
	else if ((u->ier & UART_IER_THRE) && u->thr_ipending)
		v = UART_IIR_THRE;
	else if ((u->ier & UART_IER_MS) && (u->msr & 0x0f))
		v = UART_IIR_MS;
	return v | (fifo_on(u) ? UART_IIR_FIFO : 0);
}

/* The PC wires INTR through OUT2 (MCR bit 3); loopback disconnects it (§8.6). */
static void irq_update(struct uart *u)
{
	int level = !(iir_value(u) & UART_IIR_NONE) && (u->mcr & UART_MCR_OUT2) &&
		    !(u->mcr & UART_MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->ops && u->ops->irq)
			u->ops->irq(u->ctx, level);
	}
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static void rx_put(struct uart *u, uint8_t b)
{
	u->rxq[(u->rx_head + u->rx_count) % UART_RXQ_CAP] = b;
	u->rx_count++;
}

void uart_init(struct uart *u, const struct uart_ops *ops, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->ops = ops;
	u->ctx = ctx;
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;   /* reset state, table 6 */
	u->dll = 12;                              /* 9600 baud at 1.8432 MHz */
	msr_update(u);
	u->msr &= 0xf0;                           /* no deltas at reset */
}

static uint8_t rbr_read(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rxq[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_RXQ_CAP;
		u->rx_count--;
	}
	return u->rbr;              /* empty: the last byte stays in RBR */
}

uint8_t uart_io_read(struct uart *u, unsigned offset)
{
	uint8_t v = 0;

	switch (offset & 7) {
	case UART_RBR:
		v = (u->lcr & UART_LCR_DLAB) ? u->dll : rbr_read(u);
		break;
	case UART_IER:
		v = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = iir_value(u);
		if ((v & 0x0f) == UART_IIR_THRE)   /* reading IIR clears THRE (table 4) */
			u->thr_ipending = 0;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:                            /* reading clears OE PE FE BI */
		v = u->lsr | (u->rx_count ? UART_LSR_DR : 0);
		u->lsr &= (uint8_t)~UART_LSR_ERR_MASK;
		break;
	case UART_MSR:                            /* reading clears the deltas */
		v = u->msr;
		u->msr &= 0xf0;
		break;
	default:
		v = u->scr;
		break;
	}
	irq_update(u);
	return v;
}

/* A transmitted byte: to the host, or back to the receiver in loopback. */
static void thr_write(struct uart *u, uint8_t v)
{
	size_t lim = fifo_on(u) ? UART_FIFO_LEN : 1;

	if (u->mcr & UART_MCR_LOOP) {
		if (u->rx_count >= lim)
			u->lsr |= UART_LSR_OE;       /* overrun: new byte lost (§8.4) */
		else
			rx_put(u, v);
	} else if (u->ops && u->ops->tx) {
		u->ops->tx(u->ctx, v);
	}
	/* transmission is instantaneous: THR and shift register empty again */
	u->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
	u->thr_ipending = 1;
}

/* FCR (table 5): toggling FCR0 or setting bit 1 clears the receive FIFO. */
static void fcr_write(struct uart *u, uint8_t v)
{
	if (((v ^ u->fcr) & UART_FCR_ENABLE) || (v & UART_FCR_CLR_RX))
		rx_clear(u);
	u->fcr = (v & UART_FCR_ENABLE) ? (uint8_t)(v & (UART_FCR_ENABLE |
							UART_FCR_TRIG_MASK)) : 0;
}

void uart_io_write(struct uart *u, unsigned offset, uint8_t v)
{
	uint8_t old;

	switch (offset & 7) {
	case UART_THR:
		if (u->lcr & UART_LCR_DLAB)
			u->dll = v;
		else
			thr_write(u, v);
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
			break;
		}
		old = u->ier;
		u->ier = v & 0x0f;
		/* enabling ETBEI with THR empty raises THRE at once (8250 behaviour) */
		if (!(old & UART_IER_THRE) && (u->ier & UART_IER_THRE) &&
		    (u->lsr & UART_LSR_THRE))
			u->thr_ipending = 1;
		break;
	case UART_FCR:
		fcr_write(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & UART_MCR_MASK;
		msr_update(u);
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default:                 /* LSR and MSR writes: factory test only, ignored */
		break;
	}
	irq_update(u);
}

int uart_rx_push(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t i, room = UART_RXQ_CAP - u->rx_count;

	if (u->mcr & UART_MCR_LOOP)   /* SIN is disconnected in loopback (§8.6) */
		return 0;
	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		rx_put(u, buf[i]);
	irq_update(u);
	return (int)n;
}

/* ---- Saved state (devstate.h) ---- */

void uart_save(const struct uart *u, struct ds_uart *w)
{
	memset(w, 0, sizeof(*w));
	w->ier = u->ier; w->lcr = u->lcr; w->mcr = u->mcr; w->lsr = u->lsr;
	w->msr = u->msr; w->scr = u->scr; w->fcr = u->fcr; w->dll = u->dll;
	w->dlm = u->dlm; w->rbr = u->rbr;
	w->thr_ipending = u->thr_ipending;
	w->irq_level = (uint8_t)u->irq_level;
	w->rx_count = (uint32_t)u->rx_count;
	for (size_t i = 0; i < u->rx_count; i++)
		w->rxq[i] = u->rxq[(u->rx_head + i) % UART_RXQ_CAP];
}

/* What the registers can hold: IER's low nibble (table 3), MCR's five
 * bits, FCR as fcr_write keeps it, LSR without DR (computed from the
 * queue) or bit 7 and with THRE and TEMT, the MSR's inputs as the MCR
 * makes them (§8.6, §8.8). */
static int uart_check_regs(const struct ds_uart *w)
{
	struct uart t = { .mcr = w->mcr };
	uint8_t fcr_ok = (uint8_t)(UART_FCR_ENABLE | UART_FCR_TRIG_MASK);

	if ((w->ier & ~0x0f) || (w->mcr & ~UART_MCR_MASK))
		return -EINVAL;
	if ((w->fcr & ~fcr_ok) || ((w->fcr & UART_FCR_TRIG_MASK) && !(w->fcr & UART_FCR_ENABLE)))
		return -EINVAL;
	if (w->lsr & (UART_LSR_DR | 0x80) || w->thr_ipending > 1 || w->irq_level > 1)
		return -EINVAL;
	/* transmission is instantaneous: THR and TEMT are always empty */
	if ((w->lsr & (UART_LSR_THRE | UART_LSR_TEMT)) != (UART_LSR_THRE | UART_LSR_TEMT))
		return -EINVAL;
	return (w->msr & 0xf0) == msr_inputs(&t) ? 0 : -EINVAL;
}

int uart_check(const struct ds_uart *w)
{
	struct uart t;

	if (uart_check_regs(w) || w->rx_count > UART_RXQ_CAP)
		return -EINVAL;
	for (size_t i = w->rx_count; i < UART_RXQ_CAP; i++)
		if (w->rxq[i])
			return -EINVAL;             /* bytes past the queue: not ours */
	memset(&t, 0, sizeof(t));
	t.ier = w->ier; t.mcr = w->mcr; t.lsr = w->lsr; t.msr = w->msr; t.fcr = w->fcr;
	t.thr_ipending = w->thr_ipending;
	t.rx_count = w->rx_count;
	/* the line is what irq_update would make it */
	return (!(iir_value(&t) & UART_IIR_NONE) && (t.mcr & UART_MCR_OUT2) &&
		!(t.mcr & UART_MCR_LOOP)) == w->irq_level ? 0 : -EINVAL;
}

int uart_restore(struct uart *u, const struct ds_uart *w)
{
	if (uart_check(w))
		return -EINVAL;
	u->ier = w->ier; u->lcr = w->lcr; u->mcr = w->mcr; u->lsr = w->lsr;
	u->msr = w->msr; u->scr = w->scr; u->fcr = w->fcr; u->dll = w->dll;
	u->dlm = w->dlm; u->rbr = w->rbr;
	u->thr_ipending = w->thr_ipending;
	u->irq_level = w->irq_level;
	memcpy(u->rxq, w->rxq, sizeof(u->rxq));
	u->rx_head = 0;
	u->rx_count = w->rx_count;
	return 0;
}
