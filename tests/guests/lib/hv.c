/*
 * Hyper-V interface (Hypervisor TLFS v6.0): detection through the
 * hypervisor CPUID leaves (§2.4), the guest OS identity MSR (§2.6) and
 * the hypercall page (§3.13), all in the guest's own memory.
 */
#include "guest.h"

#define CPUID1_HYPERVISOR   (1u << 31)	/* CPUID.01H:ECX[31] */
#define HV_CPUID_VENDOR     0x40000000
#define HV_MSR_GUEST_OS_ID  0x40000000
#define HV_MSR_HYPERCALL    0x40000001
#define HV_HYPERCALL_ENABLE 1ull	/* bit 0; GPA page number in 63:12 */

/*
 * Guest OS identity (TLFS §2.6, open-source encoding): bit 63 open
 * source, bits 62:56 OS type (0x7f: "other"), 55:48 OS id, 47:16
 * kernel version, 15:0 build. Any non-zero value enables hypercalls.
 */
#define GUEST_OS_ID ((1ull << 63) | (0x7full << 56) | (1ull << 16))

uint8_t guest_hv_in_page[4096] __attribute__((aligned(4096)));
uint8_t guest_hv_out_page[4096] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
uint32_t guest_hv_hypercall_entry;	/* used by hypercall.S */

/* "Microsoft Hv" in EBX, ECX, EDX of leaf 0x40000000 (TLFS §2.4.1). */
int guest_detect_hv(void)
{
	uint32_t r[4];

	guest_cpuid(1, r);
	if (!(r[2] & CPUID1_HYPERVISOR))
		return 0;
	guest_cpuid(HV_CPUID_VENDOR, r);
	return r[1] == 0x7263694d && r[2] == 0x666f736f &&
	       r[3] == 0x76482074;
}

/*
 * TLFS §3.13: the guest must write GUEST_OS_ID before enabling the
 * hypercall page; the hypervisor then fills the page at the GPA given in
 * HYPERCALL bits 63:12 with the calling sequence.
 */
int guest_init_hv(void)
{
	uint64_t v;

	if (!guest_detect_hv())
		return 0;
	guest_wrmsr(HV_MSR_GUEST_OS_ID, GUEST_OS_ID);
	guest_wrmsr(HV_MSR_HYPERCALL,
		    (uint64_t)(uint32_t)hypercall_page | HV_HYPERCALL_ENABLE);
	v = guest_rdmsr(HV_MSR_HYPERCALL);
	if (!(v & HV_HYPERCALL_ENABLE))
		return 0;
	guest_hv_hypercall_entry = (uint32_t)hypercall_page;
	return 1;
}
