/*
 * Snapshots (issue 19 item 3; docs/vm-config.md "Snapshots"), as Hyper-V
 * 2008 R2 keeps them: each snapshot freezes the VM's disks (the VM goes
 * on in new AVHD differencing disks, "<disk>_<GUID>.avhd" in the VM's
 * Snapshots folder) and keeps a copy of its settings
 * (Snapshots\<Id>.txt); the tree is in config.txt (vmcfg.h, "Snapshots").
 * Every step orders its writes so that a crash leaves the old chain or
 * the new one in use and whole (docs/ARCHITECTURE.md rule 8): files are
 * created first, config.txt switches to them (the atomic write), and
 * only then are files no longer named deleted; a merge is recorded in
 * config.txt before it starts and finished at the next boot if it was
 * cut short.
 */
#ifndef PARENT_VM_SNAP_H
#define PARENT_VM_SNAP_H
#include <stdbool.h>
#include <stddef.h>

struct vm;

/* Checkpoint-VM of a VM that is off: name NULL gives Hyper-V's default. */
int vm_snap_checkpoint(struct vm *vm, const char *name, char *why, size_t n);
/* Restore-VMSnapshot: the VM (off or saved; a saved state is discarded)
 * goes back to the snapshot's settings and disks, in new AVHDs. */
int vm_snap_restore(struct vm *vm, const char *name, char *why, size_t n);
/* Rename-VMSnapshot: the one snapshot named name gets the name to. */
int vm_snap_rename(struct vm *vm, const char *name, const char *to, char *why, size_t n);
/* What Remove-VMSnapshot did with the differencing disks: merged into
 * their parents (the VM off); merging now, the VM running (each drive
 * moved onto a new AVHD, the old one merged from under it while the
 * guest runs, partition/vm_merge.c); waiting for the VM to be off (a
 * merge that could not start live). */
struct vm_snap_merged {
	int merged, live, waiting;
};
/* Remove-VMSnapshot: each snapshot named name (with subtree, and all
 * its descendants: -IncludeAllChildSnapshots). */
int vm_snap_remove(struct vm *vm, const char *name, bool subtree, struct vm_snap_merged *m,
		   char *why, size_t n);
/* Do the merges config.txt records: those a crash cut short, and those
 * waiting for the VM to be off; then fold each drive that is an AVHD of
 * the VM's whose parent nothing else needs (a live merge's) into it. Boot, Start-VM, Stop-VM, Checkpoint-VM and
 * Restore-VMSnapshot call it; it does nothing while the VM runs, and a
 * recorded merge's parent is read by nothing but its child's chain. */
int vm_snap_merges(struct vm *vm, char *why, size_t n);
/* A live merge (partition/vm_merge.c) ended, mid merged: config.txt
 * records it. */
int vm_snap_live_merged(struct vm *vm, const char *mid, char *why, size_t n);
/* True inside a snapshot operation (the live merges wait for its end). */
bool vm_snap_busy(void);
#endif
