/* unit_vsw_random.c: random traffic against a reference model, and ports
 * removed and added while traffic flows (single-threaded interleaving and
 * real threads).
 *
 * The model is written from the rules, not from the switch: an unbounded
 * list of (VLAN, MAC) -> port entries with last-seen times, IEEE 802.1Q
 * ingress/egress rules, the guards. Every frame must reach exactly the
 * ports the model names, each in exactly the bytes the model expects.
 */
#include "tests/unit/vswitch/vsw_testlib.h"
#include "vswitch/vsw_wire.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define RP 16           /* port slots in the random test */
#define EXT_SLOT 0
#define HOST_SLOT 1
#define MTU 1500u
#define AGING_MS (40u * 256u)
#define MAX_ENTRIES 4096
#define LOG_MAX 64

enum label { L_PLAIN, L_DHCP_OFFER, L_DHCP_DISCOVER, L_RA };

struct mport {
	bool live;
	struct vsw_port *port;
	enum vsw_port_kind kind;
	bool trunk;
	uint16_t pvid;
	bool allowed[4096];
	uint32_t flags;
	uint8_t mac[6];
	int slot;
};

struct mentry {
	uint8_t mac[6];
	uint16_t vid;
	int port;
	uint64_t last;
};

struct delivery {
	int slot;
	size_t len;
	uint8_t data[1600];
};

static struct {
	struct mport p[RP];
	struct mentry e[MAX_ENTRIES];
	int n_e;
	uint64_t now;
	unsigned mac_seq;
	struct delivery log[LOG_MAX];
	int n_log;
	uint64_t frames, delivered, dropped;
} M;

static uint64_t model_clock(void *ctx)
{
	(void)ctx;
	return M.now;
}

static void log_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	struct mport *p = ctx;
	struct delivery *d;

	assert_true(M.n_log < LOG_MAX);
	assert_true(len <= sizeof(d->data));
	d = &M.log[M.n_log++];
	d->slot = p->slot;
	d->len = len;
	memcpy(d->data, frame, len);
}

/* Small deterministic PRNG (xorshift64*). */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

static const uint16_t vlan_choices[4] = { 0, 10, 20, 30 };

/* Random VLAN settings and flags for port p, into the model and into pc
 * (allowed[] must hold 3). */
static void model_random_policy(struct mport *p, bool ext,
				struct vsw_port_config *pc, uint16_t *allowed)
{
	size_t na = 0;

	p->trunk = ext || rnd(3) == 0;
	p->pvid = vlan_choices[rnd(4)];
	memset(p->allowed, 0, sizeof(p->allowed));
	for (unsigned v = 1; p->trunk && v < 4; v++) {
		if (ext || rnd(2)) {
			allowed[na++] = vlan_choices[v];
			p->allowed[vlan_choices[v]] = true;
		}
	}
	p->flags = 0;
	if (!ext)
		p->flags = (rnd(4) == 0 ? VSW_PORT_ALLOW_SPOOF : 0) |
			   (rnd(2) ? VSW_PORT_DHCP_GUARD : 0) |
			   (rnd(2) ? VSW_PORT_ROUTER_GUARD : 0);
	*pc = vswt_port_config_vm(p->mac, p->pvid, NULL);
	pc->kind = p->kind;
	pc->flags = p->flags;
	pc->ctx = p;
	pc->deliver = log_deliver;
	if (p->trunk) {
		pc->vlan_mode = VSW_VLAN_TRUNK;
		pc->native_vlan = p->pvid;
		pc->allowed_vlans = allowed;
		pc->n_allowed = na;
	}
}

static void model_port_add(struct vsw *sw, int slot, bool ext)
{
	struct mport *p = &M.p[slot];
	struct vsw_port_config pc;
	uint16_t allowed[3];

	memset(p, 0, sizeof(*p));
	p->slot = slot;
	/* Slot 1 is the management OS's host port (the switch is shared). */
	p->kind = ext ? VSW_PORT_EXTERNAL : slot == HOST_SLOT ? VSW_PORT_HOST
							      : VSW_PORT_VM;
	vswt_make_mac(p->mac, ++M.mac_seq);
	model_random_policy(p, ext, &pc, allowed);
	assert_int_equal(vsw_port_add(sw, &pc, &p->port), 0);
	p->live = true;
}

static void model_forget_port(int slot)
{
	for (int i = 0; i < M.n_e; i++) {
		if (M.e[i].port == slot)
			M.e[i--] = M.e[--M.n_e];
	}
}

/* New VLAN settings and flags on a live port; it forgets what it learned. */
static void model_port_update(int slot)
{
	struct mport *p = &M.p[slot];
	struct vsw_port_config pc;
	uint16_t allowed[3];

	model_random_policy(p, false, &pc, allowed);
	assert_int_equal(vsw_port_update(p->port, &pc), 0);
	model_forget_port(slot);
}

static void model_port_remove(int slot)
{
	assert_int_equal(vsw_port_remove(M.p[slot].port), 0);
	M.p[slot].live = false;
	model_forget_port(slot);
}

static bool model_member(const struct mport *p, uint16_t vid)
{
	return vid == p->pvid || (p->trunk && p->allowed[vid]);
}

static struct mentry *model_find(const uint8_t *mac, uint16_t vid)
{
	for (int i = 0; i < M.n_e; i++)
		if (M.e[i].vid == vid && !memcmp(M.e[i].mac, mac, 6))
			return &M.e[i];
	return NULL;
}

/* The frame generator: where it comes from, where it goes, what it is. */
struct gen {
	int from;
	uint8_t buf[1700];
	size_t len;
	int tag_vid;    /* -1 untagged */
	uint8_t pcp;
	enum label what;
	uint8_t src[6], dst[6];
	uint16_t type;
	uint8_t l3[1600];
	size_t l3_len;
};

static void gen_addr(uint8_t *mac, int from, bool is_src)
{
	uint32_t r = rnd(100);
	int other = (int)rnd(RP);

	if (is_src && M.p[from].kind == VSW_PORT_EXTERNAL) {
		vswt_make_mac(mac, 0x1000 + rnd(12)); /* outside stations */
		return;
	}
	if (is_src) {
		memcpy(mac, M.p[from].mac, 6);
		if (r < 8)
			vswt_make_mac(mac, 0x1000 + rnd(12)); /* spoofed */
		else if (r < 9)
			mac[0] = 0x03; /* group source: malformed */
		return;
	}
	if (r < 12)
		memset(mac, 0xff, 6);
	else if (r < 18)
		memcpy(mac, (uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
	else if (r < 30)
		vswt_make_mac(mac, 0x1000 + rnd(12));
	else if (r < 35)
		vswt_make_mac(mac, 0x2000 + rnd(1000)); /* never seen */
	else
		memcpy(mac, M.p[other].live ? M.p[other].mac : M.p[from].mac, 6);
}

static void gen_payload(struct gen *g)
{
	uint32_t r = rnd(100);
	uint8_t body[256] = { 0 };

	g->what = L_PLAIN;
	g->type = 0x88B5; /* IEEE 802 local experimental: never guarded */
	g->l3_len = 46 + rnd(200);
	if (rnd(50) == 0)
		g->l3_len = MTU - 10 + rnd(20); /* around the size limit */
	vswt_fill_payload(g->l3, g->l3_len, (unsigned)M.frames);
	if (r < 6) {
		body[0] = 2;
		g->what = L_DHCP_OFFER;
		g->type = 0x0800;
		g->l3_len = vswt_build_udp4(g->l3, 67, 68, body, 240);
	} else if (r < 10) {
		body[0] = 1;
		g->what = L_DHCP_DISCOVER;
		g->type = 0x0800;
		g->l3_len = vswt_build_udp4(g->l3, 68, 67, body, 240);
	} else if (r < 15) {
		body[0] = 134;
		g->what = L_RA;
		g->type = 0x86DD;
		g->l3_len = vswt_build_ipv6(g->l3, VSW_IPPROTO_ICMPV6, body, 16);
	}
}

static void gen_frame(struct gen *g)
{
	uint32_t r = rnd(100);

	gen_addr(g->src, g->from, true);
	gen_addr(g->dst, g->from, false);
	gen_payload(g);
	g->pcp = (uint8_t)rnd(8);
	g->tag_vid = r < 55 ? -1 : r < 65 ? 0 : r < 98 ? vlan_choices[rnd(4)] : 0xFFF;
	if (g->tag_vid == 0 && r >= 65)
		g->tag_vid = -1;
	g->len = vswt_build_frame(g->buf + 4, g->dst, g->src, g->tag_vid, g->pcp,
				  g->type, g->l3, g->l3_len);
	if (rnd(60) == 0)
		g->len = rnd(g->tag_vid >= 0 ? 18 : 14); /* runt / cut tag */
}

/* Expected output bytes: the frame untagged, or tagged with (pcp, vid). */
static size_t model_render(const struct gen *g, bool tagged, uint16_t vid,
			   uint8_t *out)
{
	return vswt_build_frame(out, g->dst, g->src, tagged ? vid : -1,
				g->tag_vid >= 0 ? g->pcp : 0, g->type, g->l3,
				g->l3_len);
}

/* Returns the VLAN, or -1 when the model drops the frame. */
static int model_ingress(const struct gen *g)
{
	const struct mport *in = &M.p[g->from];
	size_t max = MTU + 14 + (g->tag_vid >= 0 ? 4 : 0);

	if (g->len < 14 || (g->tag_vid >= 0 && g->len < 18))
		return -1;
	if (g->tag_vid == 0xFFF || g->len > max || (g->src[0] & 1))
		return -1;
	int vid = g->tag_vid <= 0 ? in->pvid : g->tag_vid;
	if (g->tag_vid > 0 && !model_member(in, (uint16_t)vid))
		return -1;
	if (in->kind != VSW_PORT_EXTERNAL && !(in->flags & VSW_PORT_ALLOW_SPOOF) &&
	    memcmp(g->src, in->mac, 6))
		return -1;
	if (g->what == L_DHCP_OFFER && (in->flags & VSW_PORT_DHCP_GUARD))
		return -1;
	if (g->what == L_RA && (in->flags & VSW_PORT_ROUTER_GUARD))
		return -1;
	return vid;
}

static void model_learn(const uint8_t *mac, uint16_t vid, int port)
{
	struct mentry *e = model_find(mac, vid);

	if (!e) {
		assert_true(M.n_e < MAX_ENTRIES);
		e = &M.e[M.n_e++];
		memcpy(e->mac, mac, 6);
		e->vid = vid;
	}
	e->port = port;
	e->last = M.now;
}

/* Which slots get the frame; fills want[] (true per slot). */
static void model_forward(const struct gen *g, uint16_t vid, bool *want)
{
	struct mentry *e;

	model_learn(g->src, vid, g->from);
	memset(want, 0, RP * sizeof(*want));
	e = (g->dst[0] & 1) ? NULL : model_find(g->dst, vid);
	if (e && M.now - e->last > AGING_MS) {
		*e = M.e[--M.n_e];
		e = NULL;
	}
	if (e && e->port == g->from)
		return;
	if (e && M.p[e->port].live && model_member(&M.p[e->port], vid)) {
		want[e->port] = true;
		return;
	}
	for (int i = 0; i < RP; i++)
		want[i] = i != g->from && M.p[i].live && model_member(&M.p[i], vid);
}

static void check_one_frame(struct gen *g)
{
	bool want[RP], got[RP] = { 0 };
	uint8_t expect[1700];
	int vid = model_ingress(g), ret, n_want = 0;

	M.n_log = 0;
	ret = vsw_port_send(M.p[g->from].port, g->buf + 4, g->len, rnd(2) ? 4 : 0);
	if (vid < 0) {
		assert_true(ret < 0);
		assert_int_equal(M.n_log, 0);
		M.dropped++;
		return;
	}
	model_forward(g, (uint16_t)vid, want);
	for (int i = 0; i < M.n_log; i++) {
		struct delivery *d = &M.log[i];
		const struct mport *p = &M.p[d->slot];
		size_t n = model_render(g, vid != p->pvid, (uint16_t)vid, expect);

		if (!want[d->slot] || got[d->slot])
			fail_msg("frame %llu: unexpected delivery to slot %d",
				 (unsigned long long)M.frames, d->slot);
		got[d->slot] = true;
		assert_int_equal(d->len, n);
		assert_memory_equal(d->data, expect, n);
	}
	for (int i = 0; i < RP; i++)
		n_want += want[i];
	assert_int_equal(M.n_log, n_want);
	assert_int_equal(ret, n_want);
	M.delivered += (uint64_t)n_want;
}

static void churn_ports(struct vsw *sw)
{
	int slot = 1 + (int)rnd(RP - 1);

	if (!M.p[slot].live)
		model_port_add(sw, slot, false);
	else if (rnd(3) == 0)
		model_port_update(slot);
	else
		model_port_remove(slot);
}

static void run_random(uint64_t seed, unsigned frames)
{
	struct vsw_config c = {
		.mac_table_size = 16384, .aging_ms = AGING_MS,
		.ops.now_ms = model_clock,
	};
	struct vsw *sw;
	struct vsw_stats st;
	struct gen *g = malloc(sizeof(*g));

	assert_non_null(g);
	memset(&M, 0, sizeof(M));
	rng_state = seed;
	M.now = 1u << 20;
	assert_int_equal(vsw_create("r", VSW_TYPE_EXTERNAL, &c, &sw), 0);
	assert_int_equal(vsw_set_mgmt_share(sw, true), 0);
	model_port_add(sw, EXT_SLOT, true);
	for (int i = 1; i < RP; i++)
		if (rnd(4))
			model_port_add(sw, i, false);
	for (M.frames = 0; M.frames < frames; M.frames++) {
		if (rnd(40) == 0)
			churn_ports(sw);
		if (rnd(500) == 0)
			vsw_age_macs(sw); /* a sweep changes no forwarding result */
		M.now += 256u * rnd(4); /* whole ticks: no rounding in the model */
		do
			g->from = (int)rnd(RP);
		while (!M.p[g->from].live);
		gen_frame(g);
		check_one_frame(g);
	}
	vsw_get_stats(sw, &st);
	/* The model has no bound: the run is only valid without evictions. */
	assert_int_equal(st.mac_evicted, 0);
	assert_true(M.delivered > frames);
	assert_true(M.dropped > frames / 20);
	assert_true(st.mac_aged > 0);
	vsw_destroy(sw);
	free(g);
}

static void test_random_traffic(void **state)
{
	(void)state;
	run_random(0x9E3779B97F4A7C15ull, 100000);
	run_random(12345, 100000);
	run_random(777, 100000);
}

/* Real threads: two senders flood and unicast while the main thread
 * removes and re-adds the other ports. After vsw_port_remove() returns
 * the removed port must never be called (ASan also watches the freed
 * port structures). */
#define CHURN 6
struct tsink {
	atomic_bool removed;
	atomic_ulong count;
	atomic_ulong violations;
};
static struct tsink tsinks[CHURN];
static pthread_mutex_t tlock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool tstop;

static void t_lock(void *ctx) { pthread_mutex_lock(ctx); }
static void t_unlock(void *ctx) { pthread_mutex_unlock(ctx); }

static void t_deliver(void *ctx, const uint8_t *frame, size_t len)
{
	struct tsink *s = ctx;

	(void)frame;
	(void)len;
	if (atomic_load(&s->removed))
		atomic_fetch_add(&s->violations, 1);
	atomic_fetch_add(&s->count, 1);
}

static void t_null(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)frame;
	(void)len;
}

struct sender {
	struct vsw_port *port;
	uint8_t mac[6];
	unsigned long sent;
};

static void *t_send(void *arg)
{
	struct sender *s = arg;
	uint8_t buf[64 + 4], dst[6];
	unsigned i = 0;

	while (!atomic_load(&tstop)) {
		if (i % 3 == 0)
			memset(dst, 0xff, 6);
		else
			vswt_make_mac(dst, 100 + i % CHURN);
		vswt_build_frame(buf + 4, dst, s->mac, -1, 0, 0x88B5, NULL, 0);
		assert_true(vsw_port_send(s->port, buf + 4, 60, 4) >= 0);
		s->sent++;
		i++;
	}
	return NULL;
}

static void churn_add(struct vsw *sw, int k, struct vsw_port **out)
{
	struct vsw_port_config pc;
	uint8_t mac[6];

	vswt_make_mac(mac, 100 + (unsigned)k);
	pc = vswt_port_config_vm(mac, 0, NULL);
	pc.deliver = t_deliver;
	pc.ctx = &tsinks[k];
	atomic_store(&tsinks[k].removed, false);
	assert_int_equal(vsw_port_add(sw, &pc, out), 0);
}

static void test_remove_while_flowing(void **state)
{
	struct vsw_config c = { .ops = { .lock = t_lock, .unlock = t_unlock, .ctx = &tlock } };
	struct vsw *sw;
	struct vsw_port *churn[CHURN];
	struct sender snd[2];
	pthread_t th[2];
	struct vsw_port_config pc;
	unsigned long total = 0;

	(void)state;
	assert_int_equal(vsw_create("mt", VSW_TYPE_PRIVATE, &c, &sw), 0);
	for (int i = 0; i < 2; i++) {
		vswt_make_mac(snd[i].mac, 1 + (unsigned)i);
		pc = vswt_port_config_vm(snd[i].mac, 0, NULL);
		pc.deliver = t_null;
		assert_int_equal(vsw_port_add(sw, &pc, &snd[i].port), 0);
		snd[i].sent = 0;
	}
	for (int k = 0; k < CHURN; k++)
		churn_add(sw, k, &churn[k]);
	atomic_store(&tstop, false);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, t_send, &snd[i]), 0);
	for (int round = 0; round < 3000; round++) {
		int k = round % CHURN;

		assert_int_equal(vsw_port_remove(churn[k]), 0);
		atomic_store(&tsinks[k].removed, true);
		churn_add(sw, k, &churn[k]);
	}
	atomic_store(&tstop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int k = 0; k < CHURN; k++) {
		assert_int_equal(atomic_load(&tsinks[k].violations), 0);
		total += atomic_load(&tsinks[k].count);
	}
	assert_true(snd[0].sent + snd[1].sent > 0);
	assert_true(total > 0);
	vsw_destroy(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_traffic),
		cmocka_unit_test(test_remove_while_flowing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
