/*
 * VM configurations on the host volume: the folder layout of vmstore.h,
 * the atomic write, loading at boot, and the automatic start and stop
 * actions. The text format is partition/vmconfig/ (docs/vm-config.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "partition/vm.h"
#include "partition/vm_snap.h"
#include "partition/vmstore.h"
#include "partition/volume/volume.h"

_Static_assert(VM_NAME_MAX == VMCFG_NAME_MAX && VM_PATH_MAX == VMCFG_PATH_MAX &&
	       VM_CMDLINE_MAX == VMCFG_ARGS_MAX && VM_MODULES_MAX == VMCFG_MODULES_MAX,
	       "struct vm and struct vmcfg_vm hold the same strings");

#define LOCATION_SUFFIX ".location"

bool vmstore_on(void)
{
	struct volume *c = volume_by_letter('C');

	return c && c->kind == VOL_KIND_EXT2 && !ext2_is_read_only(c->fs);
}

const char *vmstore_where(void)
{
	return vmstore_on() ? VMSTORE_ROOT
			    : "(none: no writable host volume C:, so VMs last until the host restarts)";
}

/* ---- Files ---- */

int vmstore_path(const char *folder, const char *name, struct vol_path *vp)
{
	int rc = volume_resolve(folder, vp);

	return rc ? rc : name ? volume_join(vp, name) : 0;
}

static int write_all(const struct vol_path *vp, const char *data, size_t len)
{
	struct vol_file f;
	int64_t w;
	int rc = volume_open(vp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &f);

	if (rc)
		return rc;
	w = len ? volume_file_write(&f, 0, data, len) : 0;
	rc = volume_file_close(&f);
	if (w < 0)
		return (int)w;
	return (size_t)w != len ? -EIO : rc;
}

/* Write name in folder atomically: name.new written and synced (ext2's
 * sync flushes its bitmaps, indirect blocks, descriptors and then the
 * disk's write cache: our fsync), renamed over name (ext2 points the old
 * entry at the new inode in one directory-block write), synced again. A
 * crash leaves the old file or the new one, never a mix
 * (docs/vm-config.md, "Writing"). */
int vmstore_write_file(const char *folder, const char *name, const char *data, size_t len)
{
	char tmpname[VOL_NAME_MAX + 1];
	struct vol_path tmp = { 0 }, dst;
	int rc;

	snprintf(tmpname, sizeof(tmpname), "%s.new", name);
	rc = vmstore_path(folder, tmpname, &tmp);
	if (!rc)
		rc = vmstore_path(folder, name, &dst);
	if (!rc)
		rc = write_all(&tmp, data, len);
	if (!rc)
		rc = volume_sync(tmp.vol);
	if (!rc)
		rc = volume_rename(&tmp, &dst);
	if (!rc)
		return volume_sync(dst.vol);
	if (tmp.vol)
		volume_unlink(&tmp);
	return rc;
}

/* ---- struct vm <-> the configuration ---- */

static bool doc_was_running(const struct vmcfg_doc *doc)
{
	const char *v = vmcfg_get(vmcfg_section(doc, "VM", 0), "WasRunning");

	return v && (!strcasecmp(v, "true") || !strcmp(v, "1"));
}

static void to_cfg(const struct vm *vm, struct vmcfg_vm *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->name, vm->name, sizeof(c->name));
	memcpy(c->vmid, vm->vmid, sizeof(c->vmid));
	c->memory_bytes = vm->mem_bytes;
	c->processors = vm->processors;
	c->weight = vm->weight;
	c->reserve_pct = vm->reserve_pct;
	c->max_pct = vm->max_pct;
	memcpy(c->kernel, vm->kernel, sizeof(c->kernel));
	memcpy(c->initrd, vm->initrd, sizeof(c->initrd));
	for (int i = 0; i < vm->nmodules; i++)
		memcpy(c->modules[i], vm->modules[i], VMCFG_PATH_MAX);
	c->nmodules = vm->nmodules;
	memcpy(c->kernel_args, vm->cmdline, sizeof(c->kernel_args));
	memcpy(c->notes, vm->notes, sizeof(c->notes));
	c->start_action = vm->start_action;
	c->stop_action = vm->stop_action;
	c->was_running = doc_was_running(&vm->cfg);
}

static int save(struct vm *vm, int was_running)
{
	struct vmcfg_vm c;
	size_t len;
	char *text;
	int rc;

	to_cfg(vm, &c);
	if (was_running >= 0)
		c.was_running = was_running;
	rc = vmcfg_put_vm(&vm->cfg, &c);
	if (!rc)
		rc = vmcfg_put_disks(&vm->cfg, vm->disks, vm->ndisks);
	if (!rc)
		rc = vmcfg_put_dvds(&vm->cfg, vm->dvds, vm->ndvds);
	if (rc)
		return rc;
	text = vmcfg_write(&vm->cfg, &len);
	if (!text)
		return -ENOMEM;
	rc = vmstore_write_file(vm->folder, VMSTORE_FILE, text, len);
	free(text);
	return rc;
}

char *vmstore_settings_text(const struct vm *vm, size_t *len)
{
	struct vmcfg_doc doc = { 0 };
	struct vmcfg_vm c;
	char *text = NULL;

	to_cfg(vm, &c);
	if (!vmcfg_put_vm(&doc, &c) && !vmcfg_put_disks(&doc, vm->disks, vm->ndisks) &&
	    !vmcfg_put_dvds(&doc, vm->dvds, vm->ndvds))
		text = vmcfg_write(&doc, len);
	vmcfg_free(&doc);
	return text;
}

int vmstore_save(struct vm *vm, char *why, size_t n)
{
	int rc;

	if (!vm->folder[0])
		return 0;
	rc = save(vm, -1);
	if (rc)
		snprintf(why, n, "Could not write %s\\%s: %s", vm->folder, VMSTORE_FILE,
			 volume_strerror(rc));
	return rc;
}

/* ---- New-VM and Remove-VM ---- */

/* A VM's name is its folder's name: no separators, no drive colon, no
 * wildcards (Get-VM web* would match them), not "." or "..". */
static bool folder_name_ok(const char *name)
{
	return !strpbrk(name, "\\/:*?\"<>|") && strcmp(name, ".") && strcmp(name, "..");
}

static bool exists(const char *folder, const char *name)
{
	struct vol_path vp;
	struct ext2_stat st;

	return !vmstore_path(folder, name, &vp) && !volume_stat(&vp, &st);
}

int vmstore_plan(const char *name, const char *path, char *folder, size_t n, char *why,
		 size_t wn)
{
	struct vol_path vp;
	int rc;

	folder[0] = '\0';
	if (!vmstore_on()) {
		if (path)
			snprintf(why, wn, "-Path needs a writable host volume (C:); without one VMs are kept in memory only.");
		return path ? -ENXIO : 0;
	}
	if (!folder_name_ok(name)) {
		snprintf(why, wn, "The name '%s' cannot name the VM's folder: leave out \\ / : * ? \" < > | (and . or ..).",
			 name);
		return -EINVAL;
	}
	rc = vmstore_path(path ? path : VMSTORE_ROOT, name, &vp);
	if (!rc && vp.vol != volume_by_letter('C'))
		rc = -EXDEV;
	if (rc) {
		snprintf(why, wn, rc == -EXDEV ? "-Path must be a folder on the host volume C:, which is read at boot."
					       : "-Path '%s' is not a valid path.", path ? path : "");
		return rc;
	}
	volume_format(&vp, folder, n);
	if (exists(folder, VMSTORE_FILE)) {
		snprintf(why, wn, "%s\\%s already holds a virtual machine's configuration (one that did not load at boot?); remove it or choose another name.",
			 folder, VMSTORE_FILE);
		return -EEXIST;
	}
	return 0;
}

/* mkdir -p: each component of folder that is missing. */
int vmstore_mkdirs(const char *folder)
{
	struct vol_path vp, cur;
	int rc = volume_resolve(folder, &vp);
	char *p;

	if (rc)
		return rc;
	cur = vp;
	for (p = cur.path + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		rc = volume_mkdir(&cur);
		if (rc && rc != -EEXIST)
			return rc;
		*p = c;
		if (!c)
			return 0;
	}
}

static bool in_root(const char *folder, const char *name)
{
	char want[VM_FOLDER_MAX];

	snprintf(want, sizeof(want), "%s\\%s", VMSTORE_ROOT, name);
	return !strcasecmp(want, folder);
}

static int write_location(const struct vm *vm, bool remove)
{
	char name[VOL_NAME_MAX + 1], line[VM_FOLDER_MAX + 2];
	struct vol_path vp;
	int rc;

	if (in_root(vm->folder, vm->name))
		return 0;
	snprintf(name, sizeof(name), "%s%s", vm->name, LOCATION_SUFFIX);
	if (remove) {
		rc = vmstore_path(VMSTORE_ROOT, name, &vp);
		return rc ? rc : volume_unlink(&vp);
	}
	snprintf(line, sizeof(line), "%s\n", vm->folder);
	rc = vmstore_mkdirs(VMSTORE_ROOT);
	return rc ? rc : vmstore_write_file(VMSTORE_ROOT, name, line, strlen(line));
}

int vmstore_create(struct vm *vm, char *why, size_t n)
{
	int rc;

	if (!vm->folder[0])
		return 0;
	rc = vmstore_mkdirs(vm->folder);
	if (!rc)
		rc = save(vm, 0);
	if (!rc)
		rc = write_location(vm, false);
	if (rc)
		snprintf(why, n, "Could not write the configuration in %s: %s", vm->folder,
			 volume_strerror(rc));
	return rc;
}

int vmstore_delete(struct vm *vm, bool *kept, char *why, size_t n)
{
	struct vol_path vp;
	int rc;

	*kept = false;
	if (!vm->folder[0])
		return 0;
	rc = vmstore_path(vm->folder, VMSTORE_FILE, &vp);
	if (!rc)
		rc = volume_unlink(&vp);
	if (rc && rc != -ENOENT) {
		snprintf(why, n, "Could not delete %s\\%s: %s", vm->folder, VMSTORE_FILE,
			 volume_strerror(rc));
		return rc;
	}
	if (!vmstore_path(vm->folder, VMSTORE_FILE ".new", &vp))
		volume_unlink(&vp);
	write_location(vm, true);
	rc = vmstore_path(vm->folder, NULL, &vp);
	if (rc)
		return 0;
	*kept = volume_rmdir(&vp) == -ENOTEMPTY;
	volume_sync(vp.vol);
	return 0;
}

/* ---- Rename-VM ---- */

/* Move the folder (default root) or the .location link (elsewhere). */
static int move_files(struct vm *vm, const char *to, char *folder, size_t n)
{
	char from_l[VOL_NAME_MAX + 1], to_l[VOL_NAME_MAX + 1];
	struct vol_path a, b;
	int rc;

	snprintf(folder, n, "%s", vm->folder);
	if (in_root(vm->folder, vm->name)) {
		rc = vmstore_path(VMSTORE_ROOT, vm->name, &a);
		if (!rc)
			rc = vmstore_path(VMSTORE_ROOT, to, &b);
		if (!rc)
			snprintf(folder, n, "%s\\%s", VMSTORE_ROOT, to);
	} else {
		snprintf(from_l, sizeof(from_l), "%s%s", vm->name, LOCATION_SUFFIX);
		snprintf(to_l, sizeof(to_l), "%s%s", to, LOCATION_SUFFIX);
		rc = vmstore_path(VMSTORE_ROOT, from_l, &a);
		if (!rc)
			rc = vmstore_path(VMSTORE_ROOT, to_l, &b);
	}
	if (!rc && !volume_stat(&b, &(struct ext2_stat){ 0 }))
		rc = -EEXIST;   /* a stray folder or link of that name: not ours to replace */
	return rc ? rc : volume_rename(&a, &b);
}

int vmstore_rename(struct vm *vm, const char *to, char *why, size_t n)
{
	char folder[VM_FOLDER_MAX], old[VM_NAME_MAX];
	int rc = vm_check_name(to, why, n);

	if (rc)
		return rc;
	if (vm->folder[0] && !folder_name_ok(to)) {
		snprintf(why, n, "The name '%s' cannot name the VM's folder: leave out \\ / : * ? \" < > | (and . or ..).",
			 to);
		return -EINVAL;
	}
	if (vm->folder[0] && in_root(vm->folder, vm->name) && vmcfg_section_count(&vm->cfg, "Snapshot")) {
		/* its AVHDs' paths, in config.txt and in their parent locators, name the folder */
		snprintf(why, n, "'%s' has snapshots, whose files are in its folder %s; remove them (Remove-VMSnapshot) before renaming it.",
			 vm->name, vm->folder);
		return -EBUSY;
	}
	memcpy(old, vm->name, sizeof(old));
	if (vm->folder[0]) {
		rc = move_files(vm, to, folder, sizeof(folder));
		if (rc) {
			snprintf(why, n, "Could not rename %s: %s", vm->folder, volume_strerror(rc));
			return rc;
		}
		snprintf(vm->folder, sizeof(vm->folder), "%s", folder);
	}
	snprintf(vm->name, sizeof(vm->name), "%s", to);
	rc = vmstore_save(vm, why, n);
	if (rc)
		snprintf(vm->name, sizeof(vm->name), "%s", old);   /* the file still says old */
	return rc;
}

/* ---- Boot ---- */

/* Load one configuration; every failure is one line naming the VM (the
 * folder's name until the file says otherwise), the file and the line. */
static void load_one(const char *folder, const char *label)
{
	char file[VM_FOLDER_MAX + 16], why[160];
	struct vmcfg_error err = { 0, "" };
	struct vmcfg_doc doc;
	struct vmcfg_vm c;
	struct vm_config vc = { 0 };
	static struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	static struct vmcfg_dvd dvds[VMCFG_IDE_DRIVES];
	static struct vmcfg_snaps snaps;
	static struct vmcfg_merge merges[VMCFG_MERGES_MAX];
	void *text;
	size_t len;
	int unk, rc, ndisks = 0, ndvds = 0, nmerges = 0;

	snprintf(file, sizeof(file), "%s\\%s", folder, VMSTORE_FILE);
	rc = volume_load_file(file, VMCFG_FILE_MAX, &text, &len);
	if (rc) {
		printf("parent: VM '%s' not loaded: %s: %s\n", label, file, volume_strerror(rc));
		return;
	}
	rc = vmcfg_parse(text, len, &doc, &err);
	free(text);
	if (!rc)
		rc = vmcfg_get_vm(&doc, &c, &unk, &err);
	if (!rc)
		rc = vmcfg_get_disks(&doc, disks, VMCFG_DRIVES_MAX, &ndisks, &err);
	if (!rc)
		rc = vmcfg_get_dvds(&doc, disks, ndisks, dvds, VMCFG_IDE_DRIVES, &ndvds, &err);
	if (!rc)
		rc = vmcfg_get_snaps(&doc, &snaps, &err) ?:
		     vmcfg_get_merges(&doc, merges, VMCFG_MERGES_MAX, &nmerges, &err);
	if (rc) {
		if (err.line)
			printf("parent: VM '%s' not loaded: %s line %d: %s\n", label, file, err.line, err.msg);
		else
			printf("parent: VM '%s' not loaded: %s: %s\n", label, file, err.msg);
		vmcfg_free(&doc);
		return;
	}
	if (unk)
		printf("parent: VM '%s': %s line %d: a setting this hvpart does not know; kept as it is\n",
		       c.name, file, unk);
	vc.name = c.name;
	vc.kernel = c.kernel;
	vc.initrd = c.initrd[0] ? c.initrd : NULL;
	vc.cmdline = c.kernel_args;
	for (int i = 0; i < c.nmodules; i++)
		vc.modules[i] = c.modules[i];
	vc.nmodules = c.nmodules;
	vc.mem_bytes = c.memory_bytes;
	vc.processors = c.processors;
	vc.vmid = c.vmid;
	if (vm_new(&vc, why, sizeof(why))) {
		printf("parent: VM '%s' not loaded: %s: %s\n", c.name, file, why);
		vmcfg_free(&doc);
		return;
	}
	{
		struct vm *vm = vm_find(c.name);

		memcpy(vm->notes, c.notes, sizeof(vm->notes));
		vm->weight = c.weight;
		vm->reserve_pct = c.reserve_pct;
		vm->max_pct = c.max_pct;
		vm->start_action = c.start_action;
		vm->stop_action = c.stop_action;
		snprintf(vm->folder, sizeof(vm->folder), "%s", folder);
		memcpy(vm->disks, disks, (size_t)ndisks * sizeof(disks[0]));
		vm->ndisks = ndisks;
		memcpy(vm->dvds, dvds, (size_t)ndvds * sizeof(dvds[0]));
		vm->ndvds = ndvds;
		vm->cfg = doc;   /* the VM owns it now */
		if (vm_probe_saved(vm))
			printf("parent: VM '%s' is Saved (Start-VM resumes it)\n", vm->name);
		if (vm_snap_merges(vm, why, sizeof(why)))   /* one a crash cut short */
			printf("parent: VM '%s': %s\n", vm->name, why);
	}
}

static int read_location(const char *file, char *folder, size_t n)
{
	void *text;
	size_t len;
	char *nl;
	int rc = volume_load_file(file, n - 1, &text, &len);

	if (rc)
		return rc;
	memcpy(folder, text, len);
	folder[len] = '\0';
	free(text);
	nl = strpbrk(folder, "\r\n");
	if (nl)
		*nl = '\0';
	return folder[0] ? 0 : -EINVAL;
}

struct scan {
	int n;
	char names[VM_MAX * 2][VOL_NAME_MAX + 1];
	bool is_dir[VM_MAX * 2];
};

static int scan_cb(void *ctx, const struct ext2_dirent *d)
{
	struct scan *s = ctx;

	if (d->name[0] == '.' || s->n >= VM_MAX * 2)
		return 0;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", d->name);
	s->is_dir[s->n++] = d->type == EXT2_TYPE_DIR;
	return 0;
}

static void load_entry(const struct scan *s, int i)
{
	char folder[VM_FOLDER_MAX], file[VM_FOLDER_MAX + VOL_NAME_MAX];
	size_t nl = strlen(s->names[i]), sl = strlen(LOCATION_SUFFIX);

	snprintf(file, sizeof(file), "%s\\%s", VMSTORE_ROOT, s->names[i]);
	if (s->is_dir[i] || nl <= sl || strcmp(s->names[i] + nl - sl, LOCATION_SUFFIX)) {
		/* A folder (the file type may be unknown on revision 0 ext2). */
		if (exists(file, VMSTORE_FILE))
			load_one(file, s->names[i]);
		return;
	}
	if (read_location(file, folder, sizeof(folder))) {
		printf("parent: VM '%.*s' not loaded: %s does not name a folder\n", (int)(nl - sl),
		       s->names[i], file);
		return;
	}
	load_one(folder, s->names[i]);
}

static void auto_start(void)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);
		char why[512];

		if (!vm || !(vm->start_action == VMCFG_START_START ||
			     (vm->start_action == VMCFG_START_IF_RUNNING && doc_was_running(&vm->cfg))))
			continue;
		if (vm_start(vm, why, sizeof(why)))
			printf("parent: VM '%s' (AutomaticStartAction %s) did not start: %s\n", vm->name,
			       vmcfg_start_names[vm->start_action], why);
		else
			printf("parent: started VM '%s' (AutomaticStartAction %s)\n", vm->name,
			       vmcfg_start_names[vm->start_action]);
	}
}

/* Pass-through disks: every disk starts online at boot; the ones a VM's
 * configuration names go offline again before anything else can mount
 * them (the host volume was chosen before the configurations could be
 * read: a VM naming that disk will not start). */
static void offline_pass_through(void)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);

		for (int k = 0; vm && k < vm->ndisks; k++) {
			const struct vmcfg_disk *d = &vm->disks[k];
			struct disk *pd = d->pass_through ? disk_find(d->disk_number) : NULL;

			if (!d->pass_through)
				continue;
			if (!pd)
				printf("parent: VM '%s': pass-through disk %u is not found\n", vm->name,
				       d->disk_number);
			else if (disk_set_offline(pd, true))
				printf("parent: VM '%s': pass-through disk %u is in use by the parent and "
				       "stays online\n", vm->name, d->disk_number);
		}
	}
}

void vmstore_boot(void)
{
	static struct scan s;
	struct vol_path vp;
	int loaded = 0;

	if (!vmstore_on() || volume_resolve(VMSTORE_ROOT, &vp) || volume_list(&vp, scan_cb, &s))
		return;
	for (int i = 0; i < s.n; i++)
		load_entry(&s, i);
	for (int i = 0; i < VM_MAX; i++)
		loaded += vm_at(i) != NULL;
	if (loaded)
		printf("parent: %d virtual machine%s loaded from %s\n", loaded, loaded == 1 ? "" : "s",
		       VMSTORE_ROOT);
	offline_pass_through();
	auto_start();
}

/* ---- Stop-VMHost ---- */

/* Asking the guest to shut down needs the shutdown integration service
 * (VMBus ICs, issue 13). When it exists, it goes here: send the request,
 * wait for the child to stop (with a timeout), return 0. Until then,
 * -ENOSYS makes the caller turn the VM off. */
static int shutdown_guest(struct vm *vm)
{
	(void)vm;
	return -ENOSYS;
}

static void stop_one(struct vm *vm)
{
	char why[512];

	if (vm->stop_action == VMCFG_STOP_SHUT_DOWN) {
		if (!shutdown_guest(vm))
			return;
		printf("parent: VM '%s': AutomaticStopAction ShutDown needs the shutdown integration service, which hvpart does not have yet; turning it off\n",
		       vm->name);
	} else if (vm->stop_action == VMCFG_STOP_SAVE) {
		if (!vm_save(vm, "saved (AutomaticStopAction at Stop-VMHost)", why, sizeof(why))) {
			printf("parent: saved VM '%s' (AutomaticStopAction Save)\n", vm->name);
			return;
		}
		printf("parent: VM '%s': AutomaticStopAction Save failed: %s; turning it off\n",
		       vm->name, why);
	}
	if (vm_stop(vm, "turned off (AutomaticStopAction at Stop-VMHost)", why, sizeof(why)))
		printf("parent: VM '%s': %s\n", vm->name, why);
}

void vmstore_host_stop(void)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = vm_at(i);
		struct hvpart_partition_info pi;
		bool running;

		if (!vm)
			continue;
		running = vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING;
		if (vm->folder[0] && vm->start_action == VMCFG_START_IF_RUNNING &&
		    doc_was_running(&vm->cfg) != running && save(vm, running))
			printf("parent: VM '%s': could not record that it was %s\n", vm->name,
			       running ? "running" : "off");
		if (running)
			stop_one(vm);
	}
	vm_service();   /* hv's stop notices: the partitions are deleted */
}
