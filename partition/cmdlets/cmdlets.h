/*
 * The parent console's cmdlets, one file per noun group: host.c (VMHost,
 * and the diagnostics: Debug-VMHost), vm.c (VM), item.c (files and
 * directories), location.c, disk.c (volumes, disks, partitions), vhd.c
 * (VHD), utility.c (Get-Date, Start-Sleep), integration.c
 * (VMIntegrationService), vmdisk.c (VMHardDiskDrive), vmdvd.c
 * (VMDvdDrive). Each file owns its table
 * slice, its parameters, help text and handlers; cmdlets.c puts the slices
 * together in the order Get-Help and tab completion print. Handlers are
 * static and named cmdlet_<verb>_<noun> (cmdlet_start_vm for Start-VM).
 */
#ifndef PARENT_CMDLETS_H
#define PARENT_CMDLETS_H

#include <stdbool.h>
#include <stdint.h>
#include "partition/console/cmd.h"

struct volume;
struct vol_path;
struct vm;

/* Each group's slice of the table. */
extern const struct cmd_def cmdlets_host[], cmdlets_vm[], cmdlets_item[],
	cmdlets_location[], cmdlets_disk[], cmdlets_vhd[], cmdlets_utility[], cmdlets_diag[],
	cmdlets_integration[], cmdlets_vmdisk[], cmdlets_vmdvd[], cmdlets_vmproc[];
extern const int cmdlets_integration_count, cmdlets_vmdisk_count, cmdlets_vmdvd_count,
	cmdlets_vmproc_count;
extern const struct cmd_def cmdlets_network[];   /* network.c: switches, adapters */
extern const int cmdlets_network_count;
extern const struct cmd_def cmdlets_vmsave[];    /* vmsave.c: Save-VM, saved states */
extern const int cmdlets_vmsave_count;
extern const struct cmd_def cmdlets_vmsnap[];    /* vmsnap.c: snapshots */
extern const int cmdlets_vmsnap_count;
extern const struct cmd_def cmdlets_netvlan[];   /* netvlan.c: adapter VLANs */
extern const int cmdlets_netvlan_count;
extern const struct cmd_def cmdlets_netip[];     /* netip.c: the parent's IP, ping */
extern const int cmdlets_netip_count;
extern const int cmdlets_host_count, cmdlets_vm_count, cmdlets_item_count,
	cmdlets_location_count, cmdlets_disk_count, cmdlets_vhd_count, cmdlets_utility_count,
	cmdlets_diag_count;

/* The whole table, built from the slices on first use; *n gets its length. */
const struct cmd_def *cmdlets_table(int *n);

/* The console's callbacks (location.c): the prompt, "PS C:\\vms> ", and Tab
 * completion of paths on the parent's drives (a directory ends in '\\'). */
void cmdlets_prompt(void *ctx, char *buf, size_t n);
int cmdlets_complete_path(void *ctx, const char *prefix, size_t len, const char **m, int max);

/* ---- Shared by the path-taking cmdlets (common.c) ---- */

/* Bytes a file cmdlet moves per read or write. */
#define CMDLET_CHUNK (64u * 1024u)

/* Prints the error for rc about path what (PowerShell's wording for a
 * missing path or drive); returns 0, as a handler does after an error. */
int cmdlet_path_error(struct cmd_ctx *ctx, const struct cmd_args *a, const char *what, int rc);
/* Resolves a path argument, printing the error when it cannot be. */
int cmdlet_path_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *in,
		    struct vol_path *vp);
/* A path argument naming an existing VHD file on an ext2 drive (vhd.c),
 * printing PowerShell's error when it is not. */
int cmdlet_vhd_file_arg(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name,
			struct vol_path *vp);
/* The VM that has file as a hard disk (vmdisk.c), or NULL. */
/* A VHD chain to be opened (top written when writable, parents read)
 * against running VMs' chains, VMs' disks and mounts: 0, or nonzero after
 * the error "what: ..." was printed (partition/cmdlets/vmdisk.c). */
struct vhd;
int cmdlet_vhd_chain_check(struct cmd_ctx *ctx, const struct cmd_args *a, const struct vol_path *vp,
			   const struct vhd *v, bool writable, const char *what);
struct vm *cmdlet_vhd_owner(const struct vol_path *file);
/* The VM that has the parent's disk number as a pass-through disk
 * (vmdisk.c), or NULL. */
struct vm *cmdlet_disk_owner(int number);
/* The index in vm->dvds of its DVD drive at IDE controller num location
 * loc, or -1 (vmdvd.c). */
int cmdlet_dvd_at(const struct vm *vm, unsigned num, unsigned loc);
/* The VM -VMName names, or NULL after Hyper-V's error (vm.c). */
struct vm *cmdlet_vm_named(struct cmd_ctx *ctx, const struct cmd_args *a);
/* Debug-VMHost -Action DumpVM (vmdump.c). */
int cmdlet_dump_vm(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm);
/* Does vm's partition exist and run (vm.c)? */
bool cmdlet_vm_running(const struct vm *vm);
/* Syncs a drive after a write, printing an error if that fails. */
void cmdlet_sync(struct cmd_ctx *ctx, const struct cmd_args *a, struct volume *v);
/* -ENOSPC when need bytes (replacing have_now) cannot fit on v. */
int cmdlet_space_check(struct volume *v, uint64_t need, uint64_t have_now);

/* ---- Shared by the network adapter cmdlets (network.c, netvlan.c) ---- */

struct vmcfg_nic;
typedef int (*cmdlet_nic_fn)(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm,
			     int idx, struct vmcfg_nic *nic);
/* fn on each adapter of vm matching -Name or -VMNetworkAdapterName (all
 * when absent; Hyper-V's error when a name matches none), until one
 * returns non-zero. */
int cmdlet_nic_each(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, cmdlet_nic_fn fn);
/* Writes adapter idx into vm's configuration and its file; 0, or 0
 * after printing the error (a handler's return either way). */
int cmdlet_nic_save(struct cmd_ctx *ctx, const struct cmd_args *a, struct vm *vm, int idx,
		    const struct vmcfg_nic *nic);
/* The running VM's netvsp device for adapter idx (vsp_net.h), or NULL. */
void *cmdlet_nic_dev(const struct vm *vm, int idx);

/* ---- Physical adapters (netadapter.c) ---- */
extern const struct cmd_def cmdlets_netadapter[];   /* Get-NetAdapter */
extern const int cmdlets_netadapter_count;
struct vnet_switch;
/* New-VMSwitch -NetAdapterName: creates switch name bound to the
 * adapter; 0 after the output or the error, as a handler returns. */
int cmdlet_new_external_switch(struct cmd_ctx *ctx, const struct cmd_args *a, const char *name);
/* The InterfaceDescription of s's physical adapter, or "". */
const char *cmdlet_switch_nic_description(const struct vnet_switch *s);

#endif
