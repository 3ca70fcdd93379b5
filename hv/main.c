/*
 * hv's boot flow: parse the Multiboot2 information, take the machine's
 * memory, check VT-x, load the parent partition and run it. Any failure
 * here prints one clear line and halts: nothing is running yet that could
 * be kept alive.
 */
#include <errno.h>
#include <string.h>
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/x86.h>
#include <hv/boot/mb2.h>
#include <hv/mm/pool.h>
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "boot/boot.h"

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
	hi->vmx_features = vmx_caps.features;
	hi->vmcs_revision = vmx_caps.revision;
	hi->mem_total = mem.ram_total;
	hi->mem_hv = (uint64_t)(__hv_end - __hv_start) + mem.pool_size;
	hi->mem_hv_pool_free = hv_pool_free_bytes();
	hi->mem_parent = mem.parent_bytes;
	hi->partitions = partition_count();
	hi->switches = vmx_switches;
	hi->switch_ticks = vmx_switch_ticks;
}

static void *pool_page(void)
{
	uint64_t pa;

	if (hv_pool_alloc(&pa))
		boot_fail("hv: %s", "out of memory in hv's pool while booting");
	return (void *)(uintptr_t)pa;
}

static void vmx_start(void)
{
	char why[192];
	void *vmxon = pool_page();

	if (vmx_check_support(why, sizeof(why)))
		boot_fail("hv: this CPU cannot run hvpart: %s.", why);
	hv_info("hv: VT-x ok: VMCS revision %#x, EPT%s%s, unrestricted guest, VPID, preemption timer",
		vmx_caps.revision,
		(vmx_caps.features & HVPART_VMXF_EPT_2M) ? " 2M" : "",
		(vmx_caps.features & HVPART_VMXF_EPT_1G) ? " 1G" : "");
	if (vmx_enable(vmxon, (uint64_t)(uintptr_t)vmxon))
		boot_fail("hv: %s", "VMXON failed");
}

static void parent_start(const struct hv_parent_image *img)
{
	struct partition *p = partition_create("parent", true);
	struct vmx_guest_init gi = { 0 };
	uint8_t *io_a = pool_page();

	if (!p)
		boot_fail("hv: %s", "cannot create the parent partition");
	if (boot_parent_ept(&mem, p))
		boot_fail("hv: %s", "cannot build the parent's EPT (hv pool exhausted)");
	parent_vcpu.part = p;
	parent_vcpu.vmcs = pool_page();
	parent_vcpu.vmcs_pa = (uint64_t)(uintptr_t)parent_vcpu.vmcs;
	parent_vcpu.vpid = 1;
	p->vcpus[0] = &parent_vcpu;
	sched_set_parent(&parent_vcpu);
	p->nvcpus = 1;
	p->mem_bytes = mem.parent_bytes;
	/* I/O bitmap A covers ports 0-0x7fff (SDM Vol. 3C §25.6.4); the
	 * parent's only intercepted port is 0xcf9, the reset control. */
	io_a[0xcf9 / 8] |= 1u << (0xcf9 % 8);
	gi.rip = img->entry;
	gi.rflags = 0;
	gi.child = false;
	gi.cr3 = img->cr3;
	gi.eptp = ept_eptp(&p->ept);
	gi.msr_bitmap_pa = (uint64_t)(uintptr_t)pool_page();
	gi.io_bitmap_a_pa = (uint64_t)(uintptr_t)io_a;
	gi.io_bitmap_b_pa = (uint64_t)(uintptr_t)pool_page();
	if (vmx_vcpu_setup(&parent_vcpu, &gi))
		boot_fail("hv: %s", "cannot set up the parent's VMCS");
	parent_vcpu.gpr[GPR_RDI] = img->boot_info_gpa;
	p->state = HVPART_STATE_RUNNING;
	p->start_tsc = rdtsc();
	hv_info("hv: starting the parent partition at %#lx (%lu MiB)", img->entry,
		mem.parent_bytes >> 20);
	log_set_console_quiet(1);
	vmx_run(&parent_vcpu);
}

void hv_main(uint32_t magic, uint32_t info_pa);

void hv_main(uint32_t magic, uint32_t info_pa)
{
	uint64_t boot_tsc = rdtsc();
	const char *why = NULL;
	struct hv_parent_image img;
	const void *info = (const void *)(uintptr_t)info_pa;

	serial_init();
	cpu_init_tables();
	hv_info("hvpart hv %s", HV_VERSION);
	if (magic != MB2_BOOTLOADER_MAGIC)
		boot_fail("hv: not started by a Multiboot2 loader (EAX = %s); boot hv with GRUB's multiboot2 command.",
			  magic == 0x2badb002 ? "Multiboot 1 magic" : "unknown magic");
	if (mb2_parse_info(info, *(const uint32_t *)info, &mbi, &why))
		boot_fail("hv: the Multiboot2 boot information is malformed: %s.", why);
	if (boot_memory_init(&mem, &mbi, (uint64_t)(uintptr_t)__hv_start,
			     (uint64_t)(uintptr_t)__hv_end, info_pa, &why))
		boot_fail("hv: %s", why);
	vmx_start();
	if (boot_load_parent(&mem, &mbi, boot_tsc, &img, &why))
		boot_fail("hv: %s", why);
	parent_start(&img);
}
