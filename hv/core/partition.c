/*
 * Partitions as hv sees them: identity, state, EPT, vCPUs, and the one
 * rule every guest-caused failure follows: it stops that partition only
 * (docs/ARCHITECTURE.md rule 6). Guest memory is reached only through
 * the partition's own EPT, so a GPA naming memory the partition does not
 * own is refused (docs/ARCHITECTURE.md rule 1).
 */
#include <stdarg.h>
#include <string.h>
#include <hv/lib.h>
#include <hv/hv.h>
#include <hv/x86.h>

struct partition partition_table[MAX_PARTITIONS];
uint32_t partition_children;

struct partition *partition_create(const char *name, bool privileged)
{
	for (uint32_t i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *p = &partition_table[i];

		if (p->in_use)
			continue;
		memset(p, 0, sizeof(*p));
		p->id = i;
		p->in_use = true;
		hv_snprintf(p->name, sizeof(p->name), "%s", name);
		p->privileged = privileged;
		p->state = HVPART_STATE_CREATED;
		p->weight = 100;
		p->max_pct = 100;
		if (!privileged)
			partition_children |= 1u << i;
		return p;
	}
	return NULL;
}

void partition_release(struct partition *p)
{
	partition_children &= ~(1u << p->id);
	memset(p, 0, sizeof(*p));
}

uint32_t partition_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < MAX_PARTITIONS; i++)
		n += partition_table[i].in_use;
	return n;
}

void partition_stop(struct partition *p, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (p->state != HVPART_STATE_RUNNING && p->state != HVPART_STATE_CREATED)
		return;
	va_start(ap, fmt);
	hv_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	hv_snprintf(p->stop_reason, sizeof(p->stop_reason), "%s", why);
	/* A suspended child was counted out when it was suspended. */
	if (p->state == HVPART_STATE_RUNNING && !p->privileged && !p->suspended)
		sched_child_stopped(p);
	p->state = HVPART_STATE_STOPPED;
	p->stop_tsc = rdtsc();
	if (!p->privileged)
		trace_dump();
	if (p->privileged) {
		hv_err("hv: partition %lu (%s) stopped: %s", p->id, p->name, why);
		/* Without the parent nobody serves the children's devices or
		 * owns the hardware: they stop too (as a root-partition crash
		 * takes Hyper-V's guests down). */
		for (uint32_t i = 0; i < MAX_PARTITIONS; i++)
			if (partition_table[i].in_use && partition_table[i].state == HVPART_STATE_RUNNING)
				partition_stop(&partition_table[i], "the parent partition stopped");
	} else {
		hv_info("hv: partition %lu (%s) stopped: %s", p->id, p->name, why);
		sched_notify_parent();
	}
}

/* gpa's page through p's EPT: from the cache while the EPT has not
 * changed since (ept.gen), else walked and remembered. */
static int gpa_translate(struct partition *p, uint64_t gpa, uint64_t *hpa, uint64_t *perms)
{
	uint64_t page = gpa >> 12, psize;
	struct gpa_cache_entry *c = &p->gpa_cache[page % GPA_CACHE_ENTRIES];
	unsigned mt;

	if (c->tag != page + 1 || c->gen != p->ept.gen) {
		if (ept_lookup(&p->ept, gpa & ~0xfffull, &c->hpa, &c->perms, &mt, &psize)) {
			c->tag = 0;
			return -1;
		}
		c->tag = page + 1;
		c->gen = p->ept.gen;
	}
	*hpa = c->hpa | (gpa & 0xfff);
	*perms = c->perms;
	return 0;
}

void *partition_gpa_ptr(struct partition *p, uint64_t gpa, size_t len, bool write)
{
	uint64_t hpa, perms;

	if (len == 0 || len > 4096 || (gpa & 0xfff) + len > 4096)
		return NULL;
	/* The APIC-access page is a marker the CPU recognises, shared by
	 * every child: never memory (hv/core/child.c, map_apic_page). */
	if (p->apic_page_gpa && (gpa & ~0xfffull) == p->apic_page_gpa)
		return NULL;
	/* A live capture keeps the page as it was first (capture.c). */
	if (write && p->cap.active)
		capture_before_hv_write(p, gpa);
	if (gpa_translate(p, gpa, &hpa, &perms))
		return NULL;
	if (!(perms & EPT_R) || (write && !(perms & EPT_W)))
		return NULL;
	/* hv identity-maps the first 4 GiB (boot.S); it touches nothing above. */
	if (hpa + len > (1ull << 32))
		return NULL;
	return (void *)(uintptr_t)hpa;
}
