/*
 * A child's kernel into its memory (partition/vm_load.c): a Multiboot
 * kernel with its modules, or a Linux bzImage with its initrd, with the
 * ACPI tables either finds.
 */
#ifndef PARTITION_VM_LOAD_H
#define PARTITION_VM_LOAD_H
#include <stddef.h>
#include "partition/loader/multiboot.h"
#include "partition/vm.h"

/* New-VM's dry run: the kernel, modules and initrd exist and fit the
 * VM's memory; nothing is written. 0, or -errno with why filled. */
int vm_load_check(struct vm *vm, char *why, size_t n);
/* Start-VM: vm->mem zeroed, the kernel loaded, *vp its first vCPU's
 * state. 0, or -errno with why filled. */
int vm_load_into(struct vm *vm, struct ldr_vp_state *vp, char *why, size_t n);
#endif
