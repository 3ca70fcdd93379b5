/* e1000_model.h: a register-level model of the 82540EM for the driver's
 * host test: the registers the driver touches, the EEPROM behind EERD,
 * global reset, link state, interrupt causes (ICR read-to-clear, IMS,
 * IMC), and legacy descriptor DMA for both rings (SDM 3.2, 3.3) into
 * memory the test allocated. It also polices the driver: a violation
 * (a ring not a multiple of 128 bytes, a misaligned base, a tail out of
 * range, DMA outside allocated memory, a descriptor without EOP or
 * with a bad length) is counted with a reason. */
#ifndef E1000_MODEL_H
#define E1000_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partition/drivers/e1000.h"

#define EM_REGS (128u * 1024u / 4u)
#define EM_WIRE 64u
#define EM_REGIONS 16u

struct em_frame {
	uint32_t len;
	uint8_t data[2048];
};

struct e1000_model {
	uint32_t reg[EM_REGS];
	uint16_t eeprom[64];
	bool eeprom_dead;       /* EERD never completes */
	bool link;              /* cable plugged */
	bool reset_stuck;       /* CTRL.RST never clears */
	bool tx_stall;          /* the transmitter does not run */
	unsigned resets;
	/* what went out on the wire */
	struct em_frame wire[EM_WIRE];
	unsigned n_wire;        /* total; wire[] keeps the last EM_WIRE */
	unsigned missed;        /* frames the receiver had no room for */
	unsigned filtered;      /* frames the receive filter refused */
	unsigned violations;
	const char *why;
	struct { uint8_t *p; size_t n; } region[EM_REGIONS];
	unsigned n_region;
};

void em_init(struct e1000_model *m, const uint8_t mac[6]);
/* Hooks for the driver; ctx is the model. dma_alloc tracks regions. */
void em_hooks(struct e1000_model *m, struct e1000_hooks *h);
/* A frame arrives from the wire, through the receive filter (errors: the descriptor's error byte;
 * pieces > 1: split across that many descriptors, EOP on the last).
 * Returns 0, or -1 when it was dropped (receiver off, no descriptor). */
int em_receive(struct e1000_model *m, const uint8_t *f, uint32_t len,
	       uint8_t errors, unsigned pieces);
/* Plug or unplug the cable: STATUS.LU and an LSC interrupt cause. */
void em_set_link(struct e1000_model *m, bool up);
/* Run the transmitter now (after tx_stall is cleared). */
void em_tx_kick(struct e1000_model *m);
/* Device bug injection: the next received frame reports this length. */
extern uint32_t em_lie_length;

#endif
