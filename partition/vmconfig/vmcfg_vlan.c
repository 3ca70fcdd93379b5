/*
 * VLAN ID lists ("1-5,7"): what Set-VMNetworkAdapterVlan -Trunk
 * -AllowedVlanIdList takes and what config.txt keeps (AllowedVlanIdList,
 * docs/vm-config.md "Network adapters"). The text comes from the console
 * or from a file on the host volume, so it is untrusted: every number is
 * range-checked while it is read (no overflow), and fuzz_vmconfig checks
 * that what parses formats back to text that parses to the same IDs.
 *
 * VLAN IDs are 1..4094: 802.1Q Table 9-2 reserves 0 (priority tag, no
 * VLAN) and 0xFFF.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "partition/vmconfig/vmcfg_priv.h"

static bool vid_test(const uint64_t bits[VMCFG_VLAN_WORDS], unsigned v)
{
	return bits[v >> 6] >> (v & 63) & 1;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* One VLAN ID at *pp: digits only, checked against 4094 as they come. */
static int read_vid(const char **pp, unsigned *v, const char **why)
{
	const char *p = skip_blanks(*pp);
	unsigned n = 0;

	if (*p < '0' || *p > '9') {
		*why = *p == ',' || !*p ? "an item is empty" : "an item is not a number or a range A-B";
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned)(*p - '0');
		if (n > VMCFG_VID_MAX) {
			*why = "a VLAN ID is above 4094";
			return -EINVAL;
		}
	}
	if (n == 0) {
		*why = "VLAN ID 0 is not a VLAN (IDs are 1 to 4094)";
		return -EINVAL;
	}
	*v = n;
	*pp = skip_blanks(p);
	return 0;
}

/* One item, "V" or "A-B", ORed into bits; *pp moves past it. */
static int read_item(const char **pp, uint64_t bits[VMCFG_VLAN_WORDS], const char **why)
{
	unsigned lo, hi;
	int rc = read_vid(pp, &lo, why);

	if (rc)
		return rc;
	hi = lo;
	if (**pp == '-') {
		(*pp)++;
		rc = read_vid(pp, &hi, why);
		if (rc)
			return rc;
		if (hi < lo) {
			*why = "a range A-B has B below A";
			return -EINVAL;
		}
	}
	for (unsigned v = lo; v <= hi; v++)
		bits[v >> 6] |= 1ull << (v & 63);
	return 0;
}

int vmcfg_vlan_list_parse(const char *s, uint64_t bits[VMCFG_VLAN_WORDS], const char **why)
{
	const char *p = s;
	int rc;

	memset(bits, 0, VMCFG_VLAN_WORDS * sizeof(bits[0]));
	for (;;) {
		rc = read_item(&p, bits, why);
		if (rc)
			break;
		if (!*p)
			return 0;
		if (*p != ',') {
			*why = "items are separated by ','";
			rc = -EINVAL;
			break;
		}
		p++;
	}
	memset(bits, 0, VMCFG_VLAN_WORDS * sizeof(bits[0]));
	return rc;
}

int vmcfg_vlan_list_format(const uint64_t bits[VMCFG_VLAN_WORDS], char *out, size_t n)
{
	size_t len = 0;

	if (!n)
		return -E2BIG;
	out[0] = '\0';
	for (unsigned v = 1; v <= VMCFG_VID_MAX; v++) {
		unsigned end = v;
		int w;

		if (!vid_test(bits, v))
			continue;
		while (end < VMCFG_VID_MAX && vid_test(bits, end + 1))
			end++;
		w = end == v ? snprintf(out + len, n - len, "%s%u", len ? "," : "", v)
			     : snprintf(out + len, n - len, "%s%u-%u", len ? "," : "", v, end);
		if (w < 0 || (size_t)w >= n - len)
			return -E2BIG;
		len += (size_t)w;
		v = end;
	}
	return 0;
}

size_t vmcfg_vlan_list_ids(const uint64_t bits[VMCFG_VLAN_WORDS], uint16_t *ids)
{
	size_t k = 0;

	for (unsigned v = 1; v <= VMCFG_VID_MAX; v++)
		if (vid_test(bits, v)) {
			if (ids)
				ids[k] = (uint16_t)v;
			k++;
		}
	return k;
}
