/* vsw_mac.c: the bounded, aging MAC address table.
 *
 * IEEE 802.1Q clause 8.8 (filtering database): dynamic entries are learned
 * per VLAN from source addresses (independent VLAN learning, so the same
 * MAC in two VLANs is two entries) and removed after the ageing time
 * (8.8.3, default 300 s). The table is 4-way set-associative, one cache
 * line per set; its size is fixed at creation, so it can never grow. When
 * a set is full, the entry seen longest ago makes room for the new one.
 */
#include "vswitch/vsw_internal.h"

#include <errno.h>
#include <stdlib.h>

int vsw_mac_init(struct vsw_mactable *t, uint32_t size, uint32_t aging_ms)
{
	uint32_t buckets = 2, bits = 1; /* shift stays below 64 */

	if (size > (1u << 24))
		return -EINVAL;
	while (buckets * VSW_MAC_WAYS < size) {
		buckets <<= 1;
		bits++;
	}
	t->shift = 64 - bits;
	t->b = calloc(buckets, sizeof(*t->b));
	if (!t->b)
		return -ENOMEM;
	t->mask = buckets - 1;
	t->aging_ticks = aging_ms >> VSW_TICK_SHIFT;
	if (!t->aging_ticks)
		t->aging_ticks = 1;
	t->entries = 0;
	return 0;
}

void vsw_mac_fini(struct vsw_mactable *t)
{
	free(t->b);
	t->b = NULL;
}

/* Empty way first, then the way idle longest (an expired entry is always
 * idler than a live one, so it goes before any live entry). */
static unsigned mac_pick_victim(const struct vsw_mac_bucket *b, uint32_t now)
{
	unsigned victim = 0;
	uint32_t idle_max = 0;

	for (unsigned i = 0; i < VSW_MAC_WAYS; i++) {
		uint32_t idle;

		if (!b->key[i])
			return i;
		idle = now - b->stamp[i];
		if (idle >= idle_max) {
			idle_max = idle;
			victim = i;
		}
	}
	return victim;
}

void vsw_mac_insert(struct vsw *sw, uint64_t key, uint16_t port, uint32_t now)
{
	struct vsw_mac_bucket *b = vsw_mac_bucket_of(&sw->tbl, key);
	unsigned i = mac_pick_victim(b, now);

	if (!b->key[i]) {
		sw->tbl.entries++;
	} else if ((uint32_t)(now - b->stamp[i]) > sw->tbl.aging_ticks) {
		sw->st.mac_aged++;
	} else {
		sw->st.mac_evicted++;
	}
	b->key[i] = key;
	b->port[i] = port;
	b->stamp[i] = now;
	sw->st.mac_learned++;
}

void vsw_mac_flush_port(struct vsw *sw, uint16_t port)
{
	struct vsw_mactable *t = &sw->tbl;

	for (uint32_t n = 0; n <= t->mask; n++) {
		struct vsw_mac_bucket *b = &t->b[n];

		for (unsigned i = 0; i < VSW_MAC_WAYS; i++) {
			if (b->key[i] && b->port[i] == port) {
				b->key[i] = 0;
				t->entries--;
			}
		}
	}
}

void vsw_age_macs(struct vsw *sw)
{
	struct vsw_mactable *t;
	uint32_t now;

	if (!sw)
		return;
	t = &sw->tbl;
	vsw_lock(sw);
	now = vsw_now_tick(sw);
	for (uint32_t n = 0; n <= t->mask; n++) {
		struct vsw_mac_bucket *b = &t->b[n];

		for (unsigned i = 0; i < VSW_MAC_WAYS; i++) {
			if (b->key[i] && (uint32_t)(now - b->stamp[i]) > t->aging_ticks) {
				b->key[i] = 0;
				t->entries--;
				sw->st.mac_aged++;
			}
		}
	}
	vsw_unlock(sw);
}
