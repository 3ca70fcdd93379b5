/*
 * hostile: a child that tries what a child must not do, driven by its
 * command line so that one scenario can run it several times:
 *   mode=own            pattern-test all of its own free RAM
 *   mode=read addr=A    read physical A (outside its RAM: all ones)
 *   mode=write addr=A   write physical A, read it back (all ones)
 *   mode=exec addr=A    jump to physical A (hv must stop the child)
 *   mode=sweep [step=N] read/write/read every page to 64 MiB past its RAM,
 *                       then every N (1 MiB) to 4 GiB; then mode=own
 *   mode=calls          parent-only hypercalls, bogus MSRs and ports,
 *                       then a deliberate triple fault
 *   mode=all            own, then calls
 */
#include "guest.h"
#include "hostile.h"

static uint32_t need_addr(void)
{
	char buf[24];
	uint32_t a;

	if (!guest_get_arg("addr", buf, sizeof(buf)) ||
	    !guest_parse_u32(buf, &a))
		guest_fail("hostile", "mode=read/write needs addr=A");
	return a;
}

void guest_main(void)
{
	char mode[16];

	guest_puts("hostile: start\n");
	if (!guest_get_arg("mode", mode, sizeof(mode)))
		guest_fail("hostile", "no mode= on the command line");
	if (!guest_strcmp(mode, "own")) {
		hostile_run_own();
		guest_pass("hostile");
	}
	if (!guest_strcmp(mode, "read") || !guest_strcmp(mode, "write"))
		hostile_touch_addr(mode[0] == 'w', need_addr());
	if (!guest_strcmp(mode, "exec"))
		hostile_exec_addr(need_addr());
	if (!guest_strcmp(mode, "sweep"))
		hostile_sweep();
	if (!guest_strcmp(mode, "calls"))
		hostile_run_calls();
	if (!guest_strcmp(mode, "all")) {
		hostile_run_own();
		hostile_run_calls();
	}
	guest_printf("hostile: unknown mode=%s\n", mode);
	guest_fail("hostile", "unknown mode");
}
