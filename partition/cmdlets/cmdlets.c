/*
 * The console's cmdlet table, put together from each noun group's slice.
 * The console library takes one array (partition/console/cmd.h), so the
 * slices are copied into it once, at the first command.
 */
#include <stdio.h>
#include "partition/cmdlets/cmdlets.h"

#define CMDLETS_MAX 128   /* about 40 today; the coming issues add about 40 */

/* Entries [first, first + n) of a group; n < 0: to the group's end. */
struct cmdlet_slice {
	const struct cmd_def *defs;
	const int *count;
	int first, n;
};

/* The order Get-Help and tab completion print: Get-VMHost leads, then the
 * VM cmdlets, the rest of the host's, files, locations, disks, VHDs, the
 * utilities, and last the diagnostics (the console's built-in pipeline
 * cmdlets follow). */
static const struct cmdlet_slice cmdlet_order[] = {
	{ cmdlets_host, &cmdlets_host_count, 0, 1 },
	{ cmdlets_vm, &cmdlets_vm_count, 0, -1 },
	{ cmdlets_vmsave, &cmdlets_vmsave_count, 0, -1 },
	{ cmdlets_vmsnap, &cmdlets_vmsnap_count, 0, -1 },
	{ cmdlets_vmproc, &cmdlets_vmproc_count, 0, -1 },
	{ cmdlets_integration, &cmdlets_integration_count, 0, -1 },
	{ cmdlets_vmdisk, &cmdlets_vmdisk_count, 0, -1 },
	{ cmdlets_vmdvd, &cmdlets_vmdvd_count, 0, -1 },
	{ cmdlets_network, &cmdlets_network_count, 0, -1 },
	{ cmdlets_netvlan, &cmdlets_netvlan_count, 0, -1 },
	{ cmdlets_netip, &cmdlets_netip_count, 0, -1 },
	{ cmdlets_netadapter, &cmdlets_netadapter_count, 0, -1 },
	{ cmdlets_host, &cmdlets_host_count, 1, -1 },
	{ cmdlets_item, &cmdlets_item_count, 0, -1 },
	{ cmdlets_location, &cmdlets_location_count, 0, -1 },
	{ cmdlets_disk, &cmdlets_disk_count, 0, -1 },
	{ cmdlets_vhd, &cmdlets_vhd_count, 0, -1 },
	{ cmdlets_utility, &cmdlets_utility_count, 0, -1 },
	{ cmdlets_diag, &cmdlets_diag_count, 0, -1 },
};

static struct cmd_def cmdlet_all[CMDLETS_MAX];
static int cmdlet_n;

static void cmdlets_build(void)
{
	for (size_t s = 0; s < sizeof(cmdlet_order) / sizeof(cmdlet_order[0]); s++) {
		const struct cmdlet_slice *sl = &cmdlet_order[s];
		int end = sl->n < 0 ? *sl->count : sl->first + sl->n;

		for (int i = sl->first; i < end && i < *sl->count; i++) {
			if (cmdlet_n == CMDLETS_MAX) {
				printf("parent: more cmdlets than CMDLETS_MAX (%d); %s and later are missing\n",
				       CMDLETS_MAX, sl->defs[i].name);
				return;
			}
			cmdlet_all[cmdlet_n++] = sl->defs[i];
		}
	}
}

const struct cmd_def *cmdlets_table(int *n)
{
	if (!cmdlet_n)
		cmdlets_build();
	*n = cmdlet_n;
	return cmdlet_all;
}
