/* Host tests for one vCPU's SynIC (hv/synic/synvp.c, synvp_msg.c): MSRs,
 * message queues and SIM delivery, MessagePending/EOM, event flags. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/abi/tlfs.h"
#include "fakesynic.h"

#define SINT 2
#define VEC  0xf3

static struct fakevm vm;
static struct fakevcpu cpu;
static struct synic_pool pool;
static struct synic_msgbuf bufs[8];
static uint32_t charge, charge2;

static int setup(void **st)
{
	(void)st;
	fakevm_init(&vm);
	fakevcpu_init(&cpu, &vm, false);
	synic_pool_init(&pool, bufs, 8);
	charge = charge2 = 0;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	fakevm_fini(&vm);
	return 0;
}

/* A pool message of type `type` with `size` payload bytes 0..size-1+seed. */
static struct synic_msgbuf *msg(uint32_t type, uint8_t size, uint8_t seed, uint32_t *ch)
{
	struct synic_msgbuf *b = synic_pool_take(&pool, ch);

	assert_non_null(b);
	b->msg.header.type = type;
	b->msg.header.payload_size = size;
	b->msg.header.origin = 0x1234;
	for (unsigned i = 0; i < size; i++)
		b->msg.payload[i] = (uint8_t)(i + seed);
	return b;
}

static void post(uint32_t type, uint8_t size, uint8_t seed)
{
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, msg(type, size, seed, &charge)), 0);
}

static void test_reset_values(void **st)
{
	(void)st;
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SCONTROL), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SIMP), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SIEFP), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SVERSION), 1);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_EOM), 0);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SINT0 + i), 0x10000);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(fake_rdmsr(&cpu, HV_MSR_STIMER0_CONFIG + i), 0);
}

static void test_msr_unhandled_and_readonly(void **st)
{
	uint64_t v = 7;

	(void)st;
	assert_int_equal(synvp_read_msr(&cpu.vp, 0x40000085, &v), -ENOENT);
	assert_int_equal(synvp_read_msr(&cpu.vp, 0x4000008f, &v), -ENOENT);
	assert_int_equal(synvp_read_msr(&cpu.vp, 0x400000a0, &v), -ENOENT);
	assert_int_equal(synvp_read_msr(&cpu.vp, 0x400000b8, &v), -ENOENT);
	assert_int_equal(synvp_write_msr(&cpu.vp, 0x40000020, 0), -ENOENT);
	assert_int_equal(v, 7);
	/* TLFS: writing SVERSION raises #GP. */
	assert_int_equal(synvp_write_msr(&cpu.vp, HV_MSR_SVERSION, 1), -EINVAL);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SVERSION), 1);
	/* EOM reads zero whatever was written. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_EOM, 0xdead), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_EOM), 0);
}

static void test_sint_vector_rules(void **st)
{
	(void)st;
	/* Unmasked with vector < 16: #GP, register unchanged. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 3, 15), -EINVAL);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 3, 0), -EINVAL);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SINT0 + 3), 0x10000);
	/* Masked: any vector, so the reset value can be written back. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 3, 0x10000), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 3, 0x10005), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 3, 16), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SINT0 + 3), 16);
	/* RsvdP bits (15:8, 63:19) are kept, with AutoEOI and polling. */
	uint64_t v = 0xfff8000000000000ull | (0xabull << 8) | HV_SINT_AUTO_EOI |
		     HV_SINT_POLLING | 0x40;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + 15, v), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SINT0 + 15), v);
}

static void test_page_enable_zeroes(void **st)
{
	uint8_t *p3 = fake_page(&vm, 3), *p4 = fake_page(&vm, 4);
	uint8_t zero[4096] = { 0 };

	(void)st;
	/* Preserved bits 11:1 read back. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(3) | 0xffe | 1), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SIMP), fake_gpa(3) | 0xfff);
	assert_memory_equal(p3, zero, 4096);
	/* The same value again keeps what the guest wrote. */
	p3[100] = 9;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(3) | 0xfff), 0);
	assert_int_equal(p3[100], 9);
	/* Moving the page clears the new one, leaves the old. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(4) | 1), 0);
	assert_memory_equal(p4, zero, 4096);
	assert_int_equal(p3[100], 9);
	/* Disabled: stored, nothing cleared. */
	p4[7] = 1;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(4)), 0);
	assert_int_equal(p4[7], 1);
	/* Re-enabling clears. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(4) | 1), 0);
	assert_int_equal(p4[7], 0);
	/* SIEFP the same way. */
	((uint8_t *)fake_page(&vm, 5))[1] = 1;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIEFP, fake_gpa(5) | 1), 0);
	assert_memory_equal(fake_page(&vm, 5), zero, 4096);
}

static void test_page_not_owned_gp(void **st)
{
	(void)st;
	vm.unowned[6] = true;
	vm.map_gen++;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(6) | 1), -EINVAL);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SIMP), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIEFP, fake_gpa(6) | 1), -EINVAL);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIEFP, 0x7000 | 1), -EINVAL);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SIEFP), 0);
	/* Disabled, a page outside the partition is just a stored value. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIEFP, fake_gpa(6)), 0);
}

static void test_deliver_copies_payload_size_only(void **st)
{
	struct hv_message *slot;

	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC);
	slot = fake_slot(&cpu, SINT);
	memset(slot->payload, 0xaa, sizeof(slot->payload));
	slot->header.flags = 0xff;
	post(1, 10, 0x40);
	assert_int_equal(slot->header.type, 1);
	assert_int_equal(slot->header.payload_size, 10);
	assert_int_equal(slot->header.flags, 0);
	assert_int_equal(slot->header.origin, 0x1234);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(slot->payload[i], 0x40 + i);
	for (unsigned i = 10; i < HV_MESSAGE_PAYLOAD_MAX; i++)
		assert_int_equal(slot->payload[i], 0xaa);
	/* Other slots untouched. */
	assert_int_equal(fake_slot(&cpu, SINT + 1)->header.type, 0);
	assert_int_equal(cpu.nraised, 1);
	assert_int_equal(cpu.last_vector, VEC);
	assert_false(cpu.last_auto_eoi);
	/* The buffer went back to the pool. */
	assert_int_equal(pool.nfree, 8);
	assert_int_equal(charge, 0);
	assert_int_equal(synvp_count_queued(&cpu.vp, SINT), 0);
}

static void test_busy_slot_pending_then_eom(void **st)
{
	struct hv_message *slot, before;

	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC | HV_SINT_AUTO_EOI);
	slot = fake_slot(&cpu, SINT);
	post(1, 4, 0);
	assert_true(cpu.last_auto_eoi);
	memcpy(&before, slot, sizeof(before));
	post(2, 8, 1);
	post(3, 240, 2);
	/* Slot busy: nothing written but MessagePending, no interrupt. */
	assert_int_equal(cpu.nraised, 1);
	assert_int_equal(slot->header.flags, HV_MSG_FLAG_PENDING);
	before.header.flags = HV_MSG_FLAG_PENDING;
	assert_memory_equal(slot, &before, sizeof(before));
	assert_int_equal(synvp_count_queued(&cpu.vp, SINT), 2);
	assert_int_equal(charge, 2);
	/* EOM without emptying the slot delivers nothing. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_EOM, 0), 0);
	assert_int_equal(slot->header.type, 1);
	assert_int_equal(cpu.nraised, 1);
	/* The guest empties it and writes EOM (pending was set). */
	assert_true(fake_ack(&cpu, SINT));
	assert_int_equal(slot->header.type, 2);
	assert_int_equal(slot->header.payload_size, 8);
	/* Still one behind it: pending set in the new message. */
	assert_int_equal(slot->header.flags, HV_MSG_FLAG_PENDING);
	assert_int_equal(cpu.nraised, 2);
	assert_true(fake_ack(&cpu, SINT));
	assert_int_equal(slot->header.type, 3);
	assert_int_equal(slot->payload[239], (uint8_t)(239 + 2));
	assert_int_equal(slot->header.flags, 0);
	assert_int_equal(cpu.nraised, 3);
	/* Last one: the guest does not need to write EOM. */
	assert_false(fake_ack(&cpu, SINT));
	assert_int_equal(charge, 0);
	assert_int_equal(pool.nfree, 8);
}

static void test_masked_sint_interrupt_lost(void **st)
{
	struct hv_message *slot;

	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC | HV_SINT_MASKED), 0);
	slot = fake_slot(&cpu, SINT);
	post(5, 1, 0);
	/* TLFS: the message is delivered, the interrupt lost. */
	assert_int_equal(slot->header.type, 5);
	assert_int_equal(cpu.nraised, 0);
	/* Unmasking later does not bring the lost interrupt back. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC), 0);
	assert_int_equal(cpu.nraised, 0);
	/* EOM drains a masked SINT's queue too (TLFS "EOM Register"). */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC | HV_SINT_MASKED), 0);
	post(6, 1, 0);
	assert_true(fake_ack(&cpu, SINT));
	assert_int_equal(slot->header.type, 6);
	assert_int_equal(cpu.nraised, 0);
}

static void test_polling_sint_no_interrupt(void **st)
{
	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC | HV_SINT_POLLING);
	post(5, 1, 0);
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 5);
	assert_int_equal(cpu.nraised, 0);
}

static void test_simp_off_keeps_queued(void **st)
{
	(void)st;
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SCONTROL, 1), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC), 0);
	assert_false(synvp_msg_ready(&cpu.vp));
	post(1, 3, 0);
	post(2, 3, 0);
	assert_int_equal(synvp_count_queued(&cpu.vp, SINT), 2);
	assert_int_equal(cpu.nraised, 0);
	/* Enabling the SIM page clears it and delivers the first. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIMP, fake_gpa(1) | 1), 0);
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 1);
	assert_int_equal(fake_slot(&cpu, SINT)->header.flags, HV_MSG_FLAG_PENDING);
	assert_int_equal(cpu.nraised, 1);
	assert_true(fake_ack(&cpu, SINT));
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 2);
}

static void test_scontrol_off_keeps_queued(void **st)
{
	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SCONTROL, 0), 0);
	post(1, 3, 0);
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SCONTROL, 1), 0);
	assert_int_equal(fake_slot(&cpu, SINT)->header.type, 1);
	assert_int_equal(cpu.nraised, 1);
}

static void test_eoi_rescans_only_sint_vectors(void **st)
{
	struct hv_message *slot;

	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC);
	slot = fake_slot(&cpu, SINT);
	post(1, 3, 0);
	post(2, 3, 0);
	/* The guest empties the slot without EOM (it relies on APIC EOI). */
	slot->header.type = 0;
	synvp_notify_eoi(&cpu.vp, 0x30);
	assert_int_equal(slot->header.type, 0);
	synvp_notify_eoi(&cpu.vp, VEC);
	assert_int_equal(slot->header.type, 2);
	assert_int_equal(cpu.nraised, 2);
}

static void test_post_rejects(void **st)
{
	struct synic_msgbuf *b = msg(1, 1, 0, &charge);

	(void)st;
	assert_int_equal(synvp_post_msg(&cpu.vp, 16, b), -EINVAL);
	b->msg.header.payload_size = 241;
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, b), -EINVAL);
	b->msg.header.payload_size = 1;
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, b), 0);
	/* Queued once only. */
	assert_int_equal(synvp_post_msg(&cpu.vp, SINT, b), -EINVAL);
	assert_int_equal(synvp_count_queued(&cpu.vp, SINT), 1);
}

static void test_reset_and_drop_return_buffers(void **st)
{
	(void)st;
	assert_int_equal(synvp_post_msg(&cpu.vp, 1, msg(1, 1, 0, &charge)), 0);
	assert_int_equal(synvp_post_msg(&cpu.vp, 1, msg(1, 1, 0, &charge2)), 0);
	assert_int_equal(synvp_post_msg(&cpu.vp, 1, msg(1, 1, 0, &charge)), 0);
	assert_int_equal(synvp_post_msg(&cpu.vp, 9, msg(1, 1, 0, &charge2)), 0);
	assert_int_equal(pool.nfree, 4);
	synvp_drop_charged(&cpu.vp, &charge);
	assert_int_equal(charge, 0);
	assert_int_equal(charge2, 2);
	assert_int_equal(synvp_count_queued(&cpu.vp, 1), 1);
	assert_int_equal(pool.nfree, 6);
	/* The tail is still right: a new message lands behind the survivor. */
	assert_int_equal(synvp_post_msg(&cpu.vp, 1, msg(7, 1, 0, &charge)), 0);
	assert_int_equal(synvp_count_queued(&cpu.vp, 1), 2);
	assert_int_equal(cpu.vp.tail[1]->msg.header.type, 7);
	fake_enable(&cpu, 1, 2, SINT, VEC);
	synvp_reset(&cpu.vp);
	assert_int_equal(charge + charge2, 0);
	assert_int_equal(pool.nfree, 8);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SCONTROL), 0);
	assert_int_equal(fake_rdmsr(&cpu, HV_MSR_SINT0 + SINT), 0x10000);
}

static void test_pool_reserve(void **st)
{
	uint32_t c = 0;

	(void)st;
	assert_int_equal(synic_pool_reserve(&pool, 5), 0);
	assert_int_equal(synic_pool_reserve(&pool, 4), -ENOMEM);
	assert_int_equal(synic_pool_reserve(&pool, 3), 0);
	synic_pool_unreserve(&pool, 8);
	assert_int_equal(pool.reserved, 0);
	for (unsigned i = 0; i < 8; i++)
		assert_non_null(synic_pool_take(&pool, &c));
	assert_null(synic_pool_take(&pool, &c));
	assert_int_equal(c, 8);
}

/* hv builds a pool from separate pages: chunks added later are as
 * good as the first, and reserve/take see the total. */
static void test_pool_add_chunks(void **st)
{
	static struct synic_msgbuf more[3];
	uint32_t c = 0;

	(void)st;
	synic_pool_add(&pool, more, 3);
	assert_int_equal(pool.total, 11);
	assert_int_equal(pool.nfree, 11);
	assert_int_equal(synic_pool_reserve(&pool, 11), 0);
	assert_int_equal(synic_pool_reserve(&pool, 1), -ENOMEM);
	for (unsigned i = 0; i < 11; i++) {
		struct synic_msgbuf *b = synic_pool_take(&pool, &c);

		assert_non_null(b);
		assert_ptr_equal(b->pool, &pool);
	}
	assert_null(synic_pool_take(&pool, &c));
	assert_int_equal(c, 11);
}

static void test_event_flags(void **st)
{
	struct hv_event_flags *f;

	(void)st;
	fake_enable(&cpu, 1, 2, SINT, VEC);
	f = fake_flags(&cpu, SINT);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 13), 1);
	assert_int_equal(f->bits[1], 1 << 5);
	assert_int_equal(cpu.nraised, 1);
	/* Already set: no second interrupt. */
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 13), 0);
	assert_int_equal(cpu.nraised, 1);
	/* Another flag of the same byte: new edge. */
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 8), 1);
	assert_int_equal(f->bits[1], (1 << 5) | 1);
	assert_int_equal(cpu.nraised, 2);
	/* The guest clears it: the next signal interrupts again. */
	__atomic_and_fetch(&f->bits[1], (uint8_t)~(1 << 5), __ATOMIC_SEQ_CST);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 13), 1);
	assert_int_equal(cpu.nraised, 3);
	/* Last flag, and no other SINT's area touched. */
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 2047), 1);
	assert_int_equal(f->bits[255], 0x80);
	assert_int_equal(fake_flags(&cpu, SINT + 1)->bits[0], 0);
	assert_int_equal(fake_flags(&cpu, SINT - 1)->bits[255], 0);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 2048), -EINVAL);
	assert_int_equal(synvp_signal_event(&cpu.vp, 16, 0), -EINVAL);
}

static void test_event_state_errors(void **st)
{
	(void)st;
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 1), -ENODEV);
	fake_enable(&cpu, 1, 2, SINT, VEC);
	/* Masked SINT: refused (TLFS), the flag not set. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC | HV_SINT_MASKED), 0);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 1), -ENODEV);
	assert_int_equal(fake_flags(&cpu, SINT)->bits[0], 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIEFP, fake_gpa(2)), 0);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 1), -ENODEV);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SIEFP, fake_gpa(2) | 1), 0);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SCONTROL, 0), 0);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 1), -ENODEV);
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SCONTROL, 1), 0);
	/* The page stopped being the partition's. */
	vm.unowned[2] = true;
	vm.map_gen++;
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 1), -EFAULT);
	vm.unowned[2] = false;
	vm.map_gen++;
	/* Polling: set, no interrupt. */
	assert_int_equal(fake_wrmsr(&cpu, HV_MSR_SINT0 + SINT, VEC | HV_SINT_POLLING), 0);
	assert_int_equal(synvp_signal_event(&cpu.vp, SINT, 1), 1);
	assert_int_equal(fake_flags(&cpu, SINT)->bits[0], 2);
	assert_int_equal(cpu.nraised, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_unhandled_and_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sint_vector_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_enable_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_not_owned_gp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliver_copies_payload_size_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_slot_pending_then_eom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_sint_interrupt_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_polling_sint_no_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simp_off_keeps_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scontrol_off_keeps_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eoi_rescans_only_sint_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_drop_return_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_reserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_add_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_state_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
