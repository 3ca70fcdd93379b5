/* Child partitions as the parent manages them (partition/vm.c). */
#ifndef PARENT_VM_H
#define PARENT_VM_H
#include <stdbool.h>
#include <stdint.h>
#include "hv/abi/hvpart_abi.h"
#include "partition/devices/cmos.h"
#include "partition/devices/pic8259.h"
#include "partition/devices/ring.h"
#include "partition/devices/uart16550.h"
#include "partition/pmem.h"
#include "partition/vmconfig/vmcfg.h"

#define VM_MAX 15
#define VM_NAME_MAX 32
#define VM_PATH_MAX 64
#define VM_MODULES_MAX 8
#define VM_CMDLINE_MAX 1024
#define VM_FOLDER_MAX 160

struct vm_ide;

struct vm {
	bool used;
	uint32_t number;             /* Get-VM's Id: 1, 2, ... never reused in a boot */
	uint8_t vmid[16];            /* Hyper-V's VMId: a random GUID (partition/lib/guid.h) */
	char name[VM_NAME_MAX];
	uint64_t mem_bytes;
	uint32_t processors;          /* virtual processors, 1..VM_PROCESSORS_MAX */
	/* Set-VMProcessor's resource control, given to hv at every start and
	 * at once while it runs (vm_set_processor_share). */
	uint32_t weight, reserve_pct, max_pct;
	char kernel[VM_PATH_MAX];
	char modules[VM_MODULES_MAX][VM_PATH_MAX];
	int nmodules;
	char initrd[VM_PATH_MAX];     /* Linux initrd; "" for none */
	char cmdline[VM_CMDLINE_MAX];
	int64_t hv_id;               /* -1: no partition in hv */
	struct pmem_set mem;
	struct uart uart;
	struct pic8259 pic;          /* the child's 8259 pair: COM1 on IRQ 4 */
	struct cmos cmos;            /* the child's RTC and NVRAM */
	struct cring console;
	uint64_t start_cmd_tsc;      /* when Start-VM began (benchmarks) */
	uint64_t start_ns;           /* clock_monotonic_ns() when it started running */
	bool have_final;             /* final state kept after hv let go */
	/* The guest reset its machine (partition/devices/ports.h): vm_reap
	 * starts it again. Get-VM shows how often, and the last line used. */
	bool reset_pending;
	uint32_t resets;
	char last_reset[48];
	uint32_t ic_disabled;        /* VMBus device types not offered (1 << VSP_DEV_*) */
	struct hvpart_partition_info final;
	/* Settings that live only in the configuration (partition/vmstore.c). */
	char notes[VMCFG_NOTES_MAX];
	enum vmcfg_start start_action;
	enum vmcfg_stop stop_action;
	/* Its folder on the host volume ("C:\Hyper-V\web1"); "" when the VM
	 * lives in memory only (no host volume). */
	char folder[VM_FOLDER_MAX];
	struct vmcfg_doc cfg;        /* the file as read: keys this parent does not know */
	/* Its hard disks (Add-VMHardDiskDrive), in the order added: VHDs on
	 * SCSI controller 0, served by partition/vsp/vsp_stor.c, and on the
	 * IDE controllers (partition/vm_ide.c). */
	struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	int ndisks;
	/* Its DVD drives (Add-VMDvdDrive) on the IDE controllers, each with
	 * an ISO or none (partition/vm_ide.c opens them). */
	struct vmcfg_dvd dvds[VMCFG_IDE_DRIVES];
	int ndvds;
	struct vm_ide *ide;          /* while it runs: PCI bus and IDE (vm_ide.h) */
	/* Save-VM wrote its state to its folder (partition/vm_save.c):
	 * Get-VM shows Saved, Start-VM resumes it. */
	bool saved;
};

struct vm_config {
	const char *name, *kernel, *cmdline, *initrd;
	const char *modules[VM_MODULES_MAX];
	int nmodules;
	uint64_t mem_bytes;
	int64_t processors;
	/* Loading a saved configuration (partition/vmstore.c): keep its VMId
	 * and skip the boot checks (a kernel that went missing is Start-VM's
	 * error, as a missing VHD is in Hyper-V). NULL for New-VM. */
	const uint8_t *vmid;
};

extern uint64_t parent_tsc_hz;
extern volatile uint64_t parent_ticks;   /* 100 Hz */

void vm_init(void);
struct vm *vm_find(const char *name);
/* Whether name (case-insensitively) is the parent partition's, as hv
 * names it and Get-VM lists it. */
bool vm_is_parent_name(const char *name);
struct vm *vm_at(int i);                 /* NULL if slot unused */
/* The VM whose running partition is hv's partition id, or NULL. */
struct vm *vm_by_hv_id(uint64_t id);
int vm_new(const struct vm_config *c, char *why, size_t n);
/* A name New-VM or Rename-VM may give: valid and not taken. */
int vm_check_name(const char *name, char *why, size_t n);
/* MemoryStartupBytes's rule (New-VM, Set-VM, a loaded configuration). */
int vm_check_memory(uint64_t bytes, char *why, size_t n);
/* ProcessorCount's rule: 1 to VM_PROCESSORS_MAX, as Hyper-V 2008 R2. */
#define VM_PROCESSORS_MAX 4
int vm_check_processors(int64_t count, char *why, size_t n);
int vm_start(struct vm *vm, char *why, size_t n);
/* Give hv vm's weight, reserve and maximum now if it runs (0 if not):
 * 0 or a negative errno with why. */
int vm_set_processor_share(struct vm *vm, char *why, size_t n);
int vm_stop(struct vm *vm, const char *reason, char *why, size_t n);
int vm_remove(struct vm *vm, char *why, size_t n);
/* hv's view of vm; false if it has no partition (never started). */
bool vm_query(const struct vm *vm, struct hvpart_partition_info *pi);
/* Serve hv's intercepts and notices; call from every wait loop. */
void vm_service(void);
/* Intercepts the parent's own poll found before hv's notification came
 * (vm.c, poll_due): each is a notification hv did not deliver. */
extern uint64_t vm_unannounced;
/* The child's ISA interrupt line (0-15) at its 8259 pair goes to level;
 * what becomes ready is delivered. */
void vm_irq_set(struct vm *vm, unsigned line, int level);
/* Connect-VM: where a child's COM1 output goes live (NULL: nowhere). */
void vm_set_attached(struct vm *vm);
/* Debug-VMHost -Action SaveRestore: suspend vm's partition, export its
 * vCPU context, copy its memory, build a new partition from both and
 * start it in place of the old (partition/vm_ctx.c). */
struct vm_sr_report {
	uint64_t old_id, new_id;
	uint64_t t0, t1;             /* TSC at the suspend and the new start */
	struct hvpart_vp_context ctx; /* the exported page 0 */
};
int vm_save_restore(struct vm *vm, struct vm_sr_report *r, char *why, size_t n);
struct vmctx_buf;
/* Suspended partition id's vCPU contexts into b[0..n), its VMBus host's work
 * served first (and the guest let run briefly while hv holds a SynIC
 * message for it): vmctx_export's status. */
uint16_t vm_save_export(uint64_t id, const struct vmctx_buf *b, unsigned n);
/* The VMBus host's state of suspended partition id into a new buffer
 * (*bus, the caller frees it; partition/vsp/vsp_state.h). Call right
 * after vm_save_export. 0, or -errno and why. */
int vm_save_vmbus(struct vm *vm, uint64_t id, uint8_t **bus, size_t *len, char *why, size_t n);
/* Save-VM and the rest of saved states (partition/vm_save.c; the files
 * are docs/vm-config.md's "Saved state"). */
/* Suspend vm, write its vCPU context, device state and memory to its
 * folder, and stop it: Get-VM shows Saved. reason: its StopReason. */
int vm_save(struct vm *vm, const char *reason, char *why, size_t n);
/* Start-VM of a Saved VM: resume it from the files, which are deleted
 * once it runs. A file that does not check out leaves it Saved. */
int vm_resume(struct vm *vm, char *why, size_t n);
/* Remove-VMSavedState (and Remove-VM): delete the files; the VM is Off. */
int vm_discard_saved(struct vm *vm, char *why, size_t n);
/* Copy the saved state's .bin and .vsv (in that order: the .vsv commits)
 * between the VM's place and folder dir (Snapshots\<Id>), each a new
 * file synced and renamed over: into_vm makes the VM Saved with dir's. */
int vm_saved_copy(struct vm *vm, const char *dir, bool into_vm, char *why, size_t n);
/* Why vm cannot be saved now (not running, several vCPUs, a VMBus
 * device in use that cannot save its state, no folder): -errno and why;
 * 0 if it can. */
int vm_save_refused(const struct vm *vm, char *why, size_t n);
/* The .vsv image of suspended partition id into vsv (VSV_MAX bytes):
 * header, exported vCPU context, devices. 0, or -errno and why. */
int vm_save_image(struct vm *vm, uint64_t id, uint8_t *vsv, size_t *len, char *why, size_t n);
/* buf[0..len) as the whole of the file vp (created or truncated): 0,
 * -ENOSPC when the drive took less, or the volume's error. */
struct vol_path;
int vm_save_write_file(const struct vol_path *vp, const uint8_t *buf, size_t len);
/* Live capture (partition/vm_capture.c): suspended partition id's
 * saved state into folder dir (<VMId>.bin and .vsv, as vm_saved_copy
 * names them) while the guest runs on: its state is taken and hv's
 * capture armed while it is suspended, it is resumed at once, and the
 * memory is copied as it was at the suspend. It serves none of the
 * child's requests before the suspend (Checkpoint-VM switches the disks
 * just before the call). On return the partition is running (resumed)
 * whatever the result. *pause_tsc: the TSC ticks the guest was
 * suspended for. */
int vm_capture_save(struct vm *vm, uint64_t id, const char *dir, uint64_t *pause_tsc, char *why,
		    size_t n);
/* Boot: whether vm's folder holds a saved state (sets vm->saved). */
bool vm_probe_saved(struct vm *vm);
/* For vm_resume: a partition from mem (which it takes) and the vCPU
 * contexts in b[0..vm->processors), COM1, the 8259 pair and CMOS reset and the devices
 * attached as Start-VM does; then restore(vm, arg) puts the saved device
 * state in place, and the child starts. On any failure nothing stays. */
int vm_start_restored(struct vm *vm, struct pmem_set *mem, const struct vmctx_buf *b,
		      int (*restore)(struct vm *vm, void *arg, char *why, size_t n), void *arg,
		      char *why, size_t n);
/* Wait for an interrupt (HLT), serving children meanwhile; true if hv
 * had news (a child's intercept, or a child stopped). */
bool vm_idle(void);
#endif
