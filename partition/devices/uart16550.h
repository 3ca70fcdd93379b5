/*
 * 16550A UART device model (COM1 for child partitions,
 * docs/ARCHITECTURE.md rule 3).
 * Register behaviour follows the NS16550A / PC16550D datasheet ("Register
 * Description", tables 2-6). Transmit is instantaneous: each THR byte goes
 * straight to ops->tx, so LSR THRE and TEMT read back set after a write.
 * Receive: the host pushes bytes with uart_rx_push into a bounded queue of
 * UART_RXQ_CAP bytes that stands in for the receiver FIFO (the FIFO trigger
 * level decides between "data available" and "character timeout" in IIR).
 */
#ifndef PARTITION_DEVICES_UART16550_H
#define PARTITION_DEVICES_UART16550_H

#include <stddef.h>
#include <stdint.h>

/* Register offsets from the base port (datasheet table 2). */
#define UART_RBR 0   /* read, DLAB=0: receiver buffer */
#define UART_THR 0   /* write, DLAB=0: transmitter holding */
#define UART_DLL 0   /* DLAB=1: divisor latch low */
#define UART_IER 1   /* DLAB=0: interrupt enable */
#define UART_DLM 1   /* DLAB=1: divisor latch high */
#define UART_IIR 2   /* read: interrupt identification */
#define UART_FCR 2   /* write: FIFO control */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDA 0x01    /* received data available */
#define UART_IER_THRE 0x02   /* transmitter holding register empty */
#define UART_IER_RLS 0x04    /* receiver line status */
#define UART_IER_MS 0x08     /* modem status */

#define UART_IIR_NONE 0x01   /* bit 0 = 1: no interrupt pending */
#define UART_IIR_RLS 0x06
#define UART_IIR_RDA 0x04
#define UART_IIR_CTI 0x0c    /* character timeout (FIFO mode) */
#define UART_IIR_THRE 0x02
#define UART_IIR_MS 0x00
#define UART_IIR_FIFO 0xc0   /* bits 7:6 set when FIFOs are enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04
#define UART_FCR_TRIG_MASK 0xc0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_ERR_MASK 0x1e  /* OE PE FE BI: cleared by reading LSR */

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

#define UART_RXQ_CAP 4096       /* host → guest bytes held */

struct uart_ops {
	void (*tx)(void *ctx, uint8_t byte);   /* a byte the guest transmitted */
	void (*irq)(void *ctx, int level);     /* interrupt line changed */
};

struct uart {
	const struct uart_ops *ops;
	void *ctx;
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm, rbr;
	uint8_t thr_ipending;   /* THRE interrupt latched, cleared by IIR read / THR write */
	int irq_level;
	uint8_t rxq[UART_RXQ_CAP];
	size_t rx_head, rx_count;
};

void uart_init(struct uart *u, const struct uart_ops *ops, void *ctx);
uint8_t uart_io_read(struct uart *u, unsigned offset);
void uart_io_write(struct uart *u, unsigned offset, uint8_t v);
int uart_rx_push(struct uart *u, const uint8_t *buf, size_t n);

#endif
