/* The parent's per-processor data (pcpu.h). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "partition/arch/pcpu.h"
#include "partition/parent.h"

#define MSR_GS_BASE 0xc0000101

static struct pcpu boot_pcpu = { &boot_pcpu, 0, 0, NULL, NULL };

void pcpu_init_boot(void)
{
	hvcall_write_msr(MSR_GS_BASE, (uintptr_t)&boot_pcpu);
}

struct pcpu *pcpu_create(uint32_t vp)
{
	struct pcpu *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->self = p;
	p->vp = vp;
	p->hc_in = memalign(4096, 2 * 4096);
	if (!p->hc_in) {
		free(p);
		return NULL;
	}
	p->hc_out = p->hc_in + 4096;
	return p;
}

void pcpu_destroy(struct pcpu *p)
{
	if (!p)
		return;
	free(p->hc_in);
	free(p);
}
