/* libFuzzer target: the input is a config.txt from the host volume
 * (docs/vm-config.md). Besides the sanitizers' checks: a file that parses
 * must write back to text that parses to the same document, and whose
 * writing is stable (write(parse(write(d))) == write(d)); the VM layer
 * must either refuse it with a message or give a VM that writes back and
 * reads again to the same values; an error must name a line within the
 * file. The whole input is also a VLAN ID list for the list parser
 * (check_vlan_list). Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "partition/vmconfig/vmcfg.h"

/* The [HardDrive] sections: refused with a message naming a line of the
 * file, or read, written back and read again to the same disks. */
static void check_disks(struct vmcfg_doc *doc, int lines)
{
	static struct vmcfg_disk d[VMCFG_DRIVES_MAX], again[VMCFG_DRIVES_MAX];
	struct vmcfg_doc d2;
	struct vmcfg_error err;
	size_t len;
	char *text;
	int n, n2;

	if (vmcfg_get_disks(doc, d, VMCFG_DRIVES_MAX, &n, &err)) {
		if (!err.msg[0] || err.line < 0 || err.line > lines)
			abort();
		return;
	}
	memset(again, 0, sizeof(again));
	if (vmcfg_put_disks(doc, d, n))
		return;   /* out of memory, or the file would be too big */
	text = vmcfg_write(doc, &len);
	if (!text)
		return;
	if (vmcfg_parse(text, len, &d2, &err) ||
	    vmcfg_get_disks(&d2, again, VMCFG_DRIVES_MAX, &n2, &err) || n2 != n)
		abort();
	for (int i = 0; i < n; i++)
		if (strcmp(d[i].path, again[i].path) ||
		    d[i].controller_type != again[i].controller_type ||
		    d[i].controller_number != again[i].controller_number ||
		    d[i].controller_location != again[i].controller_location ||
		    d[i].pass_through != again[i].pass_through ||
		    d[i].disk_number != again[i].disk_number)
			abort();
	vmcfg_free(&d2);
	free(text);
}

/* The snapshot tree and merges: refused with a message naming a line,
 * or every parent index earlier than its child, and removing each
 * snapshot in turn leaves a tree that still reads (children handed on). */
static void check_snaps(struct vmcfg_doc *doc, int lines)
{
	static struct vmcfg_snaps s;
	static struct vmcfg_merge m[VMCFG_MERGES_MAX];
	struct vmcfg_error err;
	uint8_t id[16];
	int n;

	if (vmcfg_get_merges(doc, m, VMCFG_MERGES_MAX, &n, &err) &&
	    (!err.msg[0] || err.line < 0 || err.line > lines))
		abort();
	if (vmcfg_get_snaps(doc, &s, &err)) {
		if (!err.msg[0] || err.line < 0 || err.line > lines)
			abort();
		return;
	}
	for (int i = 0; i < s.n; i++)
		if (s.s[i].parent >= i || s.s[i].parent < -1)
			abort();
	while (s.n) {
		memcpy(id, s.s[0].id, 16);
		if (vmcfg_snap_remove(doc, id) || vmcfg_get_snaps(doc, &s, &err))
			abort();
	}
}

/* The [DvdDrive] sections, against the disks the file has: refused
 * with a message naming a line, or read, written back and read again. */
static void check_dvds(struct vmcfg_doc *doc, int lines)
{
	static struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	static struct vmcfg_dvd d[VMCFG_IDE_DRIVES], again[VMCFG_IDE_DRIVES];
	struct vmcfg_doc d2;
	struct vmcfg_error err;
	size_t len;
	char *text;
	int nd = 0, n, n2;

	if (vmcfg_get_disks(doc, disks, VMCFG_DRIVES_MAX, &nd, &err))
		nd = 0;
	if (vmcfg_get_dvds(doc, disks, nd, d, VMCFG_IDE_DRIVES, &n, &err)) {
		if (!err.msg[0] || err.line < 0 || err.line > lines)
			abort();
		return;
	}
	if (vmcfg_put_dvds(doc, d, n))
		return;
	text = vmcfg_write(doc, &len);
	if (!text)
		return;
	if (vmcfg_parse(text, len, &d2, &err) ||
	    vmcfg_get_dvds(&d2, disks, nd, again, VMCFG_IDE_DRIVES, &n2, &err) || n2 != n)
		abort();
	for (int i = 0; i < n; i++)
		if (strcmp(d[i].path, again[i].path) ||
		    d[i].controller_number != again[i].controller_number ||
		    d[i].controller_location != again[i].controller_location)
			abort();
	vmcfg_free(&d2);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_lines(const uint8_t *d, size_t n)
{
	int l = 1;

	for (size_t i = 0; i < n; i++)
		l += d[i] == '\n';
	return l;
}

static void same_docs(const struct vmcfg_doc *a, const struct vmcfg_doc *b)
{
	if (a->n != b->n)
		abort();
	for (int i = 0; i < a->n; i++) {
		if (strcmp(a->s[i].name, b->s[i].name) || a->s[i].n != b->s[i].n)
			abort();
		for (int j = 0; j < a->s[i].n; j++)
			if (strcmp(a->s[i].e[j].key, b->s[i].e[j].key) ||
			    strcmp(a->s[i].e[j].value, b->s[i].e[j].value))
				abort();
	}
}

static void check_vm(struct vmcfg_doc *doc)
{
	struct vmcfg_vm vm, again;
	struct vmcfg_doc d2;
	struct vmcfg_error err;
	size_t len;
	char *text;
	int unk;

	if (vmcfg_get_vm(doc, &vm, &unk, &err)) {
		if (!err.msg[0])
			abort();
		return;
	}
	if (vmcfg_put_vm(doc, &vm))
		return;   /* out of memory, or a value the writer will not take */
	text = vmcfg_write(doc, &len);
	if (!text)
		return;
	if (vmcfg_parse(text, len, &d2, &err) || vmcfg_get_vm(&d2, &again, &unk, &err))
		abort();
	if (memcmp(&vm, &again, sizeof(vm)))
		abort();
	vmcfg_free(&d2);
	free(text);
}

/* A VLAN ID list (AllowedVlanIdList, Set-VMNetworkAdapterVlan): what
 * parses formats into VMCFG_VALUE_MAX bytes whenever the text fitted
 * there (the canonical text is never longer than its input), formats
 * stably, and parses back to the same IDs; a refusal says why and leaves
 * no ID set. */
static void check_vlan_list(const uint8_t *data, size_t size)
{
	static const uint64_t none[VMCFG_VLAN_WORDS];
	uint64_t bits[VMCFG_VLAN_WORDS], again[VMCFG_VLAN_WORDS];
	char in[VMCFG_VALUE_MAX + 1], out[VMCFG_VALUE_MAX + 1], out2[VMCFG_VALUE_MAX + 1];
	const char *why = NULL;
	size_t n = size < VMCFG_VALUE_MAX ? size : VMCFG_VALUE_MAX;

	memcpy(in, data, n);
	in[n] = '\0';
	if (vmcfg_vlan_list_parse(in, bits, &why)) {
		if (!why || !why[0] || memcmp(bits, none, sizeof(none)))
			abort();
		return;
	}
	if (vmcfg_vlan_list_format(bits, out, strlen(in) + 1) ||
	    vmcfg_vlan_list_parse(out, again, &why) || memcmp(bits, again, sizeof(bits)) ||
	    vmcfg_vlan_list_format(again, out2, sizeof(out2)) || strcmp(out, out2) ||
	    !vmcfg_vlan_list_ids(bits, NULL) || (bits[0] & 1) || (bits[VMCFG_VLAN_WORDS - 1] >> 63))
		abort();
}

/* Network adapters: refused with a message, or written back and read
 * again to the same values. */
static void check_nics(struct vmcfg_doc *doc)
{
	struct vmcfg_nic nic, again;
	struct vmcfg_error err;
	int n = vmcfg_nic_count(doc);

	for (int i = 0; i < n; i++) {
		if (vmcfg_get_nic(doc, i, &nic, &err)) {
			if (!err.msg[0])
				abort();
			continue;
		}
		if (vmcfg_put_nic(doc, i, &nic))
			continue;   /* out of memory */
		if (vmcfg_get_nic(doc, i, &again, &err) || memcmp(&nic, &again, sizeof(nic)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmcfg_doc doc, d2;
	struct vmcfg_error err;
	size_t len, len2;
	char *t1, *t2;

	if (vmcfg_parse((const char *)data, size, &doc, &err)) {
		if (!err.msg[0] || err.line < 0 || err.line > count_lines(data, size) || doc.n)
			abort();
		return 0;
	}
	t1 = vmcfg_write(&doc, &len);
	if (t1) {
		if (strlen(t1) != len || vmcfg_parse(t1, len, &d2, &err))
			abort();
		same_docs(&doc, &d2);
		t2 = vmcfg_write(&d2, &len2);
		if (t2 && (len2 != len || memcmp(t1, t2, len)))
			abort();
		free(t2);
		vmcfg_free(&d2);
		free(t1);
	}
	check_disks(&doc, count_lines(data, size));
	check_dvds(&doc, count_lines(data, size));
	check_snaps(&doc, count_lines(data, size));
	check_vm(&doc);
	check_nics(&doc);
	vmcfg_free(&doc);
	check_vlan_list(data, size);
	return 0;
}
