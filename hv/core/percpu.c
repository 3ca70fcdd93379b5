/* The per-CPU areas (hv/include/hv/percpu.h). */
#include <hv/percpu.h>

struct percpu hv_percpu[HV_MAX_CPUS];
