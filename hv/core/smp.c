/*
 * hv on every processor the firmware lists (docs/ARCHITECTURE.md,
 * "Processors"). At boot, before the parent runs, the boot CPU reads the
 * MADT and starts each other enabled processor, one at a time; each
 * enters virtualisation operation as the boot CPU did and reports. A CPU
 * that does not come, or cannot enable, is named in hv's log and left
 * out; the rest go on. The APs then run children's vCPUs
 * (hv/core/smp_run.c), or wait if the backend keeps children on the
 * boot CPU.
 */
#include <errno.h>
#include <string.h>
#include <hv/arch.h>
#include <hv/lib.h>
#include <hv/percpu.h>
#include <hv/smp.h>
#include <hv/x86.h>
#include "../boot/boot.h"
#include "../boot/madt.h"
#include "smp.h"

/* The reason an AP gives for not enabling (one AP starts at a time). */
static char ap_why[128];
static uint32_t cpus_listed;

/* Firmware tables are read where they lie: below 4 GiB, identity-mapped
 * (boot.S); nothing at page 0. */
static int phys_read(uint64_t pa, void *buf, size_t len, void *ctx)
{
	(void)ctx;
	if (pa < 4096 || pa >= HV_PHYS_LIMIT || len > HV_PHYS_LIMIT - pa)
		return -EFAULT;
	memcpy(buf, (const void *)(uintptr_t)pa, len);
	return 0;
}

/* The boot CPU's own APIC id: CPUID leaf 0xB's x2APIC id where there is
 * one, else leaf 1's initial APIC id (SDM Vol. 3A §9.4.5). */
uint32_t smp_boot_apic_id(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] >= 0xb) {
		cpuid(0xb, 0, r);
		if (r[1])
			return r[3];
	}
	cpuid(1, 0, r);
	return r[1] >> 24;
}

void smp_ap_main(struct percpu *pc)
{
	int rc = arch_cpu_enable_ap(ap_why, sizeof(ap_why));

	__atomic_store_n(&pc->online, rc ? SMP_AP_FAILED : SMP_AP_ONLINE, __ATOMIC_RELEASE);
	if (rc)
		arch_cpu_park();
	xstate_init_ap();
	smp_ap_run();
}

static void start_one(uint32_t apic_id, uint32_t *next)
{
	struct percpu *pc = &hv_percpu[*next];
	int rc;

	memset(pc, 0, sizeof(*pc));
	pc->index = *next;
	pc->apic_id = apic_id;
	ap_why[0] = '\0';
	rc = arch_cpu_start_ap(pc);
	if (!rc && pc->online == SMP_AP_ONLINE) {
		(*next)++;
		return;
	}
	hv_err("hv: processor with APIC id %u %s%s; going on without it", apic_id,
	       rc ? "did not start" : "cannot enter virtualisation operation: ",
	       rc ? "" : ap_why);
	memset(pc, 0, sizeof(*pc));
}

static const struct madt_cpus *read_madt(const struct mb2_info *mbi, struct madt_cpus *c)
{
	const struct mb2_rsdp *r = mbi->rsdp_v2.ptr ? &mbi->rsdp_v2 : &mbi->rsdp_v1;
	const char *why = NULL;

	if (!r->ptr) {
		hv_info("hv: the loader passed no ACPI RSDP: hv runs on the boot processor only");
		return NULL;
	}
	if (madt_find_cpus(r->ptr, r->len, phys_read, NULL, c, &why)) {
		hv_err("hv: cannot list the processors (%s): hv runs on the boot processor only", why);
		return NULL;
	}
	return c;
}

void smp_boot(const struct mb2_info *mbi)
{
	static struct madt_cpus c;
	uint32_t next = 1, self = this_cpu()->apic_id;

	cpus_listed = 1;
	if (!read_madt(mbi, &c))
		return;
	cpus_listed = c.count + c.dropped;
	for (uint32_t i = 0; i < c.count; i++) {
		if (c.apic_id[i] == self)
			continue;
		if (next >= HV_MAX_CPUS) {
			hv_err("hv: processor with APIC id %u left out: hv runs on at most %u",
			       c.apic_id[i], HV_MAX_CPUS);
			continue;
		}
		start_one(c.apic_id[i], &next);
	}
	hv_info("hv: %u of %u processors started (the others wait, parked)",
		percpu_online_count(), cpus_listed);
}

uint32_t smp_cpus_listed(void)
{
	return cpus_listed;
}
