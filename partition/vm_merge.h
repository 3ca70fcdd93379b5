/*
 * Merges through a VM's running disk (partition/vm_merge.c): the live
 * merge of Remove-VMSnapshot of a running VM, and the same merge
 * finished offline when the VM stopped before it ended.
 */
#ifndef PARENT_VM_MERGE_H
#define PARENT_VM_MERGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* The VM is off. vm_merge_file merges child into its parent (vhd_merge
 * resumes one cut short and deletes child at its end; a child already
 * gone was merged). vm_merge_under merges mid, the parent of one of
 * vm's drives, from under it (vm_merge_through on each drive). */
int vm_merge_file(const char *child, char *why, size_t n);
int vm_merge_under(const struct vm *vm, const char *mid, char *why, size_t n);
/* In the chain of its drive top, finish a merge that was
 * stopped or cut short, or merge mid if it is top's parent (mid is
 * deleted, top's parent is mid's parent). 0 also when there was
 * nothing to do; else -errno with why. */
int vm_merge_through(const char *top, const char *mid, char *why, size_t n);
/* From the parent's idle loop: the next step of running VMs' merges,
 * when the last one's rest is over. */
void vm_merge_poll(void);
/* Blocks merged and to merge over vm's running merges; -ENOENT: none. */
int vm_merge_progress(const struct vm *vm, uint32_t *done, uint32_t *total);
/* Finish vm's running merges now (before a checkpoint changes the
 * chain): 0, or -errno with why. */
int vm_merge_finish_live(struct vm *vm, char *why, size_t n);
/* Debug-VMHost -Action HoldMerges / ReleaseMerges: running merges stop
 * halfway and wait there (a system test cuts one midway), or go on. */
void vm_merge_hold(bool hold);
#endif
