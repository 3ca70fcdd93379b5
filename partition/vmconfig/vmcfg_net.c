/*
 * The [NetworkAdapter] sections of a VM's configuration (docs/vm-config.md
 * "Network adapters"): one per synthetic network adapter, in file order.
 * Key names are Hyper-V's VMNetworkAdapter properties. A file is untrusted
 * input: every value is checked here, before the parent uses it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "partition/vmconfig/vmcfg_priv.h"

#define NIC_SECTION "NetworkAdapter"

int vmcfg_mac_parse(const char *s, uint8_t mac[6])
{
	size_t n = strlen(s);
	int step;

	/* 00155D000A01, or with '-' or ':' between the octets. */
	if (n == 12)
		step = 2;
	else if (n == 17 && (s[2] == '-' || s[2] == ':'))
		step = 3;
	else
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * step;
		int hi = vmcfg_hexval(p[0]), lo = vmcfg_hexval(p[1]);

		if (hi < 0 || lo < 0 || (step == 3 && i < 5 && p[2] != s[2]))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void vmcfg_mac_format(const uint8_t mac[6], char out[13])
{
	snprintf(out, 13, "%02X%02X%02X%02X%02X%02X", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* A station address: not a group address (IEEE 802 bit 0 of the first
 * octet), not all zero. */
static bool mac_ok(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6);
}

int vmcfg_nic_count(const struct vmcfg_doc *doc)
{
	return vmcfg_section_count(doc, NIC_SECTION);
}

/* The single value of key in s (NULL when absent), or an error when the
 * key is given twice or is too long for a field of cap bytes. */
static int one(const struct vmcfg_section *s, const char *key, size_t cap,
	       const struct vmcfg_entry **out, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e = vmcfg_find(s, key, 0), *again = vmcfg_find(s, key, 1);

	*out = e;
	if (again)
		return vmcfg_fail(err, again->line, -EINVAL, "%s is given twice", key);
	if (e && strlen(e->value) >= cap)
		return vmcfg_fail(err, e->line, -E2BIG, "%s is longer than %zu characters", key,
				  cap - 1);
	return 0;
}

static int get_dynamic(const struct vmcfg_section *s, struct vmcfg_nic *nic,
		       struct vmcfg_error *err)
{
	const struct vmcfg_entry *e;
	int rc = one(s, "DynamicMacAddressEnabled", 8, &e, err);

	if (rc || !e)
		return rc;
	if (!strcasecmp(e->value, "True"))
		nic->dynamic_mac = true;
	else if (strcasecmp(e->value, "False"))
		return vmcfg_fail(err, e->line, -EINVAL, "%s must be True or False", e->key);
	return 0;
}

int vmcfg_get_nic(const struct vmcfg_doc *doc, int idx, struct vmcfg_nic *nic,
		  struct vmcfg_error *err)
{
	const struct vmcfg_section *s = vmcfg_section(doc, NIC_SECTION, idx);
	const struct vmcfg_entry *name, *sw, *mac;
	int rc;

	memset(nic, 0, sizeof(*nic));
	if (!s)
		return vmcfg_fail(err, 0, -ENOENT, "no network adapter %d", idx);
	if (idx >= VMCFG_NICS_MAX)
		return vmcfg_fail(err, s->line, -E2BIG, "more than %d network adapters",
				  VMCFG_NICS_MAX);
	rc = one(s, "Name", sizeof(nic->name), &name, err);
	if (!rc)
		rc = one(s, "SwitchName", sizeof(nic->switch_name), &sw, err);
	if (!rc)
		rc = one(s, "MacAddress", 18, &mac, err);
	if (!rc)
		rc = get_dynamic(s, nic, err);
	if (rc)
		return rc;
	if (!name || !name->value[0])
		return vmcfg_fail(err, name ? name->line : s->line, -EINVAL,
				  "a network adapter needs a Name");
	if (!mac || vmcfg_mac_parse(mac->value, nic->mac) || !mac_ok(nic->mac))
		return vmcfg_fail(err, mac ? mac->line : s->line, -EINVAL,
				  "MacAddress must be 12 hex digits of a unicast address (00155D000A01)");
	snprintf(nic->name, sizeof(nic->name), "%s", name->value);
	if (sw)
		snprintf(nic->switch_name, sizeof(nic->switch_name), "%s", sw->value);
	return 0;
}

int vmcfg_put_nic(struct vmcfg_doc *doc, int idx, const struct vmcfg_nic *nic)
{
	struct vmcfg_section *s = vmcfg_section(doc, NIC_SECTION, idx);
	char mac[13];
	int rc;

	if (!nic->name[0] || !mac_ok(nic->mac) || idx < 0 || idx >= VMCFG_NICS_MAX)
		return -EINVAL;
	if (!s && idx != vmcfg_nic_count(doc))
		return -EINVAL;
	if (!s)
		s = vmcfg_section_add(doc, NIC_SECTION);
	if (!s)
		return -ENOMEM;
	vmcfg_mac_format(nic->mac, mac);
	rc = vmcfg_set(s, "Name", nic->name);
	if (!rc)
		rc = vmcfg_set(s, "SwitchName", nic->switch_name);
	if (!rc)
		rc = vmcfg_set(s, "MacAddress", mac);
	if (!rc)
		rc = vmcfg_set(s, "DynamicMacAddressEnabled", nic->dynamic_mac ? "True" : "False");
	return rc;
}
