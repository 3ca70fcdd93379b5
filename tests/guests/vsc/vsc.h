/* Shared between vsc's files: the SynIC transport in main.c, the
 * channel test in chan.c. */
#ifndef GUEST_VSC_H
#define GUEST_VSC_H
#include <stdint.h>
#include "hv/abi/tlfs.h"

extern uint64_t vsc_tsc_hz;
extern uint32_t vsc_signals;
void vsc_check(int ok, const char *what);
/* HvPostMessage of a VMBus message (type 1) on connection conn: status. */
uint16_t vsc_post(uint32_t conn, const void *msg, uint32_t len);
/* The next message in SIM slot 2 (slot freed, EOM if pending); 0 after
 * 4 seconds without one. */
int vsc_receive(struct hv_message *out);
/* Clear every event flag of SIEF slot 2 (before polling the rings). */
void vsc_take_events(void);
/* The next message in SIM slot 2 if one is there now (0 if not). */
int vsc_poll_msg(struct hv_message *out);
struct vmbus_client;
/* Integration services (ic.c): answer until a shutdown request. */
void vsc_serve(struct vmbus_client *c);
/* The channel test (chan.c): small 64-byte and big 64 KiB echoes. */
void vsc_channels(uint32_t small, uint32_t big);
#endif
