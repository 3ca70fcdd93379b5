/*
 * Saved states (issue 19 item 2): Save-VM suspends a child, writes its
 * vCPU context, the state of the devices the parent emulates for it and
 * its memory to its folder (vm_save.h; docs/vm-config.md "Saved state")
 * and stops it; Start-VM builds a new partition from the files and
 * resumes the guest where it was. The files are written as the
 * configuration is: new files, synced, renamed over, synced; the .vsv
 * last, so a crash leaves the VM Off or Saved, never half saved. The
 * VMBus host's state (its channels, GPADLs and each device's protocol
 * state, partition/vsp/vsp_state.h) is saved beside the devices'; the
 * rings and buffers themselves are guest memory, in the .bin. Nothing
 * reaches the guest's memory between the VMBus host's save and the
 * .bin's write (a frame from the switch into its receive buffer, a
 * reply into a ring): the parent's one thread serves no VMBus work in
 * between, so the two agree.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/crc32.h"
#include "partition/devices/devstate.h"
#include "partition/lib/guid.h"
#include "partition/clock.h"
#include "partition/parent.h"
#include "partition/vm.h"
#include "partition/vm_ctx.h"
#include "partition/vm_ide.h"
#include "partition/vm_save.h"
#include "partition/vmstore.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_host.h"

#define SV_DIR "Virtual Machines"
_Static_assert(VM_PROCESSORS_MAX <= VSV_VCPUS_MAX, "a saved state holds every vCPU's context");
#define SV_IO_CHUNK (1u << 20)

/* "<folder>\Virtual Machines\<VMId>" and the files' base name. */
static void sv_where(const struct vm *vm, char *dir, size_t n, char *base, size_t bn)
{
	guid_format(vm->vmid, true, base, bn);
	snprintf(dir, n, "%s\\%s\\%s", vm->folder, SV_DIR, base);
}

static int sv_path(const struct vm *vm, const char *ext, struct vol_path *vp, char *shown,
		   size_t sn)
{
	char dir[VM_FOLDER_MAX + 64], base[40], name[48];

	sv_where(vm, dir, sizeof(dir), base, sizeof(base));
	snprintf(name, sizeof(name), "%s%s", base, ext);
	if (shown)
		snprintf(shown, sn, "%s\\%s", dir, name);
	return vmstore_path(dir, name, vp);
}

static struct devstate_set sv_devices(struct vm *vm)
{
	return (struct devstate_set){ &vm->uart, &vm->pic, &vm->cmos, &vm->ide->pci,
				      &vm->ide->ide };
}

/* ---- Writing ---- */

struct bin_writer {
	struct vol_file f;
	uint8_t *bounce;
};

/* One mapped piece of the child's memory into the .bin at its offset. */
static int bin_piece(void *arg, uint64_t gpa, const uint64_t *pa, uint32_t n)
{
	struct bin_writer *w = arg;
	int64_t got;

	for (uint32_t i = 0; i < n; i++)
		memcpy(w->bounce + i * 4096ull, (const void *)(uintptr_t)pa[i], 4096);
	got = volume_file_write(&w->f, gpa, w->bounce, n * 4096ull);
	if (got < 0)
		return (int)got;
	return (uint64_t)got == n * 4096ull ? 0 : -ENOSPC;
}

static int write_bin(const struct vol_path *vp, uint64_t child, uint64_t bytes)
{
	struct bin_writer w;
	int rc, crc;

	w.bounce = malloc(HVPART_GPADL_PAGES * 4096ull);
	if (!w.bounce)
		return -ENOMEM;
	rc = volume_open(vp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &w.f);
	if (!rc) {
		rc = vmctx_each_piece(child, bytes, bin_piece, &w);
		crc = volume_file_close(&w.f);
		rc = rc ? rc : crc;
	}
	free(w.bounce);
	return rc;
}

int vm_save_write_file(const struct vol_path *vp, const uint8_t *buf, size_t len)
{
	struct vol_file f;
	int64_t w;
	int rc = volume_open(vp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &f);

	if (rc)
		return rc;
	w = volume_file_write(&f, 0, buf, len);
	rc = volume_file_close(&f);
	if (w < 0)
		return (int)w;
	return (size_t)w != len ? -ENOSPC : rc;
}

/* Both files as .new, synced, renamed (.bin first: the .vsv commits),
 * synced again. */
static int write_files(struct vm *vm, uint64_t child, const uint8_t *vsv, size_t len)
{
	char dir[VM_FOLDER_MAX + 64], base[40];
	struct vol_path bin_new, bin, vsv_new, vsv_path;
	int rc;

	sv_where(vm, dir, sizeof(dir), base, sizeof(base));
	rc = vmstore_mkdirs(dir);
	if (!rc)
		rc = sv_path(vm, ".bin.new", &bin_new, NULL, 0);
	if (!rc)
		rc = sv_path(vm, ".bin", &bin, NULL, 0);
	if (!rc)
		rc = sv_path(vm, ".vsv.new", &vsv_new, NULL, 0);
	if (!rc)
		rc = sv_path(vm, ".vsv", &vsv_path, NULL, 0);
	if (rc)
		return rc;
	rc = write_bin(&bin_new, child, vm->mem_bytes);
	if (!rc)
		rc = vm_save_write_file(&vsv_new, vsv, len);
	if (!rc)
		rc = volume_sync(bin_new.vol);
	if (!rc)
		rc = volume_rename(&bin_new, &bin);
	if (!rc)
		rc = volume_rename(&vsv_new, &vsv_path);
	if (!rc)
		return volume_sync(vsv_path.vol);
	volume_unlink(&bin_new);
	volume_unlink(&vsv_new);
	return rc;
}

/* The .vsv image: header, the context pages hv exported, the devices,
 * the VMBus host. *busy: a VMBus device whose state cannot be saved. */
static int build_vsv(struct vm *vm, const struct vmctx_buf *b, uint8_t *buf, size_t *len,
		     const char **busy)
{
	struct devstate_set set = sv_devices(vm);
	struct vsv_hdr h;
	size_t off = sizeof(h), dev = 0, bus = 0;
	int rc;

	for (unsigned v = 0; v < vm->processors; v++, off += VSV_CTX_BYTES)
		for (unsigned i = 0; i < HVPART_VP_CONTEXT_PAGES; i++)
			memcpy(buf + off + i * 4096u, (const void *)(uintptr_t)b[v].pa[i], 4096);
	rc = devstate_save(&set, buf + off, VSV_DEV_MAX, &dev) ?:
	     vsp_host_save((uint64_t)vm->hv_id, buf + off + dev, VSV_VMBUS_MAX, &bus, busy);
	if (rc)
		return rc;
	memset(&h, 0, sizeof(h));
	h.magic = VSV_MAGIC;
	h.version = VSV_VERSION;
	h.hdr_bytes = sizeof(h);
	memcpy(h.vmid, vm->vmid, sizeof(h.vmid));
	h.mem_bytes = vm->mem_bytes;
	h.vcpus = vm->processors;
	h.ctx_bytes = VSV_CTX_BYTES;
	h.dev_bytes = (uint32_t)dev;
	h.vmbus_bytes = (uint32_t)bus;
	h.saved_at = volume_now();
	memcpy(buf, &h, sizeof(h));
	*len = off + dev + bus;
	h.crc = crc32_compute(buf, *len);
	memcpy(buf, &h, sizeof(h));
	return 0;
}

/* Messages and events the child sent before it stopped reach its VMBus
 * host before the host's state is taken; replies to them go out now. */
static void sv_drain_vmbus(void)
{
	for (int k = 0; k < 4; k++) {
		vsp_irq_pending = 1;
		vsp_service();
	}
}

/* A SynIC message hv still holds for the guest (its slot was full when
 * the parent posted it) keeps the vCPU from exporting its context
 * (docs/hypercalls.md "vCPU context"): the guest runs a little to take
 * it, and is suspended again. Each try drains the VMBus host first, so
 * nothing is posted between a successful export and the host's save. */
#define SV_QUIET_TRIES 50
#define SV_QUIET_NS    (5 * 1000 * 1000ull)

/* Every vCPU's context, or the first status that is not success. */
static uint16_t export_all(uint64_t id, const struct vmctx_buf *b, unsigned n)
{
	uint16_t st = HV_STATUS_SUCCESS;

	for (unsigned v = 0; v < n && !st; v++)
		st = vmctx_export(id, &b[v]);
	return st;
}

uint16_t vm_save_export(uint64_t id, const struct vmctx_buf *b, unsigned n)
{
	uint16_t st;

	sv_drain_vmbus();
	st = export_all(id, b, n);
	for (int k = 0; k < SV_QUIET_TRIES && st == HV_STATUS_INVALID_PARTITION_STATE; k++) {
		uint64_t until = clock_monotonic_ns() + SV_QUIET_NS;

		hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, sizeof(id), NULL, 0);
		while (clock_monotonic_ns() < until)
			vm_service();
		st = hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, sizeof(id), NULL, 0);
		sv_drain_vmbus();
		if (!st)
			st = export_all(id, b, n);
	}
	return st;
}

static void sv_image_why(struct vm *vm, int rc, const char *busy, char *why, size_t n)
{
	if (rc == -EBUSY && busy)
		snprintf(why, n, "'%s' cannot be saved now: its %s keeps state hvpart cannot save (docs/vm-config.md, Saved state). Shut it down or turn it off instead (Stop-VM).",
			 vm->name, busy);
	else
		snprintf(why, n, "The state of '%s''s devices does not fit its saved state.", vm->name);
}

int vm_save_vmbus(struct vm *vm, uint64_t id, uint8_t **bus, size_t *len, char *why, size_t n)
{
	const char *busy = NULL;
	int rc;

	*bus = malloc(VSV_VMBUS_MAX);
	if (!*bus) {
		snprintf(why, n, "Not enough memory to save '%s'.", vm->name);
		return -ENOMEM;
	}
	rc = vsp_host_save(id, *bus, VSV_VMBUS_MAX, len, &busy);
	if (rc) {
		free(*bus);
		*bus = NULL;
		sv_image_why(vm, rc, busy, why, n);
	}
	return rc;
}

int vm_save_image(struct vm *vm, uint64_t id, uint8_t *vsv, size_t *len, char *why, size_t n)
{
	struct vmctx_buf b[VM_PROCESSORS_MAX];
	const char *busy = NULL;
	uint16_t st;
	int rc;

	if (vmctx_bufs_alloc(b, vm->processors)) {
		snprintf(why, n, "Not enough memory to save '%s'.", vm->name);
		return -ENOMEM;
	}
	st = vm_save_export(id, b, vm->processors);
	if (st) {
		vmctx_bufs_free(b, vm->processors);
		snprintf(why, n, "The hypervisor refused to export the vCPU context (status %#x).", st);
		return -EIO;
	}
	rc = build_vsv(vm, b, vsv, len, &busy);
	vmctx_bufs_free(b, vm->processors);
	if (rc)
		sv_image_why(vm, rc, busy, why, n);
	return rc;
}

/* Suspended: the context out, the files written. */
static int save_suspended(struct vm *vm, uint64_t id, uint8_t *vsv, char *why, size_t n)
{
	char shown[VM_FOLDER_MAX + 96];
	size_t len;
	int rc = vm_save_image(vm, id, vsv, &len, why, n);

	if (rc)
		return rc;
	rc = write_files(vm, id, vsv, len);
	if (rc) {
		sv_path(vm, ".vsv", &(struct vol_path){ 0 }, shown, sizeof(shown));
		snprintf(why, n, "Could not write the saved state %s: %s", shown, volume_strerror(rc));
	}
	return rc;
}

int vm_save_refused(const struct vm *vm, char *why, size_t n)
{
	struct hvpart_partition_info pi;
	const char *busy;

	if (!vm_query(vm, &pi) || pi.state != HVPART_STATE_RUNNING) {
		snprintf(why, n, "'%s' cannot be saved: it is not running.", vm->name);
		return -EINVAL;
	}
	busy = vsp_host_unsaveable((uint64_t)vm->hv_id);
	if (busy) {
		snprintf(why, n, "'%s' cannot be saved: its guest uses its %s, whose state hvpart cannot save yet. Shut it down or turn it off instead (Stop-VM).",
			 vm->name, busy);
		return -EBUSY;
	}
	if (!vm->folder[0]) {
		snprintf(why, n, "'%s' cannot be saved: it has no folder on a writable host volume (C:) to keep the saved state in.",
			 vm->name);
		return -ENXIO;
	}
	return 0;
}

int vm_save(struct vm *vm, const char *reason, char *why, size_t n)
{
	uint64_t id = (uint64_t)vm->hv_id;
	uint8_t *vsv;
	uint16_t st;
	int rc = vm_save_refused(vm, why, n);

	if (rc)
		return rc;
	vsv = malloc(VSV_MAX);
	if (!vsv) {
		snprintf(why, n, "Not enough memory to save '%s'.", vm->name);
		return -ENOMEM;
	}
	st = hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, sizeof(id), NULL, 0);
	if (st) {
		free(vsv);
		snprintf(why, n, "The hypervisor refused to suspend the partition (status %#x).", st);
		return -EIO;
	}
	rc = save_suspended(vm, id, vsv, why, n);
	free(vsv);
	if (rc) {
		hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, sizeof(id), NULL, 0);
		return rc;
	}
	vm->saved = true;
	return vm_stop(vm, reason, why, n);
}

/* ---- Reading ---- */

/* The header of either version: version 1's is 64 bytes, without the
 * VMBus section (its fields read as 0). NULL, or what is wrong. */
static const char *vsv_header(const uint8_t *buf, size_t len, struct vsv_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < VSV_V1_HDR_BYTES)
		return "it is shorter than its header";
	memcpy(h, buf, VSV_V1_HDR_BYTES);
	if (h->magic != VSV_MAGIC)
		return "it is not an hvpart saved state";
	if (h->version == 1 && h->hdr_bytes == VSV_V1_HDR_BYTES)
		return NULL;
	if (h->version != VSV_VERSION)
		return "it is of a version this hvpart does not read";
	if (h->hdr_bytes != sizeof(*h) || len < sizeof(*h))
		return "it is not an hvpart saved state";
	memcpy(h, buf, sizeof(*h));
	return h->rsvd ? "it is not an hvpart saved state" : NULL;
}

/* Whether the .vsv can be this VM's: every header field, the length
 * and the checksum. NULL, or what is wrong; *h the header. */
static const char *vsv_check(const struct vm *vm, uint8_t *buf, size_t len, struct vsv_hdr *h)
{
	const char *bad = vsv_header(buf, len, h);
	uint32_t crc, zero = 0;

	if (bad)
		return bad;
	crc = h->crc;
	memcpy(buf + offsetof(struct vsv_hdr, crc), &zero, sizeof(zero));
	if (crc32_compute(buf, len) != crc)
		return "its checksum does not match: the file was changed or damaged";
	if (memcmp(h->vmid, vm->vmid, sizeof(h->vmid)))
		return "it belongs to another virtual machine (VMId)";
	if (h->vcpus < 1 || h->vcpus > VSV_VCPUS_MAX || h->ctx_bytes != VSV_CTX_BYTES ||
	    h->dev_bytes > VSV_DEV_MAX || h->vmbus_bytes > VSV_VMBUS_MAX ||
	    len != (size_t)h->hdr_bytes + (size_t)h->vcpus * VSV_CTX_BYTES + h->dev_bytes +
			   h->vmbus_bytes)
		return "its sections do not add up to its length";
	if (h->vcpus != vm->processors)
		return "it was saved with another ProcessorCount";
	if (h->mem_bytes != vm->mem_bytes)
		return "it was saved with another MemoryStartupBytes";
	return NULL;
}

/* The .bin into mem, run by run; it must be exactly the memory's size. */
static int read_bin(const struct vm *vm, const struct pmem_set *mem)
{
	struct vol_path vp;
	struct vol_file f;
	int rc = sv_path(vm, ".bin", &vp, NULL, 0);

	if (!rc)
		rc = volume_open(&vp, EXT2_O_RDONLY, &f);
	if (rc)
		return rc;
	if (volume_file_size(&f) != vm->mem_bytes)
		rc = -EINVAL;
	for (uint32_t r = 0; r < mem->nruns && !rc; r++) {
		const struct pmem_run *run = &mem->runs[r];

		for (uint64_t o = 0; o < run->npages * 4096 && !rc; o += SV_IO_CHUNK) {
			uint64_t k = run->npages * 4096 - o < SV_IO_CHUNK ? run->npages * 4096 - o
									  : SV_IO_CHUNK;
			int64_t got = volume_file_read(&f, run->gpa + o, (void *)(uintptr_t)(run->pa + o), k);

			rc = got < 0 ? (int)got : (uint64_t)got != k ? -EINVAL : 0;
		}
	}
	volume_file_close(&f);
	return rc;
}

struct resume_ctx {
	const uint8_t *dev, *bus;
	size_t dev_len, bus_len;
	const char *file;
};

/* The VMBus section into the new host; a VM saved with none (version 1,
 * or no host) gets a VMBus that starts afresh, as at boot. */
static int restore_vmbus(struct vm *vm, const struct resume_ctx *r)
{
	if (!r->bus_len)
		return 0;
	return vsp_host_restore((uint64_t)vm->hv_id, r->bus, r->bus_len);
}

static int restore_devices(struct vm *vm, void *arg, char *why, size_t n)
{
	struct resume_ctx *r = arg;
	struct devstate_set set = sv_devices(vm);
	const char *what = "its devices";
	int rc = devstate_restore(&set, r->dev, r->dev_len);

	if (!rc) {
		what = "its VMBus";
		rc = restore_vmbus(vm, r);
	}
	/* Everything checked out: the files go now, before the child runs
	 * (a CPU-bound guest leaves the parent little time afterwards). A
	 * StartPartition hv then refuses leaves the VM Off. */
	if (!rc) {
		if (vm_discard_saved(vm, why, n))
			printf("parent: VM '%s': %s\n", vm->name, why);
		return 0;
	}
	snprintf(why, n, "'%s' failed to restore from its saved state: in %s the state of %s does not check out (damaged, or its drives or adapters changed since Save-VM). Remove-VMSavedState -VMName %s discards it; the VM then starts afresh.",
		 vm->name, r->file, what, vm->name);
	return -EINVAL;
}

static int load_vsv(struct vm *vm, uint8_t **buf, size_t *len, struct vsv_hdr *h, char *file,
		    size_t fn, char *why, size_t n)
{
	const char *bad;
	int rc;

	sv_path(vm, ".vsv", &(struct vol_path){ 0 }, file, fn);
	rc = volume_load_file(file, VSV_MAX + 1, (void **)buf, len);
	if (rc) {
		snprintf(why, n, "'%s' failed to restore from its saved state: %s: %s", vm->name,
			 file, volume_strerror(rc));
		return rc;
	}
	bad = vsv_check(vm, *buf, *len, h);
	if (!bad)
		return 0;
	free(*buf);
	snprintf(why, n, "'%s' failed to restore from its saved state: %s cannot be used: %s. Remove-VMSavedState -VMName %s discards it; the VM then starts afresh.",
		 vm->name, file, bad, vm->name);
	return -EINVAL;
}

/* The saved vCPU contexts into b (vm->processors of them). */
static void load_contexts(const struct vm *vm, const uint8_t *buf, const struct vsv_hdr *h,
			  struct vmctx_buf *b)
{
	for (unsigned v = 0; v < vm->processors; v++)
		for (unsigned i = 0; i < HVPART_VP_CONTEXT_PAGES; i++)
			memcpy((void *)(uintptr_t)b[v].pa[i],
			       buf + h->hdr_bytes + v * VSV_CTX_BYTES + i * 4096u, 4096);
}

static int resume_nomem(struct vm *vm, char *why, size_t n)
{
	snprintf(why, n, "Not enough memory to start '%s' (%llu MB needed, %llu MB free).",
		 vm->name, (unsigned long long)(vm->mem_bytes >> 20),
		 (unsigned long long)(pmem_free_bytes() >> 20));
	return -ENOMEM;
}

int vm_resume(struct vm *vm, char *why, size_t n)
{
	char file[VM_FOLDER_MAX + 96];
	struct resume_ctx r = { .file = file };
	struct vmctx_buf b[VM_PROCESSORS_MAX];
	struct pmem_set mem;
	struct vsv_hdr h;
	uint8_t *buf;
	size_t len;
	int rc = load_vsv(vm, &buf, &len, &h, file, sizeof(file), why, n);

	if (rc)
		return rc;
	if (vmctx_bufs_alloc(b, vm->processors)) {
		free(buf);
		return resume_nomem(vm, why, n);
	}
	if (pmem_alloc(vm->mem_bytes, &mem)) {
		vmctx_bufs_free(b, vm->processors);
		free(buf);
		return resume_nomem(vm, why, n);
	}
	load_contexts(vm, buf, &h, b);
	r.dev = buf + h.hdr_bytes + (size_t)h.vcpus * VSV_CTX_BYTES;
	r.dev_len = h.dev_bytes;
	r.bus = r.dev + h.dev_bytes;
	r.bus_len = h.vmbus_bytes;
	rc = read_bin(vm, &mem);
	if (rc) {
		pmem_release(&mem);
		snprintf(why, n, "'%s' failed to restore from its saved state: its memory file beside %s cannot be read whole: %s",
			 vm->name, file, volume_strerror(rc));
	} else {
		rc = vm_start_restored(vm, &mem, b, restore_devices, &r, why, n);
	}
	vmctx_bufs_free(b, vm->processors);
	free(buf);
	return rc;
}

/* ---- Copies (snapshots taken while running, partition/vm_snap.c) ---- */

/* from into to (a new file, synced, renamed over). */
static int copy_file(const struct vol_path *from, const struct vol_path *to, uint8_t *buf)
{
	struct vol_path tmp = *to;
	struct vol_file src, dst = { 0 };
	uint64_t size, off;
	int64_t got = 0;
	int rc;

	if (strlen(tmp.path) + 5 > sizeof(tmp.path))
		return -ENAMETOOLONG;
	strcat(tmp.path, ".new");
	rc = volume_open(from, EXT2_O_RDONLY, &src);
	if (rc)
		return rc;
	rc = volume_open(&tmp, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &dst);
	size = volume_file_size(&src);
	for (off = 0; !rc && off < size; off += (uint64_t)got) {
		got = volume_file_read(&src, off, buf, size - off < SV_IO_CHUNK ? size - off : SV_IO_CHUNK);
		if (got <= 0)
			rc = got < 0 ? (int)got : -EIO;
		else if (volume_file_write(&dst, off, buf, (size_t)got) != got)
			rc = -ENOSPC;
	}
	volume_file_close(&src);
	if (dst.vol)
		rc = volume_file_close(&dst) ?: rc;
	rc = rc ?: volume_sync(tmp.vol) ?: volume_rename(&tmp, to);
	if (rc)
		volume_unlink(&tmp);
	return rc;
}

int vm_saved_copy(struct vm *vm, const char *dir, bool into_vm, char *why, size_t n)
{
	static const char *const ext[] = { ".bin", ".vsv" };   /* the .vsv commits */
	char vdir[VM_FOLDER_MAX + 64], base[40], name[48];
	struct vol_path other, mine;
	uint8_t *buf = malloc(SV_IO_CHUNK);
	int rc = buf ? 0 : -ENOMEM;

	sv_where(vm, vdir, sizeof(vdir), base, sizeof(base));
	if (!rc)
		rc = vmstore_mkdirs(into_vm ? vdir : dir);
	for (unsigned i = 0; i < 2 && !rc; i++) {
		snprintf(name, sizeof(name), "%s%s", base, ext[i]);
		rc = vmstore_path(dir, name, &other) ?: sv_path(vm, ext[i], &mine, NULL, 0);
		if (!rc)
			rc = into_vm ? copy_file(&other, &mine, buf) : copy_file(&mine, &other, buf);
	}
	free(buf);
	if (!rc)
		rc = volume_sync(volume_by_letter('C'));
	if (rc)
		snprintf(why, n, "Could not copy the saved state %s %s: %s", into_vm ? "from" : "to", dir,
			 volume_strerror(rc));
	else if (into_vm)
		vm->saved = true;
	return rc;
}

/* ---- Discarding and finding ---- */

int vm_discard_saved(struct vm *vm, char *why, size_t n)
{
	static const char *const ext[] = { ".vsv", ".bin", ".vsv.new", ".bin.new" };
	char dir[VM_FOLDER_MAX + 64], base[40], shown[VM_FOLDER_MAX + 96];
	struct vol_path vp;
	int rc;

	for (unsigned i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		rc = sv_path(vm, ext[i], &vp, shown, sizeof(shown));
		if (!rc)
			rc = volume_unlink(&vp);
		if (rc && rc != -ENOENT && i == 0) {
			snprintf(why, n, "Could not delete %s: %s", shown, volume_strerror(rc));
			return rc;
		}
	}
	vm->saved = false;
	sv_where(vm, dir, sizeof(dir), base, sizeof(base));
	if (!vmstore_path(dir, NULL, &vp))
		volume_rmdir(&vp);
	snprintf(dir, sizeof(dir), "%s\\%s", vm->folder, SV_DIR);
	if (!vmstore_path(dir, NULL, &vp))
		volume_rmdir(&vp);           /* only when empty */
	if (vp.vol)
		volume_sync(vp.vol);
	return 0;
}

bool vm_probe_saved(struct vm *vm)
{
	struct vol_path vp;
	struct ext2_stat st;

	vm->saved = vm->folder[0] && !sv_path(vm, ".vsv", &vp, NULL, 0) && !volume_stat(&vp, &st);
	return vm->saved;
}
