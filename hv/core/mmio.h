/* Devices a child reaches by MMIO (hv/core/mmio.c). Each claims the GPAs
 * its match accepts; read and write return 0 or a negative errno. */
#ifndef HV_CORE_MMIO_H
#define HV_CORE_MMIO_H
#include <stdbool.h>
#include <stdint.h>
#include <hv/vcpu.h>

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
#endif
