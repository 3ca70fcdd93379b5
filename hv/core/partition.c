/*
 * Partitions as hv sees them: identity, state, EPT, vCPUs, and the one
 * rule every guest-caused failure follows: it stops that partition only
 * (DESIGN.md rule 6). Guest memory is reached only through the
 * partition's own EPT, so a GPA naming memory the partition does not own
 * is refused (DESIGN.md rule 1).
 */
#include <stdarg.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/hv.h>

#define MAX_PARTITIONS 16

static struct partition partitions[MAX_PARTITIONS];
static uint32_t npartitions;

struct partition *partition_create(const char *name, bool privileged)
{
	struct partition *p;

	if (npartitions == MAX_PARTITIONS)
		return NULL;
	p = &partitions[npartitions];
	memset(p, 0, sizeof(*p));
	p->id = npartitions++;
	hv_snprintf(p->name, sizeof(p->name), "%s", name);
	p->privileged = privileged;
	p->state = HVPART_STATE_CREATED;
	return p;
}

struct partition *partition_by_id(uint64_t id)
{
	return id < npartitions ? &partitions[id] : NULL;
}

uint32_t partition_count(void)
{
	return npartitions;
}

void partition_stop(struct partition *p, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	hv_snprintf(p->stop_reason, sizeof(p->stop_reason), "%s", why);
	p->state = HVPART_STATE_STOPPED;
	hv_err("hv: partition %lu (%s) stopped: %s", p->id, p->name, why);
}

void *partition_gpa_ptr(struct partition *p, uint64_t gpa, size_t len, bool write)
{
	uint64_t hpa, perms, psize;
	unsigned mt;

	if (len == 0 || len > 4096 || (gpa & 0xfff) + len > 4096)
		return NULL;
	if (ept_lookup(&p->ept, gpa, &hpa, &perms, &mt, &psize))
		return NULL;
	if (!(perms & EPT_R) || (write && !(perms & EPT_W)))
		return NULL;
	/* hv identity-maps the first 4 GiB (boot.S); it touches nothing above. */
	if (hpa + len > (1ull << 32))
		return NULL;
	return (void *)(uintptr_t)hpa;
}

struct vcpu *sched_next(struct vcpu *cur)
{
	/* Round-robin over running partitions; the parent is the only one
	 * until child partitions arrive. */
	for (uint32_t i = 1; i <= npartitions; i++) {
		struct partition *p = &partitions[(cur->part->id + i) % npartitions];

		if (p->state == HVPART_STATE_RUNNING && p->nvcpus)
			return p->vcpus[0];
	}
	hv_err("hv: no partition left to run; the machine is halted");
	hv_halt();
}
