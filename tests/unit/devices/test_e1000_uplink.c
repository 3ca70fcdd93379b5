/* test_e1000_uplink.c: the e1000 as an external switch's uplink
 * (partition/drivers/e1000_uplink.c) with the real switch (vswitch/) and
 * the register-level model of the NIC (e1000_model.c): a child's frames
 * go out on the wire, frames from the wire for the child's MAC (not the
 * NIC's: promiscuous receive while bound) come in and are switched, the
 * children's VLANs are tagged on the wire and untagged for them, frames
 * are counted by class, and unbinding restores the NIC's own filter. */
#include "partition/drivers/e1000_uplink.h"
#include "tests/unit/devices/e1000_model.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const uint8_t NIC_MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t VM_MAC[6] = { 0x00, 0x15, 0x5d, 0x00, 0x0a, 0x01 };
static const uint8_t FAR_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct rig {
	struct e1000_model m;
	struct e1000 d;
	struct e1000_hooks h;
	struct e1000_uplink u;
	struct vsw *sw;
	struct vsw_port *vm;
	uint8_t got[8][2048];
	size_t got_len[8];
	unsigned n_got;
};

static void vm_deliver(void *ctx, const uint8_t *f, size_t len)
{
	struct rig *r = ctx;

	memcpy(r->got[r->n_got % 8], f, len);
	r->got_len[r->n_got % 8] = len;
	r->n_got++;
}

static struct vsw_port *vm_port(struct rig *r, uint16_t vlan)
{
	struct vsw_port_config c = {
		.kind = VSW_PORT_VM, .mac_mode = VSW_MAC_STATIC, .vlan_mode = VSW_VLAN_ACCESS,
		.access_vlan = vlan, .deliver = vm_deliver, .ctx = r,
	};
	struct vsw_port *p;

	memcpy(c.mac, VM_MAC, 6);
	assert_int_equal(vsw_port_add(r->sw, &c, &p), 0);
	return p;
}

static struct rig *rig_new(uint16_t vlan)
{
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	em_init(&r->m, NIC_MAC);
	em_hooks(&r->m, &r->h);
	assert_int_equal(e1000_init(&r->d, &r->h, 16, 8), 0);
	e1000_uplink_init(&r->u, &r->d);
	assert_int_equal(vsw_create("ext", VSW_TYPE_EXTERNAL, NULL, &r->sw), 0);
	r->vm = vm_port(r, vlan);
	return r;
}

static void rig_free(struct rig *r)
{
	if (r->m.violations)
		print_error("model: %s\n", r->m.why);
	assert_int_equal(r->m.violations, 0);
	e1000_uplink_unbind(&r->u);
	vsw_destroy(r->sw);
	e1000_fini(&r->d);
	assert_int_equal(r->m.n_region, 0);
	free(r);
}

/* An Ethernet II frame dst <- src, ethertype 0x88B5 (local experimental),
 * len bytes with a pattern. */
static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, size_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xB5;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 7u);
	return len;
}

static void test_child_to_wire_and_back(void **state)
{
	struct rig *r = rig_new(0);
	uint8_t f[1514];
	size_t n;

	(void)state;
	assert_int_equal(e1000_uplink_bind(&r->u, r->sw), 0);
	assert_true(r->m.reg[E1000_RCTL / 4] & E1000_RCTL_UPE);
	assert_int_equal(e1000_uplink_bind(&r->u, r->sw), -EBUSY);
	/* Out: unknown unicast is flooded, to the uplink only. */
	n = frame(f, FAR_MAC, VM_MAC, 1514);
	assert_int_equal(vsw_port_send(r->vm, f, n, 0), 1);
	assert_int_equal(r->m.n_wire, 1);
	assert_int_equal(r->m.wire[0].len, n);
	assert_memory_equal(r->m.wire[0].data, f, n);
	/* In: to the child's MAC, which is not the NIC's. */
	n = frame(f, VM_MAC, FAR_MAC, 60);
	assert_int_equal(em_receive(&r->m, f, (uint32_t)n, 0, 1), 0);
	n = frame(f, BCAST, FAR_MAC, 100);
	assert_int_equal(em_receive(&r->m, f, (uint32_t)n, 0, 1), 0);
	assert_int_equal(e1000_uplink_poll(&r->u, 0), 2);
	assert_int_equal(r->n_got, 2);
	assert_int_equal(r->got_len[0], 60);
	assert_memory_equal(r->got[0], VM_MAC, 6);
	assert_int_equal(r->got_len[1], 100);
	assert_memory_equal(r->got[1], f, 100);
	/* The switch learned FAR_MAC on the uplink: now a forward, not a flood. */
	n = frame(f, FAR_MAC, VM_MAC, 60);
	assert_int_equal(vsw_port_send(r->vm, f, n, 0), 1);
	assert_int_equal(r->m.n_wire, 2);
	assert_int_equal(r->u.st.tx_uc, 2);
	assert_int_equal(r->u.st.rx_uc, 1);
	assert_int_equal(r->u.st.rx_bc, 1);
	rig_free(r);
}

static void test_vlan_on_the_wire(void **state)
{
	struct rig *r = rig_new(5);
	uint8_t f[200], t[204];
	size_t n;

	(void)state;
	assert_int_equal(e1000_uplink_bind(&r->u, r->sw), 0);
	/* The child on access VLAN 5: its frame leaves tagged (802.1Q 9.6:
	 * TPID 0x8100, then PCP/DEI/VID). */
	n = frame(f, BCAST, VM_MAC, 64);
	assert_int_equal(vsw_port_send(r->vm, f, n, 0), 1);
	assert_int_equal(r->m.wire[0].len, n + 4);
	assert_int_equal(r->m.wire[0].data[12], 0x81);
	assert_int_equal(r->m.wire[0].data[13], 0x00);
	assert_int_equal(r->m.wire[0].data[15], 5);
	assert_memory_equal(r->m.wire[0].data + 16, f + 12, n - 12);
	/* Untagged from the wire: not VLAN 5, the child does not see it. */
	n = frame(f, VM_MAC, FAR_MAC, 64);
	assert_int_equal(em_receive(&r->m, f, (uint32_t)n, 0, 1), 0);
	e1000_uplink_poll(&r->u, 0);
	assert_int_equal(r->n_got, 0);
	/* Tagged VID 5 from the wire: delivered untagged. */
	memcpy(t, f, 12);
	t[12] = 0x81, t[13] = 0x00, t[14] = 0x00, t[15] = 5;
	memcpy(t + 16, f + 12, n - 12);
	assert_int_equal(em_receive(&r->m, t, (uint32_t)n + 4, 0, 1), 0);
	e1000_uplink_poll(&r->u, 0);
	assert_int_equal(r->n_got, 1);
	assert_int_equal(r->got_len[0], n);
	assert_memory_equal(r->got[0], f, n);
	rig_free(r);
}

static void test_unbind_and_link_down(void **state)
{
	struct rig *r = rig_new(0);
	uint8_t f[100];
	size_t n;

	(void)state;
	assert_int_equal(e1000_uplink_bind(&r->u, r->sw), 0);
	e1000_uplink_unbind(&r->u);
	assert_false(r->m.reg[E1000_RCTL / 4] & E1000_RCTL_UPE);
	/* Unbound: the child's MAC is filtered by the NIC again, the NIC's
	 * own frames are counted and dropped; the child sees nothing. */
	n = frame(f, VM_MAC, FAR_MAC, 60);
	assert_int_equal(em_receive(&r->m, f, (uint32_t)n, 0, 1), -1);
	assert_int_equal(r->m.filtered, 1);
	n = frame(f, NIC_MAC, FAR_MAC, 60);
	assert_int_equal(em_receive(&r->m, f, (uint32_t)n, 0, 1), 0);
	assert_int_equal(e1000_uplink_poll(&r->u, 0), 1);
	assert_int_equal(r->u.st.rx_unbound, 1);
	assert_int_equal(r->n_got, 0);
	/* Bound again (to a new switch, as after Remove-VMSwitch and
	 * New-VMSwitch): with the link down the child's frame is dropped
	 * at the NIC and counted. */
	assert_int_equal(e1000_uplink_bind(&r->u, r->sw), 0);
	em_set_link(&r->m, false);
	e1000_service(&r->d);
	n = frame(f, FAR_MAC, VM_MAC, 60);
	vsw_port_send(r->vm, f, n, 0);
	assert_int_equal(r->u.st.tx_dropped, 1);
	assert_int_equal(r->m.n_wire, 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_to_wire_and_back),
		cmocka_unit_test(test_vlan_on_the_wire),
		cmocka_unit_test(test_unbind_and_link_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
