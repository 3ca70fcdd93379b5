/* The parent partition's management OS: shared declarations. */
#ifndef PARENT_PARENT_H
#define PARENT_PARENT_H
#include <stddef.h>
#include <stdint.h>
#include "hv/abi/hvpart_abi.h"

extern const struct hvpart_boot_info *parent_boot;
extern uint64_t parent_prompt_tsc;

void parent_heap_init(uint64_t base, uint64_t len);
/* The heap's lock (partition/lib/syscalls.c), for its counts. */
struct spinlock;
const struct spinlock *parent_malloc_lock(void);

/* Hypercalls (partition/hvcall.c). Input and output go through two
 * parent-owned pages; returns the TLFS status. */
/* pages: three page-aligned, identity-mapped pages the calls may use. */
int hvcall_setup(uint64_t pages);
uint16_t hvcall(uint16_t code, const void *in, size_t in_len, void *out, size_t out_len);
uint16_t hvcall_fast(uint16_t code, uint64_t in);
/* The synthetic MSRs hv emulates for the parent (SynIC, TLFS §2.4). */
uint64_t hvcall_read_msr(uint32_t msr);
void hvcall_write_msr(uint32_t msr, uint64_t v);
/* SynIC ports and connections (docs/hypercalls.md), target VP 0;
 * HVCALL_SELF names the parent. base, nflags: an event port's flags. */
#define HVCALL_SELF 0xffffffffffffffffull
uint16_t hvcall_create_port(uint64_t part, uint32_t id, uint32_t type, uint32_t sint,
			    uint64_t conn_part, uint16_t base, uint16_t nflags);
/* The same, the port targeting virtual processor vp (the other: VP 0). */
uint16_t hvcall_create_port_vp(uint64_t part, uint32_t id, uint32_t type, uint32_t sint,
			       uint32_t vp, uint64_t conn_part, uint16_t base, uint16_t nflags);
uint16_t hvcall_connect_port(uint64_t conn_part, uint32_t conn, uint64_t port_part,
			     uint32_t port, uint32_t type);
uint16_t hvcall_delete_port(uint64_t part, uint32_t id);
/* Raw parameter GPAs (validation tests; vsp_post builds its message in
 * the input staging page itself); the staging pages' GPAs. */
uint16_t hvcall_raw(uint16_t code, uint64_t in_gpa, uint64_t out_gpa);
uint64_t hvcall_in_gpa(void);
uint64_t hvcall_out_gpa(void);
__attribute__((noreturn)) void parent_power_off(void);

/* Files handed over by GRUB modules, by base name. */
const struct hvpart_module *parent_file_find(const char *name);

/* Console (partition/main.c; the cmdlets are in partition/cmdlets/). */
void console_run_line(const char *line);
#endif
