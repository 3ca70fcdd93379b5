/*
 * What partition/vm_snap.c (Checkpoint-VM, Restore-VMSnapshot,
 * Rename-VMSnapshot) shares with partition/vm_snap_remove.c (the merges
 * and Remove-VMSnapshot): one snapshot module in two files, vm_snap.h
 * its interface. Not for other modules.
 */
#ifndef PARENT_VM_SNAP_INT_H
#define PARENT_VM_SNAP_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "partition/vm.h"
#include "partition/vmconfig/vmcfg.h"

#define SNAP_DIR "Snapshots"
#define SNAP_EXT ".txt"

typedef char snap_path[VMCFG_DISK_PATH_MAX];

struct vm_snap_scratch {
	struct vmcfg_snaps tree;
	snap_path made[VMCFG_DRIVES_MAX], old[VMCFG_DRIVES_MAX];
	struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	struct vmcfg_dvd dvds[VMCFG_IDE_DRIVES];
	struct vmcfg_merge merges[VMCFG_MERGES_MAX];
	int drive[VMCFG_MERGES_MAX];      /* the drive of each planned merge */
	bool live[VMCFG_MERGES_MAX];      /* ... switched to a new AVHD for it */
};
extern struct vm_snap_scratch vm_snap_s;

/* What an operation may change: the file's text, the drives and the
 * settings a restore brings back. */
struct vm_snap_undo {
	char *text;
	size_t len;
	struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	int ndisks, ndvds, nmodules;
	struct vmcfg_dvd dvds[VMCFG_IDE_DRIVES];
	uint64_t mem_bytes;
	uint32_t processors, weight, reserve_pct, max_pct;
	char kernel[VM_PATH_MAX], initrd[VM_PATH_MAX], cmdline[VM_CMDLINE_MAX];
	char modules[VM_MODULES_MAX][VM_PATH_MAX];
};
extern struct vm_snap_undo vm_snap_u;

/* The tree of config.txt into vm_snap_s.tree; -EINVAL with why. */
int vm_snap_read_tree(struct vm *vm, char *why, size_t n);
/* The state an operation may change, kept to undo a failed commit. */
int vm_snap_undo_keep(struct vm *vm, struct vm_snap_undo *u);
/* rc 0: the edited state written (rule 8's switch); else, or when the
 * write fails, the old one back in memory. */
int vm_snap_commit(struct vm *vm, struct vm_snap_undo *u, int rc, char *why, size_t n);
bool vm_snap_running(const struct vm *vm);
/* One of the VM's own AVHDs (made in its Snapshots folder). */
bool vm_snap_is_ours(const struct vm *vm, const char *path);
void vm_snap_unlink(const char *path);
/* A new AVHD's name for each of parents[0..count) into vm_snap_s.made. */
int vm_snap_avhd_names(struct vm *vm, const struct vmcfg_disk *parents, int count, char *why,
		       size_t n);
/* A differencing disk at child whose parent is parent (both on C:). */
int vm_snap_avhd_create(const char *child, const char *parent, char *why, size_t n);
/* Running drive i back on its file (a switch that failed); made: its
 * new AVHD (vm_snap_s.made[i]) deleted. */
void vm_snap_switch_back(struct vm *vm, int i, bool made);
/* The Snapshots folder goes when nothing is left in it. */
void vm_snap_tidy(const struct vm *vm);
/* A snapshot's own files: its settings and its saved state. */
void vm_snap_settings_unlink(struct vm *vm, const uint8_t id[16]);
/* After a switch: the VM's former AVHDs that nothing names any more. */
void vm_snap_drop_unused(struct vm *vm, const snap_path *files, int count);
/* A running VM's merges waiting for power-off, dropped before a
 * checkpoint (vm_snap_remove.c). */
int vm_snap_drop_waiting(struct vm *vm, char *why, size_t n);
/* In (true) and out of an operation: vm_snap_busy. */
void vm_snap_enter(bool in);
#endif
