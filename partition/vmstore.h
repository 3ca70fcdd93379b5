/*
 * VM configurations on the host volume (issue 19 item 1; the file format
 * is docs/vm-config.md, parsed by partition/vmconfig/). Each VM has a
 * folder, C:\Hyper-V\<name>\ by default, holding config.txt; a VM made
 * with New-VM -Path P lives in P\<name>\ and C:\Hyper-V\<name>.location
 * names that folder, so boot finds it (Hyper-V keeps links to such
 * configurations in one place the same way). Without a host volume VMs
 * live in memory only, as before.
 */
#ifndef PARENT_VMSTORE_H
#define PARENT_VMSTORE_H
#include <stdbool.h>
#include <stddef.h>

struct vm;
struct vol_path;

#define VMSTORE_ROOT "C:\\Hyper-V"
#define VMSTORE_FILE "config.txt"

/* Whether configurations are kept: C: is mounted and writable. */
bool vmstore_on(void);
/* Where they go, for Get-VMHost's VirtualMachinePath and Get-Help. */
const char *vmstore_where(void);
/* New-VM, before the VM exists: the folder for name under path (NULL:
 * the default root) into folder; refuses a name that cannot be a folder
 * name, a path off C:, or a folder that already has a configuration. */
int vmstore_plan(const char *name, const char *path, char *folder, size_t n, char *why,
		 size_t wn);
/* Create vm's folder (and the .location link for a folder elsewhere) and
 * write its configuration. */
int vmstore_create(struct vm *vm, char *why, size_t n);
/* Write vm's configuration again (Set-VM): a new file, synced, renamed
 * over the old one, synced (docs/vm-config.md, "Writing"). */
int vmstore_save(struct vm *vm, char *why, size_t n);
/* name in folder written as config.txt is (new file, synced, renamed
 * over, synced): a crash leaves the old file or the new one. */
int vmstore_write_file(const char *folder, const char *name, const char *data, size_t len);
/* vm's settings alone ([VM], [HardDrive], [DvdDrive]; no snapshots,
 * adapters or other sections) as a configuration's text, malloc'd. */
char *vmstore_settings_text(const struct vm *vm, size_t *len);
/* Remove-VM: delete the configuration and the folder if nothing else is
 * in it; *kept says the folder stayed (other files in it). */
int vmstore_delete(struct vm *vm, bool *kept, char *why, size_t n);
/* Rename-VM: the name, the folder under the default root (a folder
 * chosen with -Path stays; its .location link follows the name), and the
 * configuration. */
int vmstore_rename(struct vm *vm, const char *to, char *why, size_t n);
/* name inside folder (NULL: the folder itself) as a volume path. */
int vmstore_path(const char *folder, const char *name, struct vol_path *vp);
/* mkdir -p folder. */
int vmstore_mkdirs(const char *folder);
/* Boot, after the host volume mounts: load every configuration (one
 * message for each that cannot be loaded, naming the VM and the line),
 * then start those whose AutomaticStartAction says so. */
void vmstore_boot(void);
/* Stop-VMHost: record which VMs were running (StartIfRunning) and apply
 * each running VM's AutomaticStopAction. */
void vmstore_host_stop(void);
#endif
