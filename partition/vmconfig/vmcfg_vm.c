/*
 * The VM layer of the configuration format: the [VM] section's known keys
 * (docs/vm-config.md lists them) to struct vmcfg_vm and back. Key names
 * are Hyper-V's property names (Get-VM | Format-List shows the same).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partition/vmconfig/vmcfg_priv.h"

const char *const vmcfg_start_names[] = { "Nothing", "Start", "StartIfRunning", NULL };
const char *const vmcfg_stop_names[] = { "TurnOff", "Save", "ShutDown", NULL };

/* Keys of [VM] this parent reads; any other is kept and reported. */
static const char *const known_keys[] = {
	"Name", "VMId", "MemoryStartupBytes", "ProcessorCount", "ProcessorRelativeWeight",
	"ProcessorReserve", "ProcessorMaximum", "Kernel", "Initrd", "Module",
	"KernelArgs", "Notes", "AutomaticStartAction", "AutomaticStopAction",
	"WasRunning", "ParentSnapshotId", NULL,   /* the last: vmcfg_snap.c's */
};
/* Of those, the ones that may repeat. */
static const char *const repeat_keys[] = { "Module", NULL };

static int in_set(const char *const *set, const char *s)
{
	for (int i = 0; set[i]; i++)
		if (!strcasecmp(set[i], s))
			return i;
	return -1;
}

/* ---- GUIDs ---- */

static int hex2(const char *s)
{
	int hi = vmcfg_hexval(s[0]), lo = hi < 0 ? -1 : vmcfg_hexval(s[1]);

	return lo < 0 ? -1 : hi << 4 | lo;
}

/* Text order of the 16 bytes: the first three fields are stored
 * little-endian (Windows' GUID layout, as partition/lib/guid.c formats). */
static const uint8_t guid_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

int vmcfg_guid_parse(const char *s, uint8_t g[16])
{
	int pos = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		int v;

		if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
			if (s[pos] != '-')
				return -EINVAL;
			pos++;
		}
		v = hex2(s + pos);
		if (v < 0)
			return -EINVAL;
		g[guid_order[i]] = (uint8_t)v;
		pos += 2;
	}
	return 0;
}

void vmcfg_guid_format(const uint8_t g[16], char out[37])
{
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += sprintf(p, "%02x", g[guid_order[i]]);
	}
	*p = '\0';
}

/* ---- Numbers: bytes with an optional KB/MB/GB/TB suffix (powers of 1024,
 * as PowerShell's) ---- */

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return *s ? -EINVAL : 0;
}

static int parse_bytes(const char *s, uint64_t *out)
{
	static const char *const sfx[] = { "KB", "MB", "GB", "TB" };
	char num[24];
	size_t n = strlen(s);
	int shift = 0;

	for (int i = 0; i < 4 && !shift; i++)
		if (n > 2 && !strcasecmp(s + n - 2, sfx[i]))
			shift = 10 * (i + 1);
	if (shift)
		n -= 2;
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_u64(num, UINT64_MAX >> shift, out))
		return -EINVAL;
	*out <<= shift;
	return 0;
}

static void format_bytes(uint64_t v, char *out, size_t n)
{
	if (v && !(v & ((1ull << 30) - 1)))
		snprintf(out, n, "%lluGB", (unsigned long long)(v >> 30));
	else if (v && !(v & ((1ull << 20) - 1)))
		snprintf(out, n, "%lluMB", (unsigned long long)(v >> 20));
	else
		snprintf(out, n, "%llu", (unsigned long long)v);
}

/* ---- Reading [VM] ---- */

static int copy_str(char *dst, size_t cap, const struct vmcfg_entry *e, struct vmcfg_error *err)
{
	if (strlen(e->value) >= cap)
		return vmcfg_fail(err, e->line, -E2BIG, "%s is longer than %zu characters", e->key,
			    cap - 1);
	memcpy(dst, e->value, strlen(e->value) + 1);
	return 0;
}

static int get_bool(const struct vmcfg_entry *e, bool *out, struct vmcfg_error *err)
{
	if (!strcasecmp(e->value, "true") || !strcmp(e->value, "1"))
		*out = true;
	else if (!strcasecmp(e->value, "false") || !strcmp(e->value, "0"))
		*out = false;
	else
		return vmcfg_fail(err, e->line, -EINVAL, "%s must be True or False", e->key);
	return 0;
}

static int get_enum(const struct vmcfg_entry *e, const char *const *set, int *out,
		    struct vmcfg_error *err)
{
	int i = in_set(set, e->value);

	if (i < 0)
		return vmcfg_fail(err, e->line, -EINVAL, "%s must be %s, %s or %s", e->key, set[0],
			    set[1], set[2]);
	*out = i;
	return 0;
}

static int get_number(const struct vmcfg_entry *e, uint64_t *out, struct vmcfg_error *err)
{
	if (parse_bytes(e->value, out))
		return vmcfg_fail(err, e->line, -EINVAL, "%s must be a number (bytes, or with KB, MB, GB)",
			    e->key);
	return 0;
}

/* ProcessorRelativeWeight, ProcessorReserve, ProcessorMaximum: Hyper-V's
 * ranges (Set-VMProcessor); that Reserve is at most Maximum is checked
 * when both are read (vmcfg_get_vm). */
static int get_processor(const struct vmcfg_entry *e, struct vmcfg_vm *vm, struct vmcfg_error *err)
{
	static const struct { const char *key; uint64_t lo, hi; } keys[] = {
		{ "ProcessorRelativeWeight", 1, 10000 }, { "ProcessorReserve", 0, 100 },
		{ "ProcessorMaximum", 1, 100 },
	};
	uint32_t *dst[] = { &vm->weight, &vm->reserve_pct, &vm->max_pct };
	uint64_t v;
	int rc;

	for (int i = 0; i < 3; i++) {
		if (strcasecmp(e->key, keys[i].key))
			continue;
		rc = get_number(e, &v, err);
		if (!rc && (v < keys[i].lo || v > keys[i].hi))
			return vmcfg_fail(err, e->line, -EINVAL, "%s must be %llu to %llu", keys[i].key,
					  (unsigned long long)keys[i].lo, (unsigned long long)keys[i].hi);
		*dst[i] = (uint32_t)v;
		return rc;
	}
	return vmcfg_fail(err, e->line, -EINVAL, "%s is not a setting", e->key);
}

/* One known key's value into vm. */
static int get_key(const struct vmcfg_entry *e, struct vmcfg_vm *vm, struct vmcfg_error *err)
{
	const char *k = e->key;
	uint64_t v;
	int i, rc;

	if (!strcasecmp(k, "Name"))
		return e->value[0] ? copy_str(vm->name, sizeof(vm->name), e, err)
				   : vmcfg_fail(err, e->line, -EINVAL, "Name is empty");
	if (!strcasecmp(k, "VMId"))
		return vmcfg_guid_parse(e->value, vm->vmid)
			? vmcfg_fail(err, e->line, -EINVAL, "VMId is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
			: 0;
	if (!strcasecmp(k, "MemoryStartupBytes"))
		return get_number(e, &vm->memory_bytes, err);
	if (!strcasecmp(k, "ProcessorCount")) {
		rc = get_number(e, &v, err);
		if (!rc && (v < 1 || v > 64))
			rc = vmcfg_fail(err, e->line, -EINVAL, "ProcessorCount must be 1 to 64");
		vm->processors = (uint32_t)v;
		return rc;
	}
	if (!strncasecmp(k, "Processor", 9))
		return get_processor(e, vm, err);
	if (!strcasecmp(k, "Kernel"))
		return copy_str(vm->kernel, sizeof(vm->kernel), e, err);
	if (!strcasecmp(k, "Initrd"))
		return copy_str(vm->initrd, sizeof(vm->initrd), e, err);
	if (!strcasecmp(k, "Module")) {
		if (vm->nmodules >= VMCFG_MODULES_MAX)
			return vmcfg_fail(err, e->line, -E2BIG, "more than %d modules", VMCFG_MODULES_MAX);
		return copy_str(vm->modules[vm->nmodules++], VMCFG_PATH_MAX, e, err);
	}
	if (!strcasecmp(k, "KernelArgs"))
		return copy_str(vm->kernel_args, sizeof(vm->kernel_args), e, err);
	if (!strcasecmp(k, "Notes"))
		return copy_str(vm->notes, sizeof(vm->notes), e, err);
	if (!strcasecmp(k, "WasRunning"))
		return get_bool(e, &vm->was_running, err);
	if (!strcasecmp(k, "ParentSnapshotId"))
		return 0;   /* vmcfg_get_snaps checks it against the snapshots */
	i = 0;
	rc = get_enum(e, !strcasecmp(k, "AutomaticStartAction") ? vmcfg_start_names
							       : vmcfg_stop_names, &i, err);
	if (rc)
		return rc;
	if (!strcasecmp(k, "AutomaticStartAction"))
		vm->start_action = (enum vmcfg_start)i;
	else
		vm->stop_action = (enum vmcfg_stop)i;
	return 0;
}

/* A key that may appear once, given again, is an error on its second line. */
static int dup_check(const struct vmcfg_section *s, int j, struct vmcfg_error *err)
{
	const struct vmcfg_entry *e = &s->e[j];

	if (in_set(repeat_keys, e->key) >= 0)
		return 0;
	for (int i = 0; i < j; i++)
		if (!strcasecmp(s->e[i].key, e->key))
			return vmcfg_fail(err, e->line, -EINVAL, "%s given twice (first on line %d)",
				    e->key, s->e[i].line);
	return 0;
}

static int required(const struct vmcfg_section *s, struct vmcfg_error *err)
{
	static const char *const req[] = { "Name", "VMId", "MemoryStartupBytes", "Kernel" };

	for (int i = 0; i < 4; i++)
		if (!vmcfg_find(s, req[i], 0))
			return vmcfg_fail(err, s->line, -EINVAL, "[%s] has no %s", s->name, req[i]);
	return 0;
}

int vmcfg_get_vm(const struct vmcfg_doc *doc, struct vmcfg_vm *vm, int *unknown_line,
		 struct vmcfg_error *err)
{
	const struct vmcfg_section *s = vmcfg_section(doc, "VM", 0), *again;
	int rc = 0;

	memset(vm, 0, sizeof(*vm));
	vm->processors = 1;
	vm->weight = 100;
	vm->max_pct = 100;
	*unknown_line = 0;
	if (!s)
		return vmcfg_fail(err, 0, -EINVAL, "no [VM] section");
	again = vmcfg_section(doc, "VM", 1);
	if (again)
		return vmcfg_fail(err, again->line, -EINVAL, "a second [VM] section (the first is on line %d)",
			    s->line);
	for (int j = 0; j < s->n && !rc; j++) {
		if (in_set(known_keys, s->e[j].key) < 0) {
			if (!*unknown_line)
				*unknown_line = s->e[j].line;
			continue;
		}
		rc = dup_check(s, j, err);
		if (!rc)
			rc = get_key(&s->e[j], vm, err);
	}
	if (!rc && vm->reserve_pct > vm->max_pct)
		rc = vmcfg_fail(err, s->line, -EINVAL, "ProcessorReserve (%u) is above ProcessorMaximum (%u)",
				vm->reserve_pct, vm->max_pct);
	return rc ? rc : required(s, err);
}

/* ---- Writing [VM] ---- */

static int put_known(struct vmcfg_section *s, const struct vmcfg_vm *vm)
{
	char id[37], mem[24], cpus[12], w[12], res[12], max[12];
	int rc;

	vmcfg_guid_format(vm->vmid, id);
	format_bytes(vm->memory_bytes, mem, sizeof(mem));
	snprintf(cpus, sizeof(cpus), "%u", vm->processors);
	snprintf(w, sizeof(w), "%u", vm->weight);
	snprintf(res, sizeof(res), "%u", vm->reserve_pct);
	snprintf(max, sizeof(max), "%u", vm->max_pct);
	rc = vmcfg_set(s, "Name", vm->name);
	if (!rc)
		rc = vmcfg_set(s, "VMId", id);
	if (!rc)
		rc = vmcfg_set(s, "MemoryStartupBytes", mem);
	if (!rc)
		rc = vmcfg_set(s, "ProcessorCount", cpus);
	if (!rc)
		rc = vmcfg_set(s, "ProcessorRelativeWeight", w);
	if (!rc)
		rc = vmcfg_set(s, "ProcessorReserve", res);
	if (!rc)
		rc = vmcfg_set(s, "ProcessorMaximum", max);
	if (!rc)
		rc = vmcfg_set(s, "Kernel", vm->kernel);
	if (!rc)
		rc = vmcfg_set(s, "Initrd", vm->initrd);
	if (!rc)
		rc = vmcfg_set(s, "KernelArgs", vm->kernel_args);
	return rc;
}

static int put_rest(struct vmcfg_section *s, const struct vmcfg_vm *vm)
{
	int rc = vmcfg_set(s, "Module", NULL);

	for (int i = 0; i < vm->nmodules && !rc; i++)
		rc = vmcfg_add(s, "Module", vm->modules[i]);
	if (!rc)
		rc = vmcfg_set(s, "Notes", vm->notes);
	if (!rc)
		rc = vmcfg_set(s, "AutomaticStartAction", vmcfg_start_names[vm->start_action]);
	if (!rc)
		rc = vmcfg_set(s, "AutomaticStopAction", vmcfg_stop_names[vm->stop_action]);
	if (!rc)
		rc = vmcfg_set(s, "WasRunning", vm->was_running ? "True" : "False");
	return rc;
}

int vmcfg_put_vm(struct vmcfg_doc *doc, const struct vmcfg_vm *vm)
{
	struct vmcfg_section *s = vmcfg_section(doc, "VM", 0);

	if ((unsigned)vm->start_action > VMCFG_START_IF_RUNNING ||
	    (unsigned)vm->stop_action > VMCFG_STOP_SHUT_DOWN || vm->nmodules < 0 ||
	    vm->nmodules > VMCFG_MODULES_MAX || !vm->weight || vm->weight > 10000 ||
	    !vm->max_pct || vm->max_pct > 100 || vm->reserve_pct > vm->max_pct)
		return -EINVAL;
	if (!s) {
		struct vmcfg_section added;

		/* [VM] goes first, so a person reading the file sees it first. */
		if (!vmcfg_section_add(doc, "VM"))
			return -ENOMEM;
		added = doc->s[doc->n - 1];
		memmove(&doc->s[1], &doc->s[0], (size_t)(doc->n - 1) * sizeof(doc->s[0]));
		doc->s[0] = added;
		s = &doc->s[0];
	}
	return put_known(s, vm) ?: put_rest(s, vm);
}
