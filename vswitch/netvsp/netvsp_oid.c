/* netvsp_oid.c: the OIDs a guest queries and sets, one table row each,
 * with an explicit "unhandled" row (NOT_SUPPORTED, counted).
 *
 * What Linux asks (rndis_filter_device_add(), rndis_filter_open(),
 * netvsc_set_rx_mode()): the permanent MAC, the media connect status,
 * the maximum frame size, the link speed, the offload hardware
 * capabilities (must answer a valid NDIS offload object or the device
 * fails to attach), the offload parameters (set; must succeed), the RSS
 * capabilities and parameters (netvsp_rss.c: one queue per channel the
 * guest may have) and the packet filter. The rest are the general OIDs [MS-RNDIS] 2.2 requires.
 */
#include "vswitch/netvsp/netvsp_internal.h"

struct oid_ctx {
	struct netvsp *nv;
	const uint8_t *in;
	uint32_t in_len;
	uint8_t *out;
	uint32_t *out_len;
};

static uint32_t put32(struct oid_ctx *c, uint32_t v)
{
	memcpy(c->out, &v, 4);
	*c->out_len = 4;
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t get32(const struct oid_ctx *c, uint32_t *v)
{
	if (c->in_len < 4)
		return RNDIS_STATUS_INVALID_LENGTH;
	memcpy(v, c->in, 4);
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t q_supported(struct oid_ctx *c);

static uint32_t q_hw_status(struct oid_ctx *c)
{
	return put32(c, 0);  /* NdisHardwareStatusReady */
}

static uint32_t q_medium(struct oid_ctx *c)
{
	return put32(c, RNDIS_MEDIUM_802_3);
}

static uint32_t q_max_frame(struct oid_ctx *c)
{
	return put32(c, c->nv->cfg.mtu);  /* payload, header excluded */
}

static uint32_t q_max_total(struct oid_ctx *c)
{
	return put32(c, c->nv->cfg.mtu + 14u);
}

static uint32_t q_link_speed(struct oid_ctx *c)
{
	return put32(c, c->nv->cfg.link_speed_100bps);
}

static uint32_t q_connect(struct oid_ctx *c)
{
	return put32(c, c->nv->link_up ? 0u : 1u);  /* 0 = connected */
}

static uint32_t q_filter(struct oid_ctx *c)
{
	return put32(c, c->nv->filter);
}

static uint32_t q_mac_options(struct oid_ctx *c)
{
	return put32(c, 0);
}

static uint32_t q_vendor_ver(struct oid_ctx *c)
{
	return put32(c, 0x00010000u);
}

static uint32_t q_xmit_ok(struct oid_ctx *c)
{
	return put32(c, (uint32_t)c->nv->st.tx_frames);
}

static uint32_t q_rcv_ok(struct oid_ctx *c)
{
	return put32(c, (uint32_t)c->nv->st.rx_frames);
}

static uint32_t q_mac(struct oid_ctx *c)
{
	memcpy(c->out, c->nv->mac, 6);
	*c->out_len = 6;
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t q_cur_mac(struct oid_ctx *c)
{
	memcpy(c->out, c->nv->cur_mac, 6);
	*c->out_len = 6;
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t q_mcast_list(struct oid_ctx *c)
{
	*c->out_len = c->nv->n_mcast * 6u;
	memcpy(c->out, c->nv->mcast, *c->out_len);
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t q_mcast_max(struct oid_ctx *c)
{
	return put32(c, NETVSP_MCAST_MAX);
}

/* No offload at all: every capability word zero, so the guest computes
 * its own checksums and segments (what Linux does with hwcaps of zero).
 * Revision 1 / NDIS 6.0 size, which Linux accepts from any host. */
static uint32_t q_offload_caps(struct oid_ctx *c)
{
	struct ndis_offload_6_0 o;

	memset(&o, 0, sizeof(o));
	o.hdr.type = NDIS_OBJECT_TYPE_OFFLOAD;
	o.hdr.revision = NDIS_OFFLOAD_REVISION_1;
	o.hdr.size = sizeof(o);
	memcpy(c->out, &o, sizeof(o));
	*c->out_len = sizeof(o);
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t s_filter(struct oid_ctx *c)
{
	uint32_t f, st = get32(c, &f);

	if (st)
		return st;
	netvsp_lock(c->nv);
	c->nv->filter = f;
	netvsp_unlock(c->nv);
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t s_mcast_list(struct oid_ctx *c)
{
	uint32_t n = c->in_len / 6u;

	if (c->in_len % 6u || n > NETVSP_MCAST_MAX)
		return RNDIS_STATUS_INVALID_LENGTH;
	netvsp_lock(c->nv);
	memcpy(c->nv->mcast, c->in, c->in_len);
	c->nv->n_mcast = n;
	netvsp_unlock(c->nv);
	return RNDIS_STATUS_SUCCESS;
}

/* Offload parameters: accepted (we offered nothing to enable), as Linux
 * requires the set to succeed. The object must at least be a header. */
static uint32_t s_offload_params(struct oid_ctx *c)
{
	return c->in_len < sizeof(struct ndis_obj_hdr) ?
	       RNDIS_STATUS_INVALID_LENGTH : RNDIS_STATUS_SUCCESS;
}

/* Does the UTF-16LE text at p (n bytes) spell ascii, ignoring case? */
static bool utf16_is(const uint8_t *p, uint32_t n, const char *ascii)
{
	size_t k = strlen(ascii);

	if (n != 2u * k)
		return false;
	for (size_t i = 0; i < k; i++) {
		uint8_t ch = p[2 * i];

		if (p[2 * i + 1] || (ch | 0x20) != (ascii[i] | 0x20))
			return false;
	}
	return true;
}

/* 12 UTF-16LE hex digits to a station address; false if not one. */
static bool utf16_mac(const uint8_t *p, uint32_t n, uint8_t mac[6])
{
	static const char hex[] = "0123456789abcdef";

	if (n != 24u)
		return false;
	for (unsigned i = 0; i < 12; i++) {
		const char *d = p[2 * i + 1] || !p[2 * i] ? NULL : strchr(hex, p[2 * i] | 0x20);

		if (!d)
			return false;
		mac[i / 2] = (uint8_t)(mac[i / 2] << 4 | (d - hex));
	}
	/* A station address: not a group address, not all zero (IEEE 802). */
	return !(mac[0] & 1u) && memcmp(mac, "\0\0\0\0\0\0", 6);
}

/* OID_GEN_RNDIS_CONFIG_PARAMETER "NetworkAddress": the guest changes its
 * NIC's address (ip link set eth0 address ...). Accepted as Hyper-V
 * does: the address only steers what the NIC receives (rx_filter);
 * whether the switch passes frames from it is the port's MAC-spoofing
 * setting (Set-VMNetworkAdapter -MacAddressSpoofing). Other parameters
 * are not supported. Every offset and length is checked against in_len. */
static uint32_t s_config_param(struct oid_ctx *c)
{
	struct rndis_config_param h;
	uint8_t mac[6] = { 0 };

	if (c->in_len < sizeof(h))
		return RNDIS_STATUS_INVALID_LENGTH;
	memcpy(&h, c->in, sizeof(h));
	if (h.name_off > c->in_len || h.name_len > c->in_len - h.name_off ||
	    h.value_off > c->in_len || h.value_len > c->in_len - h.value_off)
		return RNDIS_STATUS_INVALID_LENGTH;
	if (!utf16_is(c->in + h.name_off, h.name_len, "NetworkAddress"))
		return RNDIS_STATUS_NOT_SUPPORTED;
	if (h.type != RNDIS_CONFIG_PARAM_STRING || !utf16_mac(c->in + h.value_off, h.value_len, mac))
		return RNDIS_STATUS_INVALID_DATA;
	netvsp_lock(c->nv);
	memcpy(c->nv->cur_mac, mac, 6);
	netvsp_unlock(c->nv);
	return RNDIS_STATUS_SUCCESS;
}

struct oid_row {
	uint32_t oid;
	uint32_t (*query)(struct oid_ctx *c);  /* NULL: not queryable */
	uint32_t (*set)(struct oid_ctx *c);    /* NULL: not settable */
};

static uint32_t q_rss_caps(struct oid_ctx *c)
{
	return netvsp_rss_caps(c->nv, c->out, c->out_len);
}

static uint32_t s_rss_params(struct oid_ctx *c)
{
	return netvsp_rss_set(c->nv, c->in, c->in_len);
}

/* OID_802_3_CURRENT_ADDRESS set is deliberately absent (NOT_SUPPORTED):
 * a guest changes its address through the config parameter, as
 * hv_netvsc does. */
static const struct oid_row oid_table[] = {
	{ OID_GEN_SUPPORTED_LIST, q_supported, NULL },
	{ OID_GEN_HARDWARE_STATUS, q_hw_status, NULL },
	{ OID_GEN_MEDIA_SUPPORTED, q_medium, NULL },
	{ OID_GEN_MEDIA_IN_USE, q_medium, NULL },
	{ OID_GEN_MAXIMUM_FRAME_SIZE, q_max_frame, NULL },
	{ OID_GEN_LINK_SPEED, q_link_speed, NULL },
	{ OID_GEN_CURRENT_PACKET_FILTER, q_filter, s_filter },
	{ OID_GEN_MAXIMUM_TOTAL_SIZE, q_max_total, NULL },
	{ OID_GEN_MAC_OPTIONS, q_mac_options, NULL },
	{ OID_GEN_MEDIA_CONNECT_STATUS, q_connect, NULL },
	{ OID_GEN_VENDOR_DRIVER_VERSION, q_vendor_ver, NULL },
	{ OID_GEN_XMIT_OK, q_xmit_ok, NULL },
	{ OID_GEN_RCV_OK, q_rcv_ok, NULL },
	{ OID_802_3_PERMANENT_ADDRESS, q_mac, NULL },
	{ OID_802_3_CURRENT_ADDRESS, q_cur_mac, NULL },
	{ OID_GEN_RNDIS_CONFIG_PARAMETER, NULL, s_config_param },
	{ OID_802_3_MULTICAST_LIST, q_mcast_list, s_mcast_list },
	{ OID_802_3_MAXIMUM_LIST_SIZE, q_mcast_max, NULL },
	{ OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, q_offload_caps, NULL },
	{ OID_TCP_OFFLOAD_PARAMETERS, NULL, s_offload_params },
	{ OID_GEN_RECEIVE_SCALE_CAPABILITIES, q_rss_caps, NULL },
	{ OID_GEN_RECEIVE_SCALE_PARAMETERS, NULL, s_rss_params },
};

#define OID_ROWS (sizeof(oid_table) / sizeof(oid_table[0]))
_Static_assert(OID_ROWS * 4u <= NETVSP_OID_OUT_MAX, "supported list fits");

static uint32_t q_supported(struct oid_ctx *c)
{
	for (size_t i = 0; i < OID_ROWS; i++)
		memcpy(c->out + i * 4u, &oid_table[i].oid, 4);
	*c->out_len = (uint32_t)(OID_ROWS * 4u);
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t oid_unhandled(struct oid_ctx *c)
{
	(void)c;
	return RNDIS_STATUS_NOT_SUPPORTED;
}

static const struct oid_row oid_unhandled_row = { 0, oid_unhandled,
						  oid_unhandled };

static const struct oid_row *oid_find(uint32_t oid)
{
	for (size_t i = 0; i < OID_ROWS; i++)
		if (oid_table[i].oid == oid)
			return &oid_table[i];
	return &oid_unhandled_row;
}

uint32_t netvsp_oid_query(struct netvsp *nv, uint32_t oid, const void *in,
			  uint32_t in_len, uint8_t *out, uint32_t *out_len)
{
	const struct oid_row *r = oid_find(oid);
	struct oid_ctx c = { nv, in, in_len, out, out_len };

	*out_len = 0;
	return r->query ? r->query(&c) : RNDIS_STATUS_NOT_SUPPORTED;
}

uint32_t netvsp_oid_set(struct netvsp *nv, uint32_t oid, const void *in,
			uint32_t in_len)
{
	const struct oid_row *r = oid_find(oid);
	uint32_t dummy = 0;
	struct oid_ctx c = { nv, in, in_len, NULL, &dummy };

	return r->set ? r->set(&c) : RNDIS_STATUS_NOT_SUPPORTED;
}
