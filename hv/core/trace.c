/*
 * The exit and entry trace (hv/include/hv/trace.h): a ring of the last
 * TRACE_RING events, written to port 0xE9 (Bochs's port_e9_hack, which
 * tools/run-bochs --e9 saves) when a child stops, then emptied. Only in
 * build/hv-trace.elf: the stamps cost a few instructions per exit, and
 * the dump many, so timing runs use hv.elf.
 */
#include <hv/hv.h>
#include <hv/lib.h>
#include <hv/trace.h>
#include <hv/x86.h>
#include <lib/pio.h>

#ifdef HV_TRACE

#define TRACE_RING 65536u  /* a power of two; 1 MiB */
#define E9_PORT    0xe9

struct trace_rec {
	uint64_t tsc;
	uint32_t arg;
	uint16_t part;
	uint8_t kind;
	uint8_t pad;
};
_Static_assert(sizeof(struct trace_rec) == 16, "trace record size");

static struct trace_rec ring[TRACE_RING];
static uint64_t head;   /* events recorded since the last dump */

void trace_event(const struct vcpu *v, enum trace_kind kind, uint32_t arg)
{
	struct trace_rec *r = &ring[head++ % TRACE_RING];

	r->tsc = rdtsc();
	r->arg = arg;
	r->part = (uint16_t)v->part->id;
	r->kind = (uint8_t)kind;
}

static void e9_puts(const char *s)
{
	while (*s)
		pio_outb(E9_PORT, (uint8_t)*s++);
}

/* One line per event, oldest first: "T tsc part kind arg" (hex arg), then
 * "T end N" with the number of events lost to the ring's wrap. */
void trace_dump(void)
{
	uint64_t first = head > TRACE_RING ? head - TRACE_RING : 0;
	char line[64];

	for (uint64_t i = first; i < head; i++) {
		const struct trace_rec *r = &ring[i % TRACE_RING];

		hv_snprintf(line, sizeof(line), "T %lu %u %c %x\n", r->tsc, r->part, r->kind,
			    r->arg);
		e9_puts(line);
	}
	hv_snprintf(line, sizeof(line), "T end %lu\n", first);
	e9_puts(line);
	head = 0;
}
#endif
