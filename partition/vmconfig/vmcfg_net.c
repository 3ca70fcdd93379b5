/*
 * The [NetworkAdapter] sections of a VM's configuration (docs/vm-config.md
 * "Network adapters"): one per synthetic network adapter, in file order.
 * Key names are Hyper-V's VMNetworkAdapter properties. A file is untrusted
 * input: every value is checked here, before the parent uses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

const char *const vmcfg_vlan_mode_names[] = { "Untagged", "Access", "Trunk", NULL };

static int get_spoofing(const struct vmcfg_section *s, struct vmcfg_nic *nic,
			struct vmcfg_error *err)
{
	const struct vmcfg_entry *e;
	int rc = one(s, "MacAddressSpoofing", 8, &e, err);

	if (rc || !e)
		return rc;
	if (!strcasecmp(e->value, "On"))
		nic->mac_spoofing = true;
	else if (strcasecmp(e->value, "Off"))
		return vmcfg_fail(err, e->line, -EINVAL, "%s must be On or Off", e->key);
	return 0;
}

/* A VLAN ID key: absent unless the mode needs it (need), min..4094. */
static int get_vid(const struct vmcfg_section *s, const char *key, bool need, unsigned min,
		   int mode_line, uint16_t *out, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e;
	unsigned long v = 0;
	char *end;
	int rc = one(s, key, 8, &e, err);

	if (rc)
		return rc;
	if (!e)
		return need ? vmcfg_fail(err, mode_line, -EINVAL, "this VlanOperationMode needs %s", key) : 0;
	if (!need)
		return vmcfg_fail(err, e->line, -EINVAL, "%s is only for VlanOperationMode %s", key,
				  strcmp(key, "AccessVlanId") ? "Trunk" : "Access");
	if (e->value[0] >= '0' && e->value[0] <= '9')
		v = strtoul(e->value, &end, 10);
	if (e->value[0] < '0' || e->value[0] > '9' || *end || v < min || v > VMCFG_VID_MAX)
		return vmcfg_fail(err, e->line, -EINVAL, "%s must be a number from %u to %u", key, min,
				  VMCFG_VID_MAX);
	*out = (uint16_t)v;
	return 0;
}

static int get_allowed(const struct vmcfg_section *s, bool need, int mode_line,
		       struct vmcfg_nic *nic, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e;
	const char *why;
	int rc = one(s, "AllowedVlanIdList", VMCFG_VALUE_MAX + 1, &e, err);

	if (rc)
		return rc;
	if (!e)
		return need ? vmcfg_fail(err, mode_line, -EINVAL,
					 "this VlanOperationMode needs AllowedVlanIdList") : 0;
	if (!need)
		return vmcfg_fail(err, e->line, -EINVAL,
				  "AllowedVlanIdList is only for VlanOperationMode Trunk");
	if (vmcfg_vlan_list_parse(e->value, nic->allowed, &why))
		return vmcfg_fail(err, e->line, -EINVAL, "AllowedVlanIdList: %s", why);
	return 0;
}

/* VlanOperationMode (absent: Untagged) and the IDs its mode takes. */
static int get_vlan(const struct vmcfg_section *s, struct vmcfg_nic *nic, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e;
	int rc = one(s, "VlanOperationMode", 10, &e, err), line = e ? e->line : s->line;

	if (rc)
		return rc;
	for (int m = 0; e && vmcfg_vlan_mode_names[m]; m++)
		if (!strcasecmp(e->value, vmcfg_vlan_mode_names[m]))
			nic->vlan_mode = (enum vmcfg_vlan_mode)m;
	if (e && strcasecmp(e->value, vmcfg_vlan_mode_names[nic->vlan_mode]))
		return vmcfg_fail(err, e->line, -EINVAL,
				  "VlanOperationMode must be Untagged, Access or Trunk");
	rc = get_vid(s, "AccessVlanId", nic->vlan_mode == VMCFG_VLAN_ACCESS, 1, line,
		     &nic->access_vlan, err);
	if (!rc)
		rc = get_vid(s, "NativeVlanId", nic->vlan_mode == VMCFG_VLAN_TRUNK, 0, line,
			     &nic->native_vlan, err);
	if (!rc)
		rc = get_allowed(s, nic->vlan_mode == VMCFG_VLAN_TRUNK, line, nic, err);
	return rc;
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
	if (!rc)
		rc = get_spoofing(s, nic, err);
	if (!rc)
		rc = get_vlan(s, nic, err);
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

/* What vmcfg_get_nic would refuse in the VLAN settings. */
static bool vlan_ok(const struct vmcfg_nic *nic)
{
	static const uint64_t none[VMCFG_VLAN_WORDS];
	bool listed = memcmp(nic->allowed, none, sizeof(none)) != 0;

	/* Bits 0 and 4095 are not VLANs (802.1Q Table 9-2). */
	if ((nic->allowed[0] & 1) || (nic->allowed[VMCFG_VLAN_WORDS - 1] >> 63))
		return false;
	switch (nic->vlan_mode) {
	case VMCFG_VLAN_UNTAGGED:
		return !nic->access_vlan && !nic->native_vlan && !listed;
	case VMCFG_VLAN_ACCESS:
		return nic->access_vlan >= 1 && nic->access_vlan <= VMCFG_VID_MAX &&
		       !nic->native_vlan && !listed;
	case VMCFG_VLAN_TRUNK:
		return !nic->access_vlan && nic->native_vlan <= VMCFG_VID_MAX && listed;
	}
	return false;
}

/* The VLAN keys of s: each mode writes only the IDs it takes. */
static int put_vlan(struct vmcfg_section *s, const struct vmcfg_nic *nic)
{
	char id[8], list[VMCFG_VALUE_MAX + 1];
	bool access = nic->vlan_mode == VMCFG_VLAN_ACCESS, trunk = nic->vlan_mode == VMCFG_VLAN_TRUNK;
	int rc = vmcfg_set(s, "VlanOperationMode", vmcfg_vlan_mode_names[nic->vlan_mode]);

	snprintf(id, sizeof(id), "%u", access ? nic->access_vlan : nic->native_vlan);
	if (!rc)
		rc = vmcfg_set(s, "AccessVlanId", access ? id : NULL);
	if (!rc)
		rc = vmcfg_set(s, "NativeVlanId", trunk ? id : NULL);
	if (!rc && trunk)
		rc = vmcfg_vlan_list_format(nic->allowed, list, sizeof(list));
	if (!rc)
		rc = vmcfg_set(s, "AllowedVlanIdList", trunk ? list : NULL);
	return rc;
}

int vmcfg_remove_nic(struct vmcfg_doc *doc, int idx)
{
	struct vmcfg_section *s = idx >= 0 ? vmcfg_section(doc, NIC_SECTION, idx) : NULL;

	if (!s)
		return -ENOENT;
	vmcfg_section_remove(doc, s);
	return 0;
}

int vmcfg_put_nic(struct vmcfg_doc *doc, int idx, const struct vmcfg_nic *nic)
{
	struct vmcfg_section *s = vmcfg_section(doc, NIC_SECTION, idx);
	char mac[13];
	int rc;

	if (!nic->name[0] || !mac_ok(nic->mac) || idx < 0 || idx >= VMCFG_NICS_MAX || !vlan_ok(nic))
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
	if (!rc)
		rc = vmcfg_set(s, "MacAddressSpoofing", nic->mac_spoofing ? "On" : "Off");
	if (!rc)
		rc = put_vlan(s, nic);
	return rc;
}
