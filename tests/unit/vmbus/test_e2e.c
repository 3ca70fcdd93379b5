/* End-to-end VMBus handshake with the server and the client in two threads
 * sharing "guest memory": negotiate (the server tops out at 5.2, so the
 * client steps down once), two offers, open both with multi-message
 * GPADLs, exchange packets and completions (trans_id echoed, payload
 * checked), close, tear down the GPADLs, unload. Every wait has a deadline
 * and reports where it stopped. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "harness.h"

#define PKTS_PER_CHAN 20000u
#define WINDOW 32u
#define MAX_PAY 9000u

struct side {
	uint32_t relid;
	uint64_t sent, done;   /* seq of next send / next completion */
	uint64_t bad_tid, bad_payload;
};

struct e2e {
	struct harness h;
	struct vmbus_server *s;
	struct vmbus_client *c;
	struct echo_dev dev[2];
	struct side side[2];
	uint32_t relids[2];
	unsigned offers;
	atomic_int stop;
	uint8_t rx[MAX_PAY + 64], tx[MAX_PAY];
};

static struct e2e *E;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *server_thread(void *arg)
{
	struct e2e *e = arg;
	struct mb_item it;

	while (!atomic_load(&e->stop)) {
		if (!mailbox_pop(&e->h.to_host, &it, 20))
			continue;
		harness_deliver_host(&e->h, e->s, &it);
	}
	return NULL;
}

static uint32_t pay_len(uint64_t seq)
{
	if (seq % 101 == 0)
		return MAX_PAY - (uint32_t)(seq % 7);
	return (uint32_t)((seq * 2654435761u) % 1500u);
}

static uint8_t pay_byte(uint64_t tid, uint32_t i)
{
	return (uint8_t)((tid * 31u) ^ (i * 7u) ^ (tid >> 48));
}

static int on_comp(void *ctx, struct vmbus_chan *ch,
		   const struct vmbus_pkt_info *info, const uint8_t *pkt)
{
	struct side *sd = ctx;
	uint64_t tid = ((uint64_t)sd->relid << 48) | sd->done;
	uint32_t len = pay_len(sd->done);

	(void)ch;
	if (info->desc.type != VMBUS_PKT_COMP || info->desc.trans_id != tid) {
		sd->bad_tid++;
		return 0;
	}
	if (info->payload_len < len)
		sd->bad_payload++;
	else
		for (uint32_t i = 0; i < len; i++)
			if (pkt[info->payload_off + i] != pay_byte(tid, i)) {
				sd->bad_payload++;
				break;
			}
	sd->done++;
	return 0;
}

static int on_event(void *ctx, uint32_t relid, struct vmbus_chan *ch)
{
	struct e2e *e = (struct e2e *)((char *)ctx - offsetof(struct e2e, h));

	for (int i = 0; i < 2; i++)
		if (e->side[i].relid == relid)
			return vmbus_chan_poll(ch, e->rx, sizeof(e->rx), on_comp,
					       &e->side[i], 16) == 16;
	return 0;
}

static void on_offer(void *ctx, uint32_t relid, const struct vmbus_msg_offer *o)
{
	struct e2e *e = (struct e2e *)((char *)ctx - offsetof(struct e2e, h));

	(void)o;
	if (e->offers < 2)
		e->relids[e->offers] = relid;
	e->offers++;
}

/* Client-side dispatch until cond() holds or the deadline passes. */
static int client_wait(struct e2e *e, int (*cond)(struct e2e *), double secs,
		       const char *what)
{
	double end = now_s() + secs;
	struct mb_item it;

	while (!cond(e)) {
		if (now_s() > end) {
			fprintf(stderr, "# e2e: timed out waiting for %s\n", what);
			return -ETIMEDOUT;
		}
		if (!mailbox_pop(&e->h.to_guest, &it, 20))
			continue;
		harness_deliver_guest(&e->h, e->c, &it);
	}
	return 0;
}

static int is_ready(struct e2e *e)
{
	return vmbus_client_state(e->c) == VMBUS_CL_READY;
}

static int both_open(struct e2e *e)
{
	return vmbus_client_chan_state(e->c, e->relids[0]) == VMBUS_CH_OPEN &&
	       vmbus_client_chan_state(e->c, e->relids[1]) == VMBUS_CH_OPEN;
}

static int both_closed(struct e2e *e)
{
	return vmbus_client_chan_state(e->c, e->relids[0]) == VMBUS_CH_OFFERED &&
	       vmbus_client_chan_state(e->c, e->relids[1]) == VMBUS_CH_OFFERED;
}

static int unloaded(struct e2e *e)
{
	return vmbus_client_state(e->c) == VMBUS_CL_UNLOADED;
}

/* Keep up to WINDOW requests outstanding on a channel. */
static void fill_window(struct e2e *e, struct side *sd)
{
	struct vmbus_chan *ch = vmbus_client_chan(e->c, sd->relid);

	while (ch && sd->sent < PKTS_PER_CHAN && sd->sent - sd->done < WINDOW) {
		uint64_t tid = ((uint64_t)sd->relid << 48) | sd->sent;
		uint32_t len = pay_len(sd->sent);

		for (uint32_t i = 0; i < len; i++)
			e->tx[i] = pay_byte(tid, i);
		if (vmbus_chan_send(ch, VMBUS_PKT_INBAND,
				    VMBUS_PKT_FLAG_COMPLETION_REQUESTED, tid,
				    e->tx, len) != 0)
			return;  /* full: the host's signal will bring us back */
		sd->sent++;
	}
}

static int all_done(struct e2e *e)
{
	for (int i = 0; i < 2; i++) {
		fill_window(e, &e->side[i]);
		if (e->side[i].done < PKTS_PER_CHAN)
			return 0;
	}
	return 1;
}

static void e2e_setup(pthread_t *st)
{
	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	harness_init(&E->h, 4096);
	E->h.cops.on_offer = on_offer;
	E->h.cops.on_event = on_event;
	E->s = vmbus_server_create(&E->h.sops, VMBUS_VERSION_V5_2);
	E->c = vmbus_client_create(&E->h.cops);
	assert_non_null(E->s);
	assert_non_null(E->c);
	for (int i = 0; i < 2; i++) {
		struct vmbus_guid t = { { 0xd9, 0x63, 0x61, 0xba, (uint8_t)i } };
		struct vmbus_guid in = { { 0x01, (uint8_t)i } };
		uint32_t relid;
		assert_int_equal(vmbus_server_offer(E->s, &t, &in, &echo_dev_ops,
						    &E->dev[i], &relid), 0);
	}
	assert_int_equal(pthread_create(st, NULL, server_thread, E), 0);
}

/* After the server thread has stopped: everything torn down, no drops. */
static void e2e_check(void)
{
	for (int i = 0; i < 2; i++) {
		assert_int_equal(E->side[i].bad_tid, 0);
		assert_int_equal(E->side[i].bad_payload, 0);
		assert_true(E->dev[i].pkts == PKTS_PER_CHAN);
		assert_int_equal(E->dev[i].send_errors, 0);
		assert_int_equal(E->dev[i].opens, 1);
		assert_int_equal(E->dev[i].closes, 1);
	}
	assert_int_equal(vmbus_server_state(E->s), VMBUS_SRV_DISCONNECTED);
	assert_int_equal(vmbus_server_gpadl_count(E->s), 0);
	assert_int_equal(E->h.mem.maps, 0);
	assert_int_equal(E->h.logs, 0);
	assert_int_equal(E->h.to_host.overflows + E->h.to_guest.overflows, 0);
	vmbus_client_destroy(E->c);
	vmbus_server_destroy(E->s);
	harness_fini(&E->h);
	free(E);
}

static void test_e2e(void **state)
{
	pthread_t st;
	double t0;

	(void)state;
	e2e_setup(&st);
	assert_int_equal(vmbus_client_connect(E->c, NULL, 0), 0);
	assert_int_equal(client_wait(E, is_ready, 5, "offers"), 0);
	assert_int_equal(vmbus_client_version(E->c), VMBUS_VERSION_V5_2);
	assert_int_equal(E->offers, 2);
	/* 32 and 40 pages: GPADL header + 1 body, header + 1 body. */
	assert_int_equal(vmbus_client_open(E->c, E->relids[0], 16, 16), 0);
	assert_int_equal(vmbus_client_open(E->c, E->relids[1], 20, 20), 0);
	assert_int_equal(client_wait(E, both_open, 5, "open"), 0);

	t0 = now_s();
	for (int i = 0; i < 2; i++)
		E->side[i].relid = E->relids[i];
	assert_int_equal(client_wait(E, all_done, 60, "completions"), 0);
	printf("# e2e: %u packets + completions per channel in %.2f s\n",
	       PKTS_PER_CHAN, now_s() - t0);

	assert_int_equal(vmbus_client_close(E->c, E->relids[0]), 0);
	assert_int_equal(vmbus_client_close(E->c, E->relids[1]), 0);
	assert_int_equal(client_wait(E, both_closed, 5, "teardown"), 0);
	assert_int_equal(vmbus_client_unload(E->c), 0);
	assert_int_equal(client_wait(E, unloaded, 5, "unload"), 0);
	atomic_store(&E->stop, 1);
	pthread_join(st, NULL);
	e2e_check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e2e),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
