/* hv-wide services implemented in hv/main.c and hv/core/partition.c. */
#ifndef HV_HV_H
#define HV_HV_H
#include <hv/abi/hvpart_abi.h>
#include <hv/vcpu.h>
#include <hv/mm/pool.h>

void hv_fill_host_info(struct hvpart_host_info *hi);
struct partition *partition_create(const char *name, bool privileged);
void partition_release(struct partition *p);
/* hv memory spent on a partition (EPT tables, VMCS, ...), bytes. */
uint64_t partition_overhead(const struct partition *p);
#endif
