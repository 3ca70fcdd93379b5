/*
 * Hypercalls from the parent (TLFS v6.0 §3.13): write the guest OS ID,
 * then ask hv to fill a hypercall page; calls go through that page.
 * Parameter pages are identity-mapped RAM from the parent's heap, so
 * their virtual address is their GPA. Each processor has its own two
 * (partition/arch/pcpu.h); the hypercall page is the partition's.
 */
#include <string.h>
#include "hv/abi/tlfs.h"
#include "partition/parent.h"
#include "partition/arch/pcpu.h"

static uint8_t *hc_page;

void hvcall_write_msr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

uint64_t hvcall_read_msr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

int hvcall_setup(uint64_t pages)
{
	struct pcpu *me = this_pcpu();

	hc_page = (uint8_t *)(uintptr_t)pages;
	me->hc_in = hc_page + 4096;
	me->hc_out = hc_page + 2 * 4096;
	/* Guest OS ID, open-source layout (TLFS §2.6): bit 63 set, OS type
	 * 0x7f ("other"), version 1. */
	hvcall_write_msr(HV_MSR_GUEST_OS_ID, (1ull << 63) | (0x7full << 48) | 1);
	hvcall_write_msr(HV_MSR_HYPERCALL, (uint64_t)(uintptr_t)hc_page | HV_MSR_HYPERCALL_ENABLE);
	return (hvcall_read_msr(HV_MSR_HYPERCALL) & HV_MSR_HYPERCALL_ENABLE) ? 0 : -1;
}

static uint64_t hc_raw(uint64_t control, uint64_t in, uint64_t out)
{
	register uint64_t r8 __asm__("r8") = out;
	uint64_t status;

	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(in), "+r"(r8)
			 : [page] "r"(hc_page)
			 : "cc", "memory", "r9", "r10", "r11");
	return status;
}

uint16_t hvcall(uint16_t code, const void *in, size_t in_len, void *out, size_t out_len)
{
	struct pcpu *me = this_pcpu();
	uint16_t st;

	if (in_len > 4096 || out_len > 4096)
		return HV_STATUS_INVALID_PARAMETER;
	if (in_len)
		memcpy(me->hc_in, in, in_len);
	st = (uint16_t)hc_raw(code, (uint64_t)(uintptr_t)me->hc_in, (uint64_t)(uintptr_t)me->hc_out);
	if (st == HV_STATUS_SUCCESS && out_len)
		memcpy(out, me->hc_out, out_len);
	return st;
}

uint16_t hvcall_raw(uint16_t code, uint64_t in_gpa, uint64_t out_gpa)
{
	return (uint16_t)hc_raw(code, in_gpa, out_gpa);
}

uint64_t hvcall_in_gpa(void)
{
	return (uint64_t)(uintptr_t)this_pcpu()->hc_in;
}

uint64_t hvcall_out_gpa(void)
{
	return (uint64_t)(uintptr_t)this_pcpu()->hc_out;
}

uint16_t hvcall_fast(uint16_t code, uint64_t in)
{
	return (uint16_t)hc_raw(code | HV_HC_FAST, in, 0);
}

void parent_power_off(void)
{
	hvcall_fast(HVCALL_HVPART_POWER_OFF, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

uint16_t hvcall_create_port_vp(uint64_t part, uint32_t id, uint32_t type, uint32_t sint,
			       uint32_t vp, uint64_t conn_part, uint16_t base, uint16_t nflags)
{
	struct hv_input_create_port in;

	memset(&in, 0, sizeof(in));
	in.port_partition = part;
	in.port_id = id;
	in.connection_partition = conn_part;
	in.port_info.port_type = type;
	in.port_info.message.target_sint = sint;
	in.port_info.message.target_vp = vp;
	if (type == HV_PORT_TYPE_EVENT) {
		in.port_info.event.base_flag = base;
		in.port_info.event.flag_count = nflags;
	}
	return hvcall(HVCALL_CREATE_PORT, &in, sizeof(in), NULL, 0);
}

uint16_t hvcall_create_port(uint64_t part, uint32_t id, uint32_t type, uint32_t sint,
			    uint64_t conn_part, uint16_t base, uint16_t nflags)
{
	return hvcall_create_port_vp(part, id, type, sint, 0, conn_part, base, nflags);
}

uint16_t hvcall_connect_port(uint64_t conn_part, uint32_t conn, uint64_t port_part,
			     uint32_t port, uint32_t type)
{
	struct hv_input_connect_port in;

	memset(&in, 0, sizeof(in));
	in.connection_partition = conn_part;
	in.connection_id = conn;
	in.port_partition = port_part;
	in.port_id = port;
	in.connection_info.port_type = type;
	return hvcall(HVCALL_CONNECT_PORT, &in, sizeof(in), NULL, 0);
}

uint16_t hvcall_delete_port(uint64_t part, uint32_t id)
{
	struct hv_input_delete_port in = { part, id, 0 };

	return hvcall(HVCALL_DELETE_PORT, &in, sizeof(in), NULL, 0);
}
