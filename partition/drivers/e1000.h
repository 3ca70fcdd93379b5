/*
 * e1000: driver for the Intel 82540EM Gigabit Ethernet controller (the
 * "e1000" that QEMU and Bochs emulate). Sections are cited as "SDM x.y"
 * from Intel's PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (8254x), rev. 4.0.
 *
 * Legacy descriptors, one 2,048-byte buffer per receive descriptor
 * (frames up to 1,522 bytes: no long packets), CRC stripped, broadcast
 * accepted, unicast to the station address (and promiscuous on request).
 * All hardware access goes through struct e1000_hooks (registers, DMA
 * memory, delays), so the same source runs in the parent and in the host
 * test against a register-level model; partition/pnic.c binds it to PCI
 * devices and switch ports. Errors are negative errno values; every wait has a bound.
 */
#ifndef PARENT_DRIVERS_E1000_H
#define PARENT_DRIVERS_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E1000_VENDOR 0x8086u
#define E1000_DEV_82540EM 0x100Eu

/* Registers (SDM 13.4, byte offsets into BAR 0). */
#define E1000_CTRL   0x0000u
#define E1000_STATUS 0x0008u
#define E1000_EERD   0x0014u
#define E1000_ICR    0x00C0u
#define E1000_IMS    0x00D0u
#define E1000_IMC    0x00D8u
#define E1000_RCTL   0x0100u
#define E1000_TCTL   0x0400u
#define E1000_TIPG   0x0410u
#define E1000_RDBAL  0x2800u
#define E1000_RDBAH  0x2804u
#define E1000_RDLEN  0x2808u
#define E1000_RDH    0x2810u
#define E1000_RDT    0x2818u
#define E1000_TDBAL  0x3800u
#define E1000_TDBAH  0x3804u
#define E1000_TDLEN  0x3808u
#define E1000_TDH    0x3810u
#define E1000_TDT    0x3818u
#define E1000_MTA    0x5200u  /* 128 words */
#define E1000_RAL0   0x5400u
#define E1000_RAH0   0x5404u

/* CTRL (SDM 13.4.1). */
#define E1000_CTRL_FD    (1u << 0)
#define E1000_CTRL_LRST  (1u << 3)
#define E1000_CTRL_ASDE  (1u << 5)
#define E1000_CTRL_SLU   (1u << 6)
#define E1000_CTRL_RST   (1u << 26)
#define E1000_CTRL_PHY_RST (1u << 31)
/* STATUS (SDM 13.4.2). */
#define E1000_STATUS_LU  (1u << 1)
#define E1000_STATUS_SPEED_SHIFT 6   /* 00 10, 01 100, 1x 1000 Mb/s */
/* EERD (SDM 13.4.4, 82540EM layout): start, done, address, data. */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE  (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16
/* Interrupt causes (SDM 13.4.17). */
#define E1000_ICR_TXDW   (1u << 0)
#define E1000_ICR_LSC    (1u << 2)
#define E1000_ICR_RXDMT0 (1u << 4)
#define E1000_ICR_RXO    (1u << 6)
#define E1000_ICR_RXT0   (1u << 7)
/* RCTL (SDM 13.4.22). */
#define E1000_RCTL_EN    (1u << 1)
#define E1000_RCTL_UPE   (1u << 3)
#define E1000_RCTL_MPE   (1u << 4)
#define E1000_RCTL_LPE   (1u << 5)
#define E1000_RCTL_BAM   (1u << 15)
#define E1000_RCTL_BSIZE_MASK (3u << 16) /* 00: 2,048 bytes with BSEX 0 */
#define E1000_RCTL_BSEX  (1u << 25)
#define E1000_RCTL_SECRC (1u << 26)
/* TCTL (SDM 13.4.33): enable, pad short packets, collision threshold
 * 0x0F and full-duplex collision distance 0x40 (the values SDM 14.5
 * recommends). */
#define E1000_TCTL_EN    (1u << 1)
#define E1000_TCTL_PSP   (1u << 3)
#define E1000_TCTL_CT    (0x0Fu << 4)
#define E1000_TCTL_COLD  (0x40u << 12)
/* TIPG for the 82540EM's copper PHY (SDM 13.4.34): IPGT 10, IPGR1 8,
 * IPGR2 6. */
#define E1000_TIPG_COPPER (10u | 8u << 10 | 6u << 20)
#define E1000_RAH_AV     (1u << 31)

/* Legacy receive descriptor (SDM 3.2.3). */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "SDM 3.2.3 receive descriptor");
#define E1000_RXD_DD  (1u << 0)
#define E1000_RXD_EOP (1u << 1)
/* Frame errors: CRC/alignment, symbol, sequence, carrier extension, RX
 * data error (the checksum bits are not errors of the frame). */
#define E1000_RXD_ERR_FRAME 0x97u

/* Legacy transmit descriptor (SDM 3.3.3). */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "SDM 3.3.3 transmit descriptor");
#define E1000_TXD_EOP  (1u << 0)
#define E1000_TXD_IFCS (1u << 1)
#define E1000_TXD_RS   (1u << 3)
#define E1000_TXD_DD   (1u << 0)

#define E1000_BUF_SIZE 2048u
#define E1000_FRAME_MAX 1522u  /* without CRC: 1,518 + an 802.1Q tag */
#define E1000_FRAME_MIN 14u

struct e1000_hooks {
	uint32_t (*rd)(void *ctx, uint32_t reg);
	void (*wr)(void *ctx, uint32_t reg, uint32_t val);
	/* Zeroed, physically contiguous, 16-byte aligned memory the device
	 * may DMA to; *phys is its bus address. NULL when out of memory. */
	void *(*dma_alloc)(void *ctx, size_t bytes, uint64_t *phys);
	void (*dma_free)(void *ctx, void *p, size_t bytes);
	void (*udelay)(void *ctx, unsigned us);
	void *ctx;
};

struct e1000_stats {
	uint64_t rx_frames, rx_bytes, rx_errors, rx_missed;
	uint64_t tx_frames, tx_bytes, tx_busy;
	uint64_t link_changes;
};

struct e1000 {
	struct e1000_hooks h;
	uint8_t mac[6];
	bool link_up;
	unsigned nrx, ntx;        /* descriptors, multiples of 8 */
	struct e1000_rx_desc *rx; /* ring */
	struct e1000_tx_desc *tx;
	uint8_t *rxbuf, *txbuf;   /* nrx / ntx buffers of E1000_BUF_SIZE */
	uint64_t rx_phys, tx_phys, rxbuf_phys, txbuf_phys;
	unsigned rx_next;         /* next descriptor the device fills */
	unsigned tx_tail, tx_clean; /* next to use, next to reclaim */
	bool rx_dropping;         /* inside a frame that spans descriptors */
	struct e1000_stats st;
};

typedef void (*e1000_rx_fn)(void *ctx, const uint8_t *frame, size_t len);

/* Reset the device, read the MAC from the EEPROM (or RAL0/RAH0 when the
 * EEPROM does not answer), set up nrx / ntx descriptors (8..4096,
 * multiples of 8), enable the receiver and transmitter and the RX, TX
 * and link-change interrupts. */
int e1000_init(struct e1000 *d, const struct e1000_hooks *h, unsigned nrx,
	       unsigned ntx);
void e1000_fini(struct e1000 *d);
/* Copy one frame into the next transmit buffer and hand it to the
 * device. -EAGAIN when the ring is full (after reclaiming), -EMSGSIZE,
 * -ENETDOWN when the link is down. */
int e1000_send(struct e1000 *d, const void *frame, size_t len);
/* Hand up to budget received frames to fn (0: all there are), giving
 * their descriptors back. Returns the number delivered. */
unsigned e1000_poll_rx(struct e1000 *d, e1000_rx_fn fn, void *ctx,
		       unsigned budget);
/* Read and acknowledge the interrupt causes (ICR reads clear, SDM
 * 13.4.17); a link change updates link_up. Returns the causes. Call from
 * the interrupt handler or when polling. */
uint32_t e1000_service(struct e1000 *d);
/* Unicast promiscuous mode (an external switch's port needs it). */
void e1000_set_promisc(struct e1000 *d, bool on);
/* The link's speed in Mb/s from STATUS (0 while the link is down). */
unsigned e1000_link_speed(struct e1000 *d);

#endif
