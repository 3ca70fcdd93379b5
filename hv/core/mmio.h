/* Devices a child reaches by MMIO (hv/core/mmio.c). Each claims the GPAs
 * its match accepts; read and write return 0 or a negative errno. */
#ifndef HV_CORE_MMIO_H
#define HV_CORE_MMIO_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/vcpu.h>
#include <hv/arch/x86/insn_string.h>

struct mmio_dev {
	const char *name;
	bool (*match)(struct vcpu *v, uint64_t gpa);
	int (*read)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val);
	int (*write)(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
};

/* The xAPIC register page (hv/core/vlapic.c). */
bool vlapic_mmio_match(struct vcpu *v, uint64_t gpa);
int vlapic_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val);
int vlapic_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val);
/* The instruction at the loaded vCPU's RIP, fetched through its paging
 * and decoded (hv/arch/x86/insn.c): 0 with *m (bytes and *nb what was
 * fetched, for a log line), 1 if a fault was injected instead (#PF of
 * the fetch, #UD), or a negative errno (the partition stops). */
int mmio_fetch_decode(struct vcpu *v, struct insn_mem *m, uint8_t bytes[15], int *nb);
/* The string engine (hv/arch/x86/insn_string.h) on v: *s from its
 * registers and m's segments, *ops reaching memory through its paging,
 * RAM or the device at each GPA, faults injected (port ops NULL: the
 * caller's); end writes the registers back. */
void mmio_string_begin(struct vcpu *v, const struct insn_mem *m, struct insn_string_state *s,
			struct insn_string_ops *ops);
void mmio_string_end(struct vcpu *v, const struct insn_string_state *s);
#endif
