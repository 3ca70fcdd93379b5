/*
 * A VM's saved state on the host volume (partition/vm_save.c; the layout
 * is docs/vm-config.md, "Saved state"): in the VM's folder, as Hyper-V
 * keeps it, "Virtual Machines\<VMId>\<VMId>.vsv" (this header, the vCPU
 * context pages of docs/hypercalls.md "vCPU context", the device section
 * of partition/devices/devstate.h, the VMBus section of
 * partition/vsp/vsp_state.h) and "<VMId>.bin" (the guest's memory,
 * guest-physical order). The .vsv is written last: a VM is Saved when
 * its .vsv exists.
 */
#ifndef PARENT_VM_SAVE_H
#define PARENT_VM_SAVE_H
#include <stdint.h>
#include "hv/abi/hvpart_abi.h"

#define VSV_MAGIC   0x0a0d5653565048ull   /* "HPVSV\r\n": a text-mode copy breaks it */
#define VSV_VERSION 2u           /* 1: without the VMBus section (still read) */
#define VSV_CTX_BYTES (HVPART_VP_CONTEXT_PAGES * 4096u)
#define VSV_VCPUS_MAX 4u          /* contexts a .vsv may hold (ProcessorCount's maximum) */
#define VSV_DEV_MAX  (64u << 10)
/* The VMBus host's state: its GPADLs' page lists are most of it (8 bytes
 * a page: Linux netvsc's 16 MiB receive buffer alone is 32 KiB). */
#define VSV_VMBUS_MAX (256u << 10)
#define VSV_MAX      (sizeof(struct vsv_hdr) + VSV_VCPUS_MAX * VSV_CTX_BYTES + VSV_DEV_MAX + \
		      VSV_VMBUS_MAX)
#define VSV_V1_HDR_BYTES 64u

struct vsv_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_bytes;          /* sizeof(struct vsv_hdr); 64 in version 1 */
	uint8_t vmid[16];            /* the VM's: a file from another VM is refused */
	uint64_t mem_bytes;          /* the .bin's size, MemoryStartupBytes when saved */
	uint32_t vcpus;              /* the VM's ProcessorCount: a context each, vCPU 0 first */
	uint32_t ctx_bytes;          /* VSV_CTX_BYTES for each vCPU */
	uint32_t dev_bytes;          /* the device section's */
	uint32_t crc;                /* CRC-32 of the file with this field 0 */
	uint64_t saved_at;           /* seconds since 1970 (volume_now) */
	/* Version 2: */
	uint32_t vmbus_bytes;        /* the VMBus section's (partition/vsp/vsp_state.h), 0: none */
	uint32_t rsvd;               /* 0 */
};
_Static_assert(sizeof(struct vsv_hdr) == 72, "vsv_hdr is 72 bytes");
#endif
