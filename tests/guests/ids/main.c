/*
 * ids: prints its partition id ten times with a busy-wait between, so
 * that several children running at once show interleaved, distinct ids.
 * The id comes from HvGetPartitionId (TLFS §"HvGetPartitionId", call code
 * 0x46, no input, output a 64-bit partition id), or from `id=N` on the
 * command line when there is no Hyper-V interface.
 */
#include "guest.h"

#define HVCALL_GET_PARTITION_ID 0x46
#define TICKS 10

static int partition_id(uint64_t *id)
{
	uint64_t r;

	if (!guest_init_hv()) {
		guest_puts("ids: no Hyper-V interface: id from the command line\n");
		*id = guest_get_arg_u32("id", 0);
		return 1;
	}
	r = guest_hypercall(HVCALL_GET_PARTITION_ID, 0,
			    (uint32_t)guest_hv_out_page);
	if (GUEST_HV_STATUS(r) != 0) {
		guest_printf("ids: HvGetPartitionId status %u\n",
			     GUEST_HV_STATUS(r));
		return 0;
	}
	*id = *(volatile uint64_t *)guest_hv_out_page;
	return 1;
}

static void busy_wait(uint32_t loops)
{
	for (volatile uint32_t i = 0; i < loops; i++)
		;
}

void guest_main(void)
{
	uint32_t delay = guest_get_arg_u32("delay", 2000000);
	uint64_t id;

	guest_puts("ids: start\n");
	if (!partition_id(&id))
		guest_fail("ids", "HvGetPartitionId failed");
	guest_printf("ids: partition %llu\n", id);
	for (int k = 1; k <= TICKS; k++) {
		busy_wait(delay);
		guest_printf("ids %llu tick %d\n", id, k);
	}
	guest_pass("ids");
}
