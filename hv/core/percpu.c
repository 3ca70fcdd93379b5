/* The per-CPU areas (hv/include/hv/percpu.h). */
#include <hv/percpu.h>
#include <hv/x86.h>

struct percpu hv_percpu[HV_MAX_CPUS];

void percpu_install(struct percpu *p, uint32_t index, uint32_t apic_id)
{
	p->self = p;
	p->index = index;
	p->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)p);
}

uint32_t percpu_online_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < HV_MAX_CPUS; i++)
		n += hv_percpu[i].self && hv_percpu[i].online == 1;   /* SMP_AP_ONLINE */
	return n;
}
