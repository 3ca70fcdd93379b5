/* hv-wide services implemented in hv/main.c and hv/core/partition.c. */
#ifndef HV_HV_H
#define HV_HV_H
#include <hv/abi/hvpart_abi.h>
#include <hv/vcpu.h>

void hv_fill_host_info(struct hvpart_host_info *hi);
/* hv's pool: pages hv owns for its own structures (never mapped into any
 * partition). Returns 0 and the physical address, or -ENOMEM. */
int hv_pool_alloc(uint64_t *pa);
void hv_pool_free(uint64_t pa);
struct partition *partition_create(const char *name, bool privileged);
void partition_release(struct partition *p);
/* hv memory spent on a partition (EPT tables, VMCS, ...), bytes. */
uint64_t partition_overhead(const struct partition *p);
/* EPT for partitions: tables from hv's pool, hv identity map. */
extern const struct ept_ops hv_ept_ops;
#endif
