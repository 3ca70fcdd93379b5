/*
 * hv's boot flow: parse the Multiboot2 information, take the machine's
 * memory, check the CPU's virtualisation support, load the parent
 * partition and run it. Any failure here prints one clear line and
 * halts: nothing is running yet that could be kept alive.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/boot/mb2.h>
#include <hv/mm/pool.h>
#include "boot/boot.h"
#include "core/io.h"
#include "core/pages.h"
#include "core/synic.h"
#include "core/msr.h"
#include "core/smp.h"

extern char __hv_start[], __hv_end[];

static struct mb2_info mbi;
static struct hv_mem mem;
static struct vcpu parent_vcpu;

static __attribute__((noreturn)) void boot_fail(const char *fmt, const char *detail)
{
	hv_err(fmt, detail);
	hv_err("hv: halting.");
	hv_halt();
}

static void cpu_brand(char out[48])
{
	uint32_t r[4];

	memset(out, 0, 48);
	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000004)
		return;
	for (uint32_t i = 0; i < 3; i++) {
		cpuid(0x80000002 + i, 0, r);
		memcpy(out + 16 * i, r, 16);
	}
	out[47] = '\0';
}

void hv_fill_host_info(struct hvpart_host_info *hi)
{
	memset(hi, 0, sizeof(*hi));
	hv_snprintf(hi->version, sizeof(hi->version), "%s", HV_VERSION);
	cpu_brand(hi->cpu_brand);
	arch_fill_host_info(hi);
	hi->mem_total = mem.ram_total;
	hi->mem_hv = (uint64_t)(__hv_end - __hv_start) + mem.pool_size;
	hi->mem_hv_pool_free = hv_pool_free_bytes();
	hi->mem_parent = mem.parent_bytes;
	hi->partitions = partition_count();
	hi->switches = this_cpu()->switches;
	hi->switch_ticks = this_cpu()->switch_ticks;
	hi->xstate_switches = this_cpu()->xstate_switches;
	hi->xstate_ticks = this_cpu()->xstate_ticks;
	gpadl_counts(&hi->gpadl_pages, &hi->gpadl_held_pages);
	hi->cpus_online = percpu_online_count();
	hi->cpus_listed = smp_cpus_listed();
	hi->cpus_children = smp_children_on_aps() ? hi->cpus_online - 1 : 1;
	hi->cpus_parent = parent_vcpu.part ? parent_vcpu.part->nvcpus : 1;
	for (uint32_t i = 0; i < HV_MAX_CPUS; i++) {
		hi->kicks += hv_percpu[i].kicks_sent;
		hi->remote_flushes += hv_percpu[i].flushes_sent;
		hi->vcpu_moves += hv_percpu[i].vcpu_moves;
		hi->tlb_flushes += hv_percpu[i].tlb_flushes;
		hi->timed_halts += hv_percpu[i].timed_halts;
	}
}

static void virt_start(void)
{
	char why[192];
	int rc = arch_cpu_enable(why, sizeof(why));

	if (rc == -ENODEV)
		boot_fail("hv: this CPU cannot run hvpart: %s.", why);
	if (rc)
		boot_fail("hv: %s", why);
	xstate_init();
}

static void parent_start(const struct hv_parent_image *img)
{
	struct partition *p = partition_create("parent", true);
	struct arch_vcpu_config cfg;
	struct hvpart_vp_state st;

	if (!p)
		boot_fail("hv: %s", "cannot create the parent partition");
	if (boot_parent_ept(&mem, p))
		boot_fail("hv: %s", "cannot build the parent's EPT (hv pool exhausted)");
	if (synic_partition_init(p))
		boot_fail("hv: %s", "cannot set up the parent's SynIC (hv pool exhausted)");
	parent_vcpu.part = p;
	synic_vcpu_init(&parent_vcpu);
	msr_vcpu_reset(&parent_vcpu);
	p->vcpus[0] = &parent_vcpu;
	sched_set_parent(&parent_vcpu);
	p->nvcpus = 1;
	p->mem_bytes = mem.parent_bytes;
	io_parent_config(&cfg);
	cfg.intr_exit = smp_children_on_aps();
	boot_parent_vp_state(img, &st);
	if (arch_vcpu_create(&parent_vcpu, &cfg) || arch_vcpu_set_state(&parent_vcpu, &st) ||
	    xstate_vcpu_init(&parent_vcpu))
		boot_fail("hv: %s", "cannot set up the parent's virtual processor");
	parent_vps_create(p, &cfg);
	p->state = HVPART_STATE_RUNNING;
	p->start_tsc = rdtsc();
	hv_info("hv: starting the parent partition at %#lx (%lu MiB)", img->entry,
		mem.parent_bytes >> 20);
	log_set_console_quiet(1);
	parent_vcpu.cpu = parent_vcpu.loaded_cpu = 0;
	hv_lock();
	arch_vcpu_run(&parent_vcpu);
}

void hv_main(uint32_t magic, uint32_t info_pa);

void hv_main(uint32_t magic, uint32_t info_pa)
{
	uint64_t boot_tsc = rdtsc();
	const char *why = NULL;
	struct hv_parent_image img;
	const void *info = (const void *)(uintptr_t)info_pa;

	percpu_install(&hv_percpu[0], 0, smp_boot_apic_id());
	hv_percpu[0].online = SMP_AP_ONLINE;
	serial_init();
	arch_cpu_init();
	hv_info("hvpart hv %s", HV_VERSION);
	if (magic != MB2_BOOTLOADER_MAGIC)
		boot_fail("hv: not started by a Multiboot2 loader (EAX = %s); boot hv with GRUB's multiboot2 command.",
			  magic == 0x2badb002 ? "Multiboot 1 magic" : "unknown magic");
	if (mb2_parse_info(info, *(const uint32_t *)info, &mbi, &why))
		boot_fail("hv: the Multiboot2 boot information is malformed: %s.", why);
	if (boot_memory_init(&mem, &mbi, (uint64_t)(uintptr_t)__hv_start,
			     (uint64_t)(uintptr_t)__hv_end, info_pa, &why))
		boot_fail("hv: %s", why);
	virt_start();
	smp_boot(&mbi);
	smp_runtime_init();
	if (boot_load_parent(&mem, &mbi, boot_tsc, &img, &why))
		boot_fail("hv: %s", why);
	parent_start(&img);
}
