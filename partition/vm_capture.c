/*
 * A running VM's saved state taken live (issue 19 item 3, Checkpoint-VM
 * of a running VM): hv's memory capture (docs/hypercalls.md "Memory
 * capture") keeps every page as it was at the suspend until it is
 * copied, so the guest is paused only while its vCPU context and device
 * state are taken and the capture is armed, and keeps running while
 * this file copies its memory into the .bin. The copier TAKEs the pages
 * in guest-physical order and DRAINs what the guest's (and hv's, and the
 * parent's own DMA) first writes put in the stash; between pieces it
 * serves the children's intercepts (vm_service), so the guest's port
 * I/O goes on too. The files are the saved state's (vm_save.h), written
 * as .new, synced and renamed, the .vsv last.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/cpu.h"
#include "partition/lib/guid.h"
#include "partition/parent.h"
#include "partition/vm.h"
#include "partition/vm_ctx.h"
#include "partition/vm_save.h"
#include "partition/vmstore.h"
#include "partition/volume/volume.h"
#include "partition/vsp/vsp_gpadl.h"

struct cap_run {
	uint64_t id, pages, written;
	struct vol_file f;
	uint8_t *done;               /* a bit per guest page: in the .bin */
	uint8_t *take;               /* HVPART_CAPTURE_TAKE pages for TAKE */
	uint8_t *stash;              /* HVPART_CAPTURE_STASH pages lent to hv */
	uint32_t release;            /* entries the last DRAIN listed, written since */
	uint16_t status;             /* the first failing call's */
	bool paused;                 /* copied with the guest paused: no live capture */
	uint64_t pause_tsc;          /* then, the pause */
};

/* The capture running (vsp_gpadl_room's), NULL: none. */
static struct cap_run *cur;

static int put(struct cap_run *r, uint64_t gpfn, const void *src, uint32_t npages)
{
	int64_t got;

	for (uint32_t i = 0; i < npages; i++) {
		uint64_t g = gpfn + i;

		/* hv hands each page over once: twice is its bug, not the guest's. */
		if (g >= r->pages || (r->done[g / 8] >> (g % 8) & 1))
			return -EIO;
		r->done[g / 8] |= (uint8_t)(1u << (g % 8));
	}
	got = volume_file_write(&r->f, gpfn << 12, src, (size_t)npages << 12);
	if (got < 0)
		return (int)got;
	r->written += npages;
	return got == (int64_t)npages << 12 ? 0 : -ENOSPC;
}

static int call(struct cap_run *r, uint16_t code, const void *in, size_t il, void *out, size_t ol)
{
	uint16_t st = hvcall(code, in, il, out, ol);

	if (st && !r->status)
		r->status = st;
	return st ? -EIO : 0;
}

/* The stash's pages into the .bin; what the last drain listed is free. */
static int drain(struct cap_run *r)
{
	static struct hvpart_capture_drain_in in;
	static struct hvpart_capture_drain_out out;
	int rc;

	in = (struct hvpart_capture_drain_in){ r->id, r->release, 0 };
	rc = call(r, HVCALL_HVPART_CAPTURE_DRAIN, &in, sizeof(in), &out, sizeof(out));
	r->release = 0;
	if (rc)
		return rc;
	if (out.count > HVPART_CAPTURE_STASH)
		return -EIO;
	for (uint32_t i = 0; i < out.count && !rc; i++)
		rc = put(r, out.e[i].gpfn, (const void *)(uintptr_t)out.e[i].pa, 1);
	r->release = out.count;
	return rc;
}

static bool copied(const struct hvpart_capture_take_out *o, uint32_t i)
{
	return o->copied[i / 64] >> (i % 64) & 1;
}

/* count pages from first: hv copies those not captured yet; each run of
 * them goes to the .bin in one write. */
static int take(struct cap_run *r, uint64_t first, uint32_t count)
{
	static struct hvpart_capture_take_in in;
	static struct hvpart_capture_take_out out;
	int rc;

	memset(&in, 0, sizeof(in));
	in.partition_id = r->id;
	in.first_gpfn = first;
	in.count = count;
	for (uint32_t i = 0; i < count; i++)
		in.pa[i] = (uint64_t)(uintptr_t)(r->take + (size_t)i * 4096);
	rc = call(r, HVCALL_HVPART_CAPTURE_TAKE, &in, sizeof(in), &out, sizeof(out));
	for (uint32_t i = 0, j; i < count && !rc; i = j) {
		for (j = i; j < count && copied(&out, j) == copied(&out, i); j++)
			;
		if (copied(&out, i))
			rc = put(r, first + i, r->take + (size_t)i * 4096, j - i);
	}
	return rc;
}

/* vsp_gpadl_room: the stash drained; pages it still cannot take are
 * taken one by one, so the map needs no stash at all. */
static int room(uint64_t child, const uint64_t *gpfn, uint32_t n)
{
	struct cap_run *r = cur;
	int rc;

	if (!r || r->id != child)
		return -EINVAL;
	rc = drain(r);
	for (uint32_t i = 0; i < n && !rc; i++)
		if (gpfn[i] < r->pages && !(r->done[gpfn[i] / 8] >> (gpfn[i] % 8) & 1))
			rc = take(r, gpfn[i], 1);
	return rc;
}

static int start(struct cap_run *r)
{
	static struct hvpart_capture_start_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = r->id;
	in.count = HVPART_CAPTURE_STASH;
	for (uint32_t i = 0; i < in.count; i++)
		in.pa[i] = (uint64_t)(uintptr_t)(r->stash + (size_t)i * 4096);
	return call(r, HVCALL_HVPART_CAPTURE_START, &in, sizeof(in), NULL, 0);
}

/* The children get as much time as the piece just copied took: a busy
 * parent keeps the CPU from them (hv/core/sched.c), and the guest must
 * not run at less than half its speed while its memory is copied
 * (issue 19). Halting serves them (vm_idle); the PIT ends each wait. */
static void pace(uint64_t busy)
{
	uint64_t until = cpu_rdtsc() + busy;

	do
		vm_idle();
	while (cpu_rdtsc() < until);
}

/* Every page through TAKE, the stash drained as it goes and the
 * children served between pieces; then what the stash still holds. */
static int copy_all(struct cap_run *r)
{
	int rc = 0;

	for (uint64_t g = 0; g < r->pages && !rc; g += HVPART_CAPTURE_TAKE) {
		uint64_t k = r->pages - g < HVPART_CAPTURE_TAKE ? r->pages - g : HVPART_CAPTURE_TAKE;
		uint64_t t0 = cpu_rdtsc();

		rc = take(r, g, (uint32_t)k) ?: drain(r);
		pace(cpu_rdtsc() - t0);
	}
	if (!rc)
		rc = drain(r) ?: drain(r);   /* the second releases the first's */
	return rc ? rc : r->written == r->pages ? 0 : -EIO;
}

static void end(struct cap_run *r, struct hvpart_capture_stats *st)
{
	uint64_t id = r->id;

	memset(st, 0, sizeof(*st));
	hvcall(HVCALL_HVPART_CAPTURE_END, &id, sizeof(id), st, sizeof(*st));
}

/* One mapped piece of the suspended child's memory into the .bin,
 * through the TAKE buffer, when no live capture could start. */
static int paused_piece(void *arg, uint64_t gpa, const uint64_t *pa, uint32_t n)
{
	struct cap_run *r = arg;
	int rc = 0;

	for (uint32_t at = 0, k; at < n && !rc; at += k) {
		k = n - at < HVPART_CAPTURE_TAKE ? n - at : HVPART_CAPTURE_TAKE;
		for (uint32_t i = 0; i < k; i++)
			memcpy(r->take + (size_t)i * 4096, (const void *)(uintptr_t)pa[at + i], 4096);
		rc = put(r, (gpa >> 12) + at, r->take, k);
	}
	return rc;
}

/* CaptureStart protects every page the parent has mapped, up to hv's
 * reverse map's 8,192 (docs/hypercalls.md "Memory capture"; Linux's
 * netvsc buffers are some 4,400); a guest whose VMBus buffers the parent
 * maps are more than that is refused. The snapshot then takes the memory
 * as Save-VM does, the guest paused while it is written: a longer pause,
 * the same snapshot. */
static int copy_paused(struct vm *vm, struct cap_run *r, char *why, size_t n)
{
	uint64_t t0 = cpu_rdtsc();
	int rc = vmctx_each_piece(r->id, vm->mem_bytes, paused_piece, r);

	r->paused = true;
	r->status = 0;
	r->pause_tsc = cpu_rdtsc() - t0;
	if (rc)
		snprintf(why, n, "Could not capture '%s''s memory into its snapshot: %s.", vm->name,
			 volume_strerror(rc));
	else
		printf("parent: VM '%s': memory captured with the guest paused: the pages its VMBus host maps are more than a live capture protects\n",
		       vm->name);
	return rc;
}

/* Suspended: the .vsv image taken and the capture armed (or, when hv
 * cannot keep the pages the parent maps, the memory copied); resumed
 * whatever happened. */
static int arm(struct vm *vm, struct cap_run *r, uint8_t *vsv, size_t *len,
	       char *why, size_t n)
{
	uint64_t id = r->id, t0 = cpu_rdtsc(), t1, t2 = 0;
	uint16_t st = hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &id, sizeof(id), NULL, 0);
	int rc;

	if (st) {
		snprintf(why, n, "The hypervisor refused to suspend the partition (status %#x).", st);
		return -EIO;
	}
	rc = vm_save_image(vm, id, vsv, len, why, n);
	t1 = cpu_rdtsc();
	if (!rc && !start(r))
		t2 = cpu_rdtsc();
	else if (!rc && r->status == HV_STATUS_INSUFFICIENT_BUFFERS)
		rc = copy_paused(vm, r, why, n);
	else if (!rc && r->status)
		snprintf(why, n, "The hypervisor refused to capture '%s''s memory (status %#x).",
			 vm->name, r->status);
	rc = rc ?: r->status ? -EIO : 0;
	hvcall(HVCALL_HVPART_RESUME_PARTITION, &id, sizeof(id), NULL, 0);
	if (t2)   /* where the guest's pause went (hv logs the whole of it) */
		printf("parent: VM '%s': checkpoint pause: %llu TSC ticks to take its state, %llu to arm the capture\n",
		       vm->name, (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1));
	return rc;
}

/* The guest running: its memory into the .bin, as it was at the pause. */
static int copy_live(struct cap_run *r, struct hvpart_capture_stats *st)
{
	int rc;

	cur = r;
	vsp_gpadl_room = room;
	rc = copy_all(r);
	vsp_gpadl_room = NULL;
	cur = NULL;
	end(r, st);
	return rc;
}

static int alloc_run(struct cap_run *r, uint64_t id, uint64_t bytes)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->pages = bytes >> 12;
	r->done = calloc(1, (r->pages + 7) / 8);
	r->take = memalign(4096, (size_t)HVPART_CAPTURE_TAKE * 4096);
	r->stash = memalign(4096, (size_t)HVPART_CAPTURE_STASH * 4096);
	return r->done && r->take && r->stash ? 0 : -ENOMEM;
}

static void free_run(struct cap_run *r)
{
	free(r->done);
	free(r->take);
	free(r->stash);
}

static int path_in(const char *dir, const struct vm *vm, const char *ext, struct vol_path *vp)
{
	char base[40], name[48];

	guid_format(vm->vmid, true, base, sizeof(base));
	snprintf(name, sizeof(name), "%s%s", base, ext);
	return vmstore_path(dir, name, vp);
}

/* .bin.new and .vsv.new synced, renamed in that order (the .vsv
 * commits), synced again. */
static int commit(const char *dir, const struct vm *vm, const uint8_t *vsv, size_t len)
{
	struct vol_path bn, b, vn, v;
	int rc = path_in(dir, vm, ".bin.new", &bn) ?: path_in(dir, vm, ".bin", &b) ?:
		 path_in(dir, vm, ".vsv.new", &vn) ?: path_in(dir, vm, ".vsv", &v);

	rc = rc ?: vm_save_write_file(&vn, vsv, len) ?: volume_sync(bn.vol) ?: volume_rename(&bn, &b) ?:
	     volume_rename(&vn, &v) ?: volume_sync(v.vol);
	if (rc) {
		volume_unlink(&bn);
		volume_unlink(&vn);
	}
	return rc;
}

/* What went wrong while the memory was copied. */
static void copy_failed(const struct vm *vm, const struct cap_run *r, int rc, char *why, size_t n)
{
	if (r->status == HV_STATUS_INSUFFICIENT_BUFFERS)
		snprintf(why, n, "The hypervisor could not keep '%s''s memory as it was (Get-VMHostLog says why); no snapshot was taken.",
			 vm->name);
	else if (r->status == HV_STATUS_INVALID_PARTITION_ID)
		snprintf(why, n, "'%s' stopped while its memory was captured; no snapshot was taken.",
			 vm->name);
	else
		snprintf(why, n, "Could not capture '%s''s memory into its snapshot: %s (status %#x).",
			 vm->name, volume_strerror(rc), r->status);
}

int vm_capture_save(struct vm *vm, uint64_t id, const char *dir, uint64_t *pause_tsc, char *why,
		    size_t n)
{
	struct hvpart_capture_stats st = { 0 };
	struct cap_run r = { 0 };
	struct vol_path bin;
	uint8_t *vsv = malloc(VSV_MAX);
	size_t len = 0;
	bool made;
	int rc = vsv ? alloc_run(&r, id, vm->mem_bytes) : -ENOMEM;

	*pause_tsc = 0;
	if (rc)
		snprintf(why, n, "Not enough memory to capture '%s''s memory.", vm->name);
	else if ((rc = vmstore_mkdirs(dir) ?: path_in(dir, vm, ".bin.new", &bin) ?:
		       volume_open(&bin, EXT2_O_RDWR | EXT2_O_CREAT | EXT2_O_TRUNC, &r.f)) != 0)
		snprintf(why, n, "Could not create the snapshot's memory file in %s: %s", dir,
			 volume_strerror(rc));
	else if ((rc = arm(vm, &r, vsv, &len, why, n)) != 0)
		end(&r, &st);
	else if (!r.paused && (rc = copy_live(&r, &st)) != 0)
		copy_failed(vm, &r, rc, why, n);
	made = r.f.vol != NULL;
	if (made) {
		int crc = volume_file_close(&r.f);

		rc = rc ?: crc;
	}
	if (!rc && (rc = commit(dir, vm, vsv, len)) != 0)
		snprintf(why, n, "Could not write the snapshot's saved state in %s: %s", dir,
			 volume_strerror(rc));
	else if (rc && made)
		volume_unlink(&bin);
	*pause_tsc = r.paused ? r.pause_tsc : st.pause_ticks;
	free_run(&r);
	free(vsv);
	return rc;
}
