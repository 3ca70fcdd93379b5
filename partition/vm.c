/*
 * The parent's partition manager: the worker-process role of Hyper-V.
 * It keeps each child's configuration, gives it memory from the parent's
 * own pages (loaded before hand-over, docs/ARCHITECTURE.md rule 1),
 * drives hv's partition hypercalls, and emulates the devices a child
 * touches (docs/ARCHITECTURE.md rule 3; docs/child-platform.md lists
 * them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "partition/vsp/vsp_dev.h"
#include "partition/vsp/vsp_host.h"
#include "partition/vsp/vsp_stor.h"
#include "partition/vsp/vsp_net.h"
#include "partition/arch/cpu.h"
#include "partition/clock.h"
#include "partition/devices/ports.h"
#include "partition/drivers/pit.h"
#include "partition/drivers/serial.h"
#include "partition/lib/guid.h"
#include "partition/loader/multiboot.h"
#include "partition/net/pnet.h"
#include "partition/parent.h"
#include "partition/pnic.h"
#include "partition/vm.h"
#include "partition/vm_ctx.h"
#include "partition/vm_ide.h"
#include "partition/vm_load.h"
#include "partition/vm_merge.h"
#include "partition/vm_snap.h"
#include "partition/volume/volume.h"

static struct vm vms[VM_MAX];
static uint8_t console_store[VM_MAX][CRING_CONSOLE_CAP];
static struct vm *attached;
static uint32_t next_number = 1;   /* 0 is the parent's */

void vm_init(void)
{
	for (int i = 0; i < VM_MAX; i++)
		vms[i].hv_id = -1;
}

struct vm *vm_at(int i)
{
	return i >= 0 && i < VM_MAX && vms[i].used ? &vms[i] : NULL;
}

struct vm *vm_find(const char *name)
{
	for (int i = 0; i < VM_MAX; i++)
		if (vms[i].used && !strcasecmp(vms[i].name, name))
			return &vms[i];
	return NULL;
}

bool vm_is_parent_name(const char *name)
{
	struct hvpart_partition_info pi;
	uint64_t id = 0;

	if (hvcall(HVCALL_HVPART_GET_PARTITION_INFO, &id, sizeof(id), &pi, sizeof(pi)))
		return !strcasecmp(name, "parent");
	pi.name[sizeof(pi.name) - 1] = '\0';
	return !strcasecmp(name, pi.name);
}

void vm_set_attached(struct vm *vm)
{
	attached = vm;
}

/* VM names are printable ASCII: the console takes nothing else
 * (lineedit.h), and a name cut to its ASCII part would name another VM. */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int vm_check_name(const char *name, char *why, size_t n)
{
	if (!name_ok(name)) {
		snprintf(why, n, "The name '%s' is not valid: VM names take ASCII letters, digits, spaces and punctuation only.",
			 name);
		return -EINVAL;
	}
	if (vm_find(name) || vm_is_parent_name(name)) {
		snprintf(why, n, "A virtual machine named '%s' already exists.", name);
		return -EEXIST;
	}
	if (strlen(name) >= VM_NAME_MAX) {
		snprintf(why, n, "A name, path, module list or command line is too long.");
		return -E2BIG;
	}
	return 0;
}

int vm_new(const struct vm_config *c, char *why, size_t n)
{
	struct vm *vm = NULL;
	int rc;

	rc = vm_check_name(c->name, why, n);
	if (rc)
		return rc;
	if (strlen(c->kernel) >= VM_PATH_MAX ||
	    (c->initrd && strlen(c->initrd) >= VM_PATH_MAX) ||
	    (c->cmdline && strlen(c->cmdline) >= VM_CMDLINE_MAX) || c->nmodules > VM_MODULES_MAX) {
		snprintf(why, n, "A name, path, module list or command line is too long.");
		return -E2BIG;
	}
	if (vm_check_processors(c->processors, why, n))
		return -EINVAL;
	if (vm_check_memory(c->mem_bytes, why, n))
		return -EINVAL;
	if (!c->vmid && c->mem_bytes > pmem_free_bytes()) {
		snprintf(why, n, "Not enough memory: %llu MB requested, %llu MB free.",
			 (unsigned long long)(c->mem_bytes >> 20),
			 (unsigned long long)(pmem_free_bytes() >> 20));
		return -ENOMEM;
	}
	for (int i = 0; i < VM_MAX && !vm; i++)
		if (!vms[i].used)
			vm = &vms[i];
	if (!vm) {
		snprintf(why, n, "hvpart supports at most %d virtual machines.", VM_MAX);
		return -ENOSPC;
	}
	memset(vm, 0, sizeof(*vm));
	vm->hv_id = -1;
	snprintf(vm->name, sizeof(vm->name), "%s", c->name);
	snprintf(vm->kernel, sizeof(vm->kernel), "%s", c->kernel);
	snprintf(vm->cmdline, sizeof(vm->cmdline), "%s", c->cmdline ? c->cmdline : "");
	snprintf(vm->initrd, sizeof(vm->initrd), "%s", c->initrd ? c->initrd : "");
	for (int i = 0; i < c->nmodules; i++)
		snprintf(vm->modules[i], VM_PATH_MAX, "%s", c->modules[i]);
	vm->nmodules = c->nmodules;
	vm->mem_bytes = c->mem_bytes;
	vm->processors = (uint32_t)c->processors;
	vm->weight = 100;
	vm->max_pct = 100;
	/* Refuse a kernel that would not boot now, not at Start-VM. */
	rc = c->vmid ? 0 : vm_load_check(vm, why, n);
	if (rc) {
		memset(vm, 0, sizeof(*vm));
		return rc;
	}
	vm->used = true;
	vm->number = next_number++;
	if (c->vmid)
		memcpy(vm->vmid, c->vmid, sizeof(vm->vmid));
	else
		guid_random(vm->vmid);
	return 0;
}

int vm_check_memory(uint64_t bytes, char *why, size_t n)
{
	if (bytes < (4u << 20) || bytes > (4ull << 30) || (bytes & ((2u << 20) - 1))) {
		snprintf(why, n, "MemoryStartupBytes must be a multiple of 2MB between 4MB and 4GB.");
		return -EINVAL;
	}
	return 0;
}

int vm_check_processors(int64_t count, char *why, size_t n)
{
	if (count < 1 || count > VM_PROCESSORS_MAX) {
		snprintf(why, n, "ProcessorCount must be between 1 and %d: a virtual machine has at most %d virtual processors.",
			 VM_PROCESSORS_MAX, VM_PROCESSORS_MAX);
		return -EINVAL;
	}
	return 0;
}

static void seg_conv(struct hvpart_seg *d, const struct ldr_seg *s)
{
	*d = (struct hvpart_seg){ .base = s->base, .limit = s->limit, .ar = s->ar, .sel = s->sel };
}

static void vp_conv(struct hvpart_vp_state *d, const struct ldr_vp_state *s)
{
	memset(d, 0, sizeof(*d));
	d->gpr[0] = s->rax; d->gpr[1] = s->rcx; d->gpr[2] = s->rdx; d->gpr[3] = s->rbx;
	d->gpr[4] = s->rsp; d->gpr[5] = s->rbp; d->gpr[6] = s->rsi; d->gpr[7] = s->rdi;
	d->rip = s->rip;
	d->rflags = s->rflags;
	d->cr0 = s->cr0; d->cr3 = s->cr3; d->cr4 = s->cr4; d->efer = s->efer;
	seg_conv(&d->cs, &s->cs); seg_conv(&d->ds, &s->ds); seg_conv(&d->es, &s->es);
	seg_conv(&d->fs, &s->fs); seg_conv(&d->gs, &s->gs); seg_conv(&d->ss, &s->ss);
	seg_conv(&d->tr, &s->tr); seg_conv(&d->ldtr, &s->ldtr);
	d->gdtr_base = s->gdtr_base; d->gdtr_limit = s->gdtr_limit;
	d->idtr_base = s->idtr_base; d->idtr_limit = s->idtr_limit;
}

/* Hand the loaded pages to the child, run by run. */
static uint16_t deposit_set(uint64_t id, const struct pmem_set *mem)
{
	static struct hvpart_deposit_in in;
	uint16_t st = HV_STATUS_SUCCESS;
	uint32_t r = 0;

	while (r < mem->nruns && !st) {
		memset(&in, 0, sizeof(in));
		in.partition_id = id;
		for (; r < mem->nruns && in.nruns < HVPART_DEPOSIT_RUNS; r++) {
			const struct pmem_run *run = &mem->runs[r];

			in.runs[in.nruns++] = (struct hvpart_deposit_run){ run->gpa, run->pa >> 12,
									   run->npages };
		}
		st = hvcall(HVCALL_HVPART_DEPOSIT_PAGES, &in, sizeof(in), NULL, 0);
	}
	return st;
}

static uint16_t vm_deposit(struct vm *vm)
{
	return deposit_set((uint64_t)vm->hv_id, &vm->mem);
}

static void vm_uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;

	cring_write(&vm->console, &byte, 1);
	if (attached == vm)
		serial_write_raw((const char *)&byte, 1);
}

/* Every vector the child's 8259 pair has ready goes to hv as an ExtINT
 * (HvpartAssertInterrupt, docs/hypercalls.md "Interrupts"). */
static void vm_pic_deliver(struct vm *vm)
{
	struct hvpart_assert_irq_in in = { .flags = HVPART_IRQ_EXTINT };
	int vec;

	if (vm->hv_id < 0)
		return;
	in.partition_id = (uint64_t)vm->hv_id;
	while ((vec = pic_take(&vm->pic)) >= 0) {
		in.vector = (uint32_t)vec;
		hvcall(HVCALL_HVPART_ASSERT_INTERRUPT, &in, sizeof(in), NULL, 0);
	}
}

void vm_irq_set(struct vm *vm, unsigned line, int level)
{
	pic_set_irq(&vm->pic, (int)line, level);
	vm_pic_deliver(vm);
}

/* COM1 is IRQ 4 (the child's DSDT, partition/acpi/dsdt.asl). */
static void vm_uart_irq(void *ctx, int level)
{
	vm_irq_set(ctx, 4, level);
}

static const struct uart_ops vm_uart_ops = { vm_uart_tx, vm_uart_irq };

/* Delete the hv partition and give its pages back to the pool. */
static void vm_teardown(struct vm *vm)
{
	if (vm->hv_id >= 0) {
		uint64_t id = (uint64_t)vm->hv_id;

		vsp_host_destroy(id);
		vm_ide_stop(vm);
		/* The disks' data and metadata reach the drive before the
		 * VM is Off (vm_query reaps a stopped child first). */
		(void)vsp_stor_detach(id);
		hvcall(HVCALL_HVPART_DELETE_PARTITION, &id, sizeof(id), NULL, 0);
		vm->hv_id = -1;
	}
	pmem_release(&vm->mem);
}

static int hv_fail(struct vm *vm, uint16_t st, const char *what, char *why, size_t n)
{
	snprintf(why, n, "The hypervisor refused to %s (status %#x).", what, st);
	vm_teardown(vm);
	return -EIO;
}

/* The storage rows of vsp_dev.h this VM does not get: the SCSI
 * controller without SCSI disks, an IDE accelerator channel without a
 * disk at its IDE position. */
static uint32_t vm_storage_absent(const struct vm *vm)
{
	uint32_t absent = 1u << VSP_DEV_SCSI;

	for (unsigned u = 0; u < VMCFG_IDE_DRIVES; u++)
		absent |= 1u << (VSP_DEV_IDE0 + u);
	for (int i = 0; i < vm->ndisks; i++) {
		const struct vmcfg_disk *d = &vm->disks[i];

		if (d->controller_type == VMCFG_CTRL_SCSI)
			absent &= ~(1u << VSP_DEV_SCSI);
		else if (d->controller_number < 2 && d->controller_location < 2)
			absent &= ~(1u << (VSP_DEV_IDE0 + d->controller_number * 2 +
					   d->controller_location));
	}
	return absent;
}

static int vm_build(struct vm *vm, char *why, size_t n)
{
	struct hvpart_create_in cin;
	struct hvpart_vp_state_in vin;
	struct ldr_vp_state vp;
	uint64_t id, vpin[2];
	uint16_t st;
	int rc;

	if (pmem_alloc(vm->mem_bytes, &vm->mem)) {
		snprintf(why, n, "Not enough memory to start '%s' (%llu MB needed, %llu MB free).",
			 vm->name, (unsigned long long)(vm->mem_bytes >> 20),
			 (unsigned long long)(pmem_free_bytes() >> 20));
		return -ENOMEM;
	}
	rc = vm_load_into(vm, &vp, why, n);
	if (rc) {
		vm_teardown(vm);
		return rc;
	}
	memset(&cin, 0, sizeof(cin));
	snprintf(cin.name, sizeof(cin.name), "%s", vm->name);
	cin.max_gpa = vm->mem_bytes;
	st = hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), &id, sizeof(id));
	if (st)
		return hv_fail(vm, st, "create a partition", why, n);
	vm->hv_id = (int64_t)id;
	st = vm_deposit(vm);
	if (st)
		return hv_fail(vm, st, "take the child's memory", why, n);
	vpin[0] = id;
	for (vpin[1] = 0; vpin[1] < vm->processors; vpin[1]++) {
		st = hvcall(HVCALL_HVPART_CREATE_VP, vpin, sizeof(vpin), NULL, 0);
		if (st)
			return hv_fail(vm, st, "create a virtual processor", why, n);
	}
	if (vsp_stor_attach(id, vm->disks, vm->ndisks, vm->processors, why, n) ||
	    vm_ide_start(vm, why, n)) {
		vm_teardown(vm);
		return -EIO;
	}
	/* The SCSI controller is offered to a VM with SCSI disks only. */
	if (vsp_host_create(id, vm->ic_disabled | vm_storage_absent(vm) |
			    vsp_net_absent(vm), vm->processors))
		return hv_fail(vm, HV_STATUS_INSUFFICIENT_MEMORY, "connect the VMBus host", why, n);
	memset(&vin, 0, sizeof(vin));
	vin.partition_id = id;
	vp_conv(&vin.state, &vp);
	st = hvcall(HVCALL_HVPART_SET_VP_STATE, &vin, sizeof(vin), NULL, 0);
	if (st)
		return hv_fail(vm, st, "set the virtual processor's state", why, n);
	return 0;
}

/* COM1, the 8259 pair and CMOS at power-on; the console ring kept. */
static void vm_devices_reset(struct vm *vm)
{
	if (!vm->console.buf)
		cring_init(&vm->console, console_store[vm - vms], CRING_CONSOLE_CAP);
	uart_init(&vm->uart, &vm_uart_ops, vm);
	pic_reset(&vm->pic);
	cmos_reset(&vm->cmos);
	vm->have_final = false;
}

int vm_start(struct vm *vm, char *why, size_t n)
{
	struct hvpart_partition_info pi;
	uint64_t id;
	uint16_t st;
	int rc;

	if (vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING) {
		snprintf(why, n, "'%s' is already running.", vm->name);
		return -EBUSY;
	}
	rc = vm_snap_merges(vm, why, n);   /* docs/ARCHITECTURE.md rule 8 */
	if (rc)
		return rc;
	if (vm->saved)
		return vm_resume(vm, why, n);
	vm->start_cmd_tsc = cpu_rdtsc();
	vm_teardown(vm);            /* a stopped VM boots afresh */
	vm_devices_reset(vm);
	rc = vm_build(vm, why, n) ?: vm_set_processor_share(vm, why, n);
	if (rc)
		return rc;
	id = (uint64_t)vm->hv_id;
	st = hvcall(HVCALL_HVPART_START_PARTITION, &id, sizeof(id), NULL, 0);
	if (st)
		return hv_fail(vm, st, "start the partition", why, n);
	vm->start_ns = clock_monotonic_ns();
	return 0;
}

static uint16_t hv_stop_code(uint64_t id, const char *reason, bool code, uint32_t exit_code)
{
	struct hvpart_stop_in in;

	memset(&in, 0, sizeof(in));
	in.partition_id = id;
	in.flags = code ? HVPART_STOP_EXIT_CODE : 0;
	in.exit_code = exit_code;
	snprintf(in.reason, sizeof(in.reason), "%s", reason);
	return hvcall(HVCALL_HVPART_STOP_PARTITION, &in, sizeof(in), NULL, 0);
}

static uint16_t hv_stop(struct vm *vm, const char *reason, bool code, uint32_t exit_code)
{
	return hv_stop_code((uint64_t)vm->hv_id, reason, code, exit_code);
}

static uint16_t hv_stop_id(uint64_t id, const char *reason)
{
	return hv_stop_code(id, reason, false, 0);
}

int vm_stop(struct vm *vm, const char *reason, char *why, size_t n)
{
	struct hvpart_partition_info pi;

	if (!vm_query(vm, &pi) || pi.state != HVPART_STATE_RUNNING) {
		snprintf(why, n, "'%s' is not running.", vm->name);
		return -EINVAL;
	}
	if (hv_stop(vm, reason, false, 0)) {
		snprintf(why, n, "The hypervisor refused to stop '%s'.", vm->name);
		return -EIO;
	}
	return 0;
}

int vm_remove(struct vm *vm, char *why, size_t n)
{
	struct hvpart_partition_info pi;

	if (vm_query(vm, &pi) && pi.state == HVPART_STATE_RUNNING) {
		snprintf(why, n, "'%s' is running; stop it first (Stop-VM -TurnOff).", vm->name);
		return -EBUSY;
	}
	if (vm->saved && vm_discard_saved(vm, why, n))
		return -EIO;
	if (attached == vm)
		attached = NULL;
	vm_teardown(vm);
	vmcfg_free(&vm->cfg);
	memset(vm, 0, sizeof(*vm));
	vm->hv_id = -1;
	return 0;
}

static bool hv_info(const struct vm *vm, struct hvpart_partition_info *pi)
{
	uint64_t id = (uint64_t)vm->hv_id;

	return hvcall(HVCALL_HVPART_GET_PARTITION_INFO, &id, sizeof(id), pi, sizeof(*pi)) == 0;
}

static void vm_reap(void);

/* A child hv reports stopped is reaped first (its disks flushed and
 * closed, vm_teardown), so nobody sees a VM Off whose writes are still
 * on their way to the drive. */
bool vm_query(const struct vm *vm, struct hvpart_partition_info *pi)
{
	if (vm->hv_id >= 0) {
		if (!hv_info(vm, pi))
			return false;
		if (pi->state != HVPART_STATE_STOPPED)
			return true;
		vm_reap();
	}
	if (vm->have_final)
		*pi = vm->final;
	return vm->have_final;
}

struct vm *vm_by_hv_id(uint64_t id)
{
	for (int i = 0; i < VM_MAX; i++)
		if (vms[i].used && vms[i].hv_id == (int64_t)id)
			return &vms[i];
	return NULL;
}

static void vm_port_stop(void *ctx, const char *reason, bool has_code, uint32_t exit_code)
{
	hv_stop(ctx, reason, has_code, exit_code);
}

/* A guest reboot: stop the partition now (its vCPU must not run on past
 * the reset line) and let vm_reap boot it afresh. */
static void vm_port_reset(void *ctx, const char *reason)
{
	struct vm *vm = ctx;

	vm->reset_pending = true;
	snprintf(vm->last_reset, sizeof(vm->last_reset), "%s", reason);
	hv_stop(vm, reason, false, 0);
}

/* The host's wall clock for a child's RTC (partition/clock.c keeps the
 * parent's time() on the RTC it read at boot). */
static int64_t host_now(void)
{
	return (int64_t)time(NULL);
}

/* One port access of a child, decoded by the port table
 * (partition/devices/ports.c). Returns true when the access ended the
 * child. */
static bool io_emulate(struct vm *vm, const struct hvpart_intercept *ic, uint32_t *val)
{
	const struct port_bus bus = { &vm->uart, vm_port_stop, vm, &vm->pic, &vm->cmos, host_now,
				      vm_port_reset, vm->ide ? &vm->ide->pci.bus : NULL,
				      vm->ide ? &vm->ide->ide : NULL };
	const struct port_access a = { ic->port, ic->size, ic->is_write != 0, ic->value };

	if (ports_access(&bus, &a, val))
		return true;
	vm_pic_deliver(vm);   /* an unmask may release a waiting request */
	return false;
}

/* The guest reset its machine: Hyper-V starts the VM again, with the
 * same configuration, disks and console log (Get-VMConsoleLog shows both
 * boots). If it cannot start, the VM stays Off and says why. */
static void vm_restart(struct vm *vm)
{
	char why[160];

	vm->reset_pending = false;
	vm->resets++;
	if (vm_start(vm, why, sizeof(why)) == 0)
		return;
	snprintf(vm->final.stop_reason, sizeof(vm->final.stop_reason), "%s; restart failed: %s",
		 vm->last_reset, why);
}

/* A stopped child keeps no memory (as an Off VM in Hyper-V): remember
 * how it ended, then delete its partition, which scrubs and returns its
 * pages. */
static void vm_reap(void)
{
	for (int i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vms[i];
		struct hvpart_partition_info pi;

		if (!vm->used || vm->hv_id < 0 || !hv_info(vm, &pi) ||
		    pi.state != HVPART_STATE_STOPPED)
			continue;
		vm->final = pi;
		vm->have_final = true;
		vm_teardown(vm);
		if (vm->reset_pending)
			vm_restart(vm);
	}
}

/* A safety net under the notification (HVPART_NOTIFY_VECTOR): while
 * children run, the idle parent also looks for their intercepts itself
 * every VM_POLL_TICKS. Under QEMU SVM a Linux child's port access once
 * waited unfetched for minutes with no notification left in hv or in the
 * parent (the cause is not found yet; hv logs what it sees at the
 * parent's HLT, hv/core/sched.c). An intercept found this way is counted
 * (Measure-VMHost's UnannouncedIntercepts). */
#define VM_POLL_TICKS (PIT_HZ / 10)
static uint64_t last_service;
uint64_t vm_unannounced;

static bool poll_due(void)
{
	for (int i = 0; i < VM_MAX; i++)
		if (vms[i].used && vms[i].hv_id >= 0)
			return pit_ticks - last_service >= VM_POLL_TICKS;
	return false;
}

void vm_service(void)
{
	struct hvpart_intercept ic;
	bool notified = cpu_take_notify() != 0;

	last_service = pit_ticks;
	vsp_service();
	vm_reap();
	for (int guard = 0; guard < 1024; guard++) {
		struct hvpart_complete_in done;
		struct vm *vm;
		uint32_t val;

		if (hvcall(HVCALL_HVPART_GET_INTERCEPT, NULL, 0, &ic, sizeof(ic)))
			break;
		vm = vm_by_hv_id(ic.partition_id);
		if (!vm || ic.type != HVPART_ICPT_IO) {
			printf("parent: intercept %llu of partition %llu (type %u) has no VM to serve it\n",
			       (unsigned long long)ic.seq, (unsigned long long)ic.partition_id, ic.type);
			continue;
		}
		if (io_emulate(vm, &ic, &val)) {
			vm_reap();
			continue;
		}
		done = (struct hvpart_complete_in){ ic.partition_id, ic.seq, val, 0 };
		hvcall(HVCALL_HVPART_COMPLETE_INTERCEPT, &done, sizeof(done), NULL, 0);
		if (!notified && !guard)
			vm_unannounced++;
	}
}

/* How soon hv must hand the parent a physical interrupt while children
 * run (HvpartSetInterruptLatency, docs/hypercalls.md): every look costs
 * the children an exit. While someone types, a key's echo should not wait
 * on them (50 us, about a third of a character at 115200 baud); when the
 * console has been quiet for a second, 1 ms still drains the UART's
 * 16-byte FIFO long before it fills (1.4 ms at 115200 baud). */
#define LATENCY_TYPING_US 50
#define LATENCY_QUIET_US  1000
#define TYPING_TICKS      PIT_HZ

static void idle_latency(bool typed, uint64_t last_input)
{
	static uint64_t set;
	uint64_t want = typed && pit_ticks - last_input < TYPING_TICKS ? LATENCY_TYPING_US
								       : LATENCY_QUIET_US;

	if (want != set && hvcall_fast(HVCALL_HVPART_SET_INTERRUPT_LATENCY, want) == 0)
		set = want;
}

bool vm_idle(void)
{
	static uint64_t last_input;
	static bool typed;
	bool arrived;

	idle_latency(typed, last_input);
	vsp_tick();
	/* A running VM's disk merge (Remove-VMSnapshot): one step when its
	 * rest is over (partition/vm_merge.c). */
	vm_merge_poll();
	/* The physical NIC's rings (partition/pnic.h): frames in and out. */
	pnic_poll();
	/* The parent's IP stack: frames the switches queued for it during
	 * the last vsp_service or pnic_poll, and its timers
	 * (partition/net/pnet.h). */
	pnet_poll();
	/* "sti; hlt" is atomic against the wake-up (STI shadow, SDM Vol. 2B):
	 * input that arrived since the last look is not slept through. */
	__asm__ volatile("cli" ::: "memory");
	arrived = serial_take_arrival();
	/* vsp_irq_pending without an interrupt: a VMBus device left work
	 * (vsp_service), which no new signal will announce. */
	if (!cpu_notify_pending() && !arrived && !vsp_irq_pending && !pnet_pending() && !poll_due())
		__asm__ volatile("sti; hlt" ::: "memory");
	__asm__ volatile("sti" ::: "memory");
	if (arrived) {
		last_input = pit_ticks;
		typed = true;
	}
	/* A VMBus message or event is the VMBus host's alone: no intercept
	 * or stopped child to look for, so none of vm_service's hypercalls
	 * (tests/bench/vmbus: they were most of a message's round trip). */
	if (!cpu_notify_pending() && !poll_due()) {
		vsp_service();
		return false;
	}
	vm_service();
	return true;
}

/* ---- Debug-VMHost -Action SaveRestore (partition/vm_ctx.c) ---- */

/* A new partition for vm from a copy of its memory and its vCPU
 * contexts (b[0..vm->processors)): created, the copy deposited, the
 * vCPUs, each context imported. 0 and *id, or the failing status (what
 * names the step). */
static uint16_t sr_build(struct vm *vm, const struct pmem_set *mem, const struct vmctx_buf *b,
			 uint64_t *id, const char **what)
{
	struct hvpart_create_in cin;
	uint64_t vpin[2];
	uint16_t st;

	memset(&cin, 0, sizeof(cin));
	snprintf(cin.name, sizeof(cin.name), "%s", vm->name);
	cin.max_gpa = vm->mem_bytes;
	*what = "create a partition";
	st = hvcall(HVCALL_HVPART_CREATE_PARTITION, &cin, sizeof(cin), id, sizeof(*id));
	if (st)
		return st;
	vpin[0] = *id;
	*what = "take the copied memory";
	st = deposit_set(*id, mem);
	for (vpin[1] = 0; !st && vpin[1] < vm->processors; vpin[1]++) {
		*what = "create a virtual processor";
		st = hvcall(HVCALL_HVPART_CREATE_VP, vpin, sizeof(vpin), NULL, 0);
	}
	for (unsigned v = 0; !st && v < vm->processors; v++) {
		*what = "import a vCPU context";
		st = vmctx_io(HVCALL_HVPART_SET_VP_CONTEXT, *id, &b[v]);
	}
	if (st)
		hvcall(HVCALL_HVPART_DELETE_PARTITION, id, sizeof(*id), NULL, 0);
	return st;
}

/* The old partition goes (its pages scrubbed and back in the parent's
 * pool), the new one takes its place under the same VM: the device
 * models kept in struct vm (COM1, the 8259 pair, CMOS) carry on as
 * they were, the VMBus host is restored from bus; IDE starts afresh. */
static int sr_switch(struct vm *vm, uint64_t id, struct pmem_set *mem, const uint8_t *bus,
		     size_t blen, char *why, size_t n)
{
	uint64_t old = (uint64_t)vm->hv_id;

	vsp_host_destroy(old);
	vm_ide_stop(vm);
	(void)vsp_stor_detach(old);
	vm->hv_id = (int64_t)id;
	hv_stop_id(old, "saved and restored into another partition");
	hvcall(HVCALL_HVPART_DELETE_PARTITION, &old, sizeof(old), NULL, 0);
	pmem_release(&vm->mem);
	vm->mem = *mem;
	if (vsp_stor_attach(id, vm->disks, vm->ndisks, vm->processors, why, n) ||
	    vm_ide_start(vm, why, n) ||
	    vsp_host_create(id, vm->ic_disabled | vm_storage_absent(vm) | vsp_net_absent(vm),
			    vm->processors))
		return hv_fail(vm, HV_STATUS_INSUFFICIENT_MEMORY, "reconnect the devices", why, n);
	if (blen && vsp_host_restore(id, bus, blen))
		return hv_fail(vm, HV_STATUS_INVALID_PARAMETER, "restore the VMBus host", why, n);
	return 0;
}

int vm_save_restore(struct vm *vm, struct vm_sr_report *r, char *why, size_t n)
{
	struct hvpart_partition_info pi;
	struct vmctx_buf b[VM_PROCESSORS_MAX];
	struct pmem_set mem;
	const char *what = "suspend the partition";
	uint64_t old = (uint64_t)vm->hv_id, id = 0;
	uint8_t *bus = NULL;
	size_t blen = 0;
	uint16_t st;
	int rc = 0;

	if (!vm_query(vm, &pi) || pi.state != HVPART_STATE_RUNNING) {
		snprintf(why, n, "'%s' is not running.", vm->name);
		return -EINVAL;
	}
	if (vmctx_bufs_alloc(b, vm->processors)) {
		snprintf(why, n, "Not enough memory to save '%s'.", vm->name);
		return -ENOMEM;
	}
	if (pmem_alloc(vm->mem_bytes, &mem)) {
		vmctx_bufs_free(b, vm->processors);
		snprintf(why, n, "Not enough memory to save '%s'.", vm->name);
		return -ENOMEM;
	}
	r->t0 = cpu_rdtsc();
	st = hvcall(HVCALL_HVPART_SUSPEND_PARTITION, &old, sizeof(old), NULL, 0);
	if (!st) {
		what = "export the vCPU context";
		st = vm_save_export(old, b, vm->processors);
	}
	if (!st) {
		rc = vm_save_vmbus(vm, old, &bus, &blen, why, n);
		what = "map the child's memory";
		st = rc ? HV_STATUS_INVALID_PARTITION_STATE : vmctx_copy_memory(old, vm->mem_bytes, &mem);
	}
	if (!st) {
		memcpy(&r->ctx, (const void *)(uintptr_t)b[0].pa[0], sizeof(r->ctx));
		st = sr_build(vm, &mem, b, &id, &what);
	}
	vmctx_bufs_free(b, vm->processors);
	if (st) {
		pmem_release(&mem);
		free(bus);
		hvcall(HVCALL_HVPART_RESUME_PARTITION, &old, sizeof(old), NULL, 0);
		if (!rc)
			snprintf(why, n, "The hypervisor refused to %s (status %#x).", what, st);
		return rc ?: -EIO;
	}
	r->old_id = old;
	r->new_id = id;
	rc = sr_switch(vm, id, &mem, bus, blen, why, n) ?: vm_set_processor_share(vm, why, n);
	free(bus);
	if (rc)
		return -EIO;
	st = hvcall(HVCALL_HVPART_START_PARTITION, &id, sizeof(id), NULL, 0);
	r->t1 = cpu_rdtsc();
	if (st)
		return hv_fail(vm, st, "start the restored partition", why, n);
	return 0;
}

/* ---- Start-VM of a saved VM (partition/vm_save.c) ---- */

int vm_start_restored(struct vm *vm, struct pmem_set *mem, const struct vmctx_buf *b,
		      int (*restore)(struct vm *vm, void *arg, char *why, size_t n), void *arg,
		      char *why, size_t n)
{
	const char *what;
	uint64_t id = 0;
	uint16_t st;
	int rc;

	vm->start_cmd_tsc = cpu_rdtsc();
	vm_teardown(vm);
	vm_devices_reset(vm);
	st = sr_build(vm, mem, b, &id, &what);
	if (st) {
		pmem_release(mem);
		snprintf(why, n, "The hypervisor refused to %s (status %#x).", what, st);
		return -EIO;
	}
	vm->hv_id = (int64_t)id;
	vm->mem = *mem;
	if (vsp_stor_attach(id, vm->disks, vm->ndisks, vm->processors, why, n) ||
	    vm_ide_start(vm, why, n)) {
		vm_teardown(vm);
		return -EIO;
	}
	if (vsp_host_create(id, vm->ic_disabled | vm_storage_absent(vm) | vsp_net_absent(vm),
			    vm->processors))
		return hv_fail(vm, HV_STATUS_INSUFFICIENT_MEMORY, "connect the VMBus host", why, n);
	rc = restore(vm, arg, why, n) ?: vm_set_processor_share(vm, why, n);
	if (rc) {
		vm_teardown(vm);
		return rc;
	}
	st = hvcall(HVCALL_HVPART_START_PARTITION, &id, sizeof(id), NULL, 0);
	if (st)
		return hv_fail(vm, st, "start the restored partition", why, n);
	vm->start_ns = clock_monotonic_ns();
	vm_pic_deliver(vm);          /* requests the 8259 pair held when saved */
	return 0;
}
