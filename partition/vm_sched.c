/*
 * A VM's processor resource control (Set-VMProcessor -RelativeWeight,
 * -Reserve, -Maximum), which hv enforces per virtual processor
 * (HvpartSetScheduling, docs/hypercalls.md; hv/core/sched.c). The VM
 * keeps the values (and its configuration file them); hv gets them at
 * every start and at once while the VM runs, as Hyper-V applies them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "partition/parent.h"
#include "partition/vm.h"

int vm_set_processor_share(struct vm *vm, char *why, size_t n)
{
	struct hvpart_sched_in in;
	uint16_t st;

	if (vm->hv_id < 0)
		return 0;
	memset(&in, 0, sizeof(in));
	in.partition_id = (uint64_t)vm->hv_id;
	in.weight = vm->weight;
	in.reserve_pct = (uint16_t)vm->reserve_pct;
	in.max_pct = (uint16_t)vm->max_pct;
	st = hvcall(HVCALL_HVPART_SET_SCHEDULING, &in, sizeof(in), NULL, 0);
	if (st && why)
		snprintf(why, n, "The hypervisor refused the processor settings of '%s' (status %#x).",
			 vm->name, st);
	return st ? -EIO : 0;
}
