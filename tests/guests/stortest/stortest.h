/* Shared between stortest's files: the SynIC transport and VMBus client
 * (main.c), the VSTOR client (vstor.c), the checks (io.c, hostile.c). */
#ifndef GUEST_STORTEST_H
#define GUEST_STORTEST_H
#include <stdint.h>
#include "storage/storvsp/vstor.h"
#include "vmbus/chan.h"
#include "vmbus/pkt.h"

#define ST_LBSZ 512u
#define ST_IO_BYTES (64u * 1024u)

extern uint64_t st_tsc_hz;
/* The data buffer the honest requests use (page-aligned, paging off:
 * its address is its GPA). */
extern uint8_t st_buf[ST_IO_BYTES];

void st_check(int ok, const char *what);

/* One VSTOR exchange's outcome: the completion packet, or got == 0 when
 * none came within 4 seconds (or the channel broke). */
struct st_reply {
	int got;
	uint32_t len;              /* VSTOR bytes of the completion */
	struct vstor_packet pkt;
};

/* vstor.c: the channel and its requests. */
struct vmbus_chan *st_chan(void);
void st_set_chan(struct vmbus_chan *ch);
uint64_t st_next_tid(void);
/* Sends a VSTOR packet of len bytes in band and waits for its completion. */
int st_inband(const struct vstor_packet *p, uint32_t len, struct st_reply *r);
/* Sends raw (a whole packet, descriptor included, built by the caller)
 * and waits for the completion of tid. */
int st_raw(const void *pkt, uint32_t len, uint64_t tid, struct st_reply *r);
/* Waits for the completion of tid (4 s). */
int st_wait(uint64_t tid, struct st_reply *r);
/* BEGIN_INITIALIZATION .. END_INITIALIZATION as storvsc_channel_init:
 * 0, or the step that failed (printed). */
int st_init(uint32_t *max_transfer);
/* An SRB over lun (target 0) with cdb; data through one GPA range of
 * len bytes at buf (none when len is 0). */
int st_srb(uint8_t target, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
	   uint8_t data_in, void *buf, uint32_t len, struct st_reply *r);
void st_cdb_rw10(uint8_t *cdb, int write, uint32_t lba, uint16_t blocks);
void st_cdb_rw16(uint8_t *cdb, int write, uint64_t lba, uint32_t blocks);
/* The test pattern's byte i of a transfer starting at lba (the host's
 * check in tests/system/test_config.py computes the same). */
uint8_t st_pattern(uint32_t lba, uint32_t i, uint8_t salt);
/* An honest READ(10) of blocks at lba into st_buf, compared with the
 * pattern of salt: 1 if every byte matches. */
int st_read_verify(uint32_t lba, uint16_t blocks, uint8_t salt);
void st_print_reply(const char *what, const struct st_reply *r);

/* io.c: the honest part; hostile.c: the rest. */
void st_honest(uint32_t max_transfer);
void st_hostile(uint32_t max_transfer, uint32_t mem_mib);
/* bench.c: mode=bench; main.c counts the signals both ways. */
void st_bench(void);
extern volatile uint32_t st_signals_out, st_irqs_in;
/* crash.c: mode=crash (generations written and synced until killed) and
 * mode=verify (what a killed run acknowledged, read back). */
void st_crash(void);
void st_crash_verify(void);
/* main.c: before init (a fresh session of the channel). */
void st_before_init(void);
/* hostile.c: probes st_init runs after step 1 (BEGIN) and 3 (properties)
 * when st_probing is set. */
extern int st_probing;
extern uint32_t st_strays;     /* packets that answered nothing we sent */
void st_probe_init(int step);
#endif
