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
/* Remove-VMSnapshot: each snapshot named name (with subtree, and all
 * its descendants: -IncludeAllChildSnapshots). *merged counts the AVHDs
 * merged into their parents; *waiting those of a running VM, recorded to
 * be merged once it is off (Windows Server 2008 R2 merges then). */
int vm_snap_remove(struct vm *vm, const char *name, bool subtree, int *merged, int *waiting,
		   char *why, size_t n);
/* Do the merges config.txt records: those a crash cut short, and those
 * waiting for the VM to be off. Boot, Start-VM, Stop-VM, Checkpoint-VM and
 * Restore-VMSnapshot call it; it does nothing while the VM runs, and a
 * recorded merge's parent is read by nothing but its child's chain. */
int vm_snap_merges(struct vm *vm, char *why, size_t n);
#endif
