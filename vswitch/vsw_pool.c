/* vsw_pool.c: Hyper-V's dynamic MAC address pool.
 *
 * Hyper-V hands VM NICs addresses under Microsoft's OUI 00:15:5D, with the
 * fourth and fifth octets taken from the host (by default its IPv4
 * address) and the last octet from a range, 00..FF by default. The OUI has
 * the I/G and U/L bits clear (IEEE 802 clause 8.2), so every address is an
 * individual, universally administered one.
 */
#include "vswitch/vsw.h"

#include <errno.h>
#include <string.h>

static const uint8_t pool_oui[3] = { 0x00, 0x15, 0x5D };

int vsw_macpool_init(struct vsw_macpool *pool, uint8_t b3, uint8_t b4,
		     uint8_t lo, uint8_t hi)
{
	if (!pool || lo > hi)
		return -EINVAL;
	memset(pool, 0, sizeof(*pool));
	pool->b3 = b3;
	pool->b4 = b4;
	pool->lo = lo;
	pool->hi = hi;
	return 0;
}

int vsw_macpool_alloc(struct vsw_macpool *pool, uint8_t mac[6])
{
	if (!pool || !mac)
		return -EINVAL;
	for (unsigned n = pool->lo; n <= pool->hi; n++) {
		if (pool->used[n / 32] & (1u << (n % 32)))
			continue;
		pool->used[n / 32] |= 1u << (n % 32);
		memcpy(mac, pool_oui, 3);
		mac[3] = pool->b3;
		mac[4] = pool->b4;
		mac[5] = (uint8_t)n;
		return 0;
	}
	return -ENOSPC;
}

int vsw_macpool_release(struct vsw_macpool *pool, const uint8_t mac[6])
{
	unsigned n;

	if (!pool || !mac)
		return -EINVAL;
	n = mac[5];
	if (memcmp(mac, pool_oui, 3) || mac[3] != pool->b3 || mac[4] != pool->b4 ||
	    n < pool->lo || n > pool->hi || !(pool->used[n / 32] & (1u << (n % 32))))
		return -ENOENT;
	pool->used[n / 32] &= ~(1u << (n % 32));
	return 0;
}
