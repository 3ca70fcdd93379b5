# vmbus: ring buffers, channel messages, channel server (host) and client
# (guest). Portable library built for host tests, fuzzers and the target.
VMBUS_SRCS := vmbus/ring.c vmbus/msg.c vmbus/chan.c vmbus/pkt.c vmbus/server.c vmbus/server_save.c vmbus/client.c \
	vmbus/ic.c
VMBUS_HOST_OBJS := $(VMBUS_SRCS:%.c=$(HOSTB)/%.o)
VMBUS_TGT_OBJS := $(VMBUS_SRCS:%.c=$(TGTB)/%.o)
VMBUS_UT := tests/unit/vmbus

# newlib's <stdatomic.h> (FreeBSD-derived) wraps _Atomic in a struct and
# cannot act on _Atomic-qualified objects; use the compiler's own header,
# which is freestanding. Only stdatomic.h is overridden.
VMBUS_ATOMIC_INC := $(TGTB)/vmbus-inc
$(VMBUS_ATOMIC_INC)/stdatomic.h:
	@mkdir -p $(@D)
	ln -sf $$($(TARGET_CC) -print-file-name=include)/stdatomic.h $@
$(VMBUS_TGT_OBJS): TARGET_CFLAGS += -I$(VMBUS_ATOMIC_INC)
$(VMBUS_TGT_OBJS): $(VMBUS_ATOMIC_INC)/stdatomic.h

$(TGTB)/libvmbus.a: $(VMBUS_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libvmbus.a

$(HOSTB)/libvmbus.a: $(VMBUS_HOST_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# ---- host unit tests (ASan + UBSan) ----
VMBUS_TESTS := test_ring test_ring_stress test_msg test_pkt test_proto test_e2e test_ic test_save test_subchan
$(HOSTB)/$(VMBUS_UT)/%: $(HOSTB)/$(VMBUS_UT)/%.o $(HOSTB)/libvmbus.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(VMBUS_TESTS:%=$(HOSTB)/$(VMBUS_UT)/%)
.SECONDARY: $(VMBUS_TESTS:%=$(HOSTB)/$(VMBUS_UT)/%.o)
$(HOSTB)/$(VMBUS_UT)/test_proto $(HOSTB)/$(VMBUS_UT)/test_e2e $(HOSTB)/$(VMBUS_UT)/test_save \
	$(HOSTB)/$(VMBUS_UT)/test_subchan: \
	$(HOSTB)/$(VMBUS_UT)/harness.o

# ---- ThreadSanitizer builds of the ring tests (cannot mix with ASan) ----
VMBUS_TSANB := $(BUILD)/tsan
VMBUS_TSAN_CFLAGS := -std=gnu11 -g -O1 $(WARN) -fsanitize=thread -D_GNU_SOURCE -I.
$(VMBUS_TSANB)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(VMBUS_TSAN_CFLAGS) -MMD -MP -c $< -o $@
VMBUS_TSAN_LIB := $(VMBUS_SRCS:%.c=$(VMBUS_TSANB)/%.o)
$(VMBUS_TSANB)/$(VMBUS_UT)/tsan_%: $(VMBUS_TSANB)/$(VMBUS_UT)/%.o $(VMBUS_TSAN_LIB)
	$(HOST_CC) -fsanitize=thread -o $@ $^ $(HOST_LIBS)
$(VMBUS_TSANB)/$(VMBUS_UT)/tsan_test_e2e: $(VMBUS_TSANB)/$(VMBUS_UT)/harness.o
.SECONDARY: $(VMBUS_TSAN_LIB) $(patsubst %,$(VMBUS_TSANB)/$(VMBUS_UT)/%.o,test_ring test_ring_stress test_e2e)
HOST_TESTS += $(VMBUS_TSANB)/$(VMBUS_UT)/tsan_test_ring \
	      $(VMBUS_TSANB)/$(VMBUS_UT)/tsan_test_ring_stress \
	      $(VMBUS_TSANB)/$(VMBUS_UT)/tsan_test_e2e

# ---- libFuzzer targets ----
VMBUS_FUZZ_LIB := $(VMBUS_SRCS:%.c=$(FUZZB)/%.o)
$(FUZZB)/tests/fuzz/fuzz_vmbus_%: $(FUZZB)/tests/fuzz/fuzz_vmbus_%.o $(VMBUS_FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_vmbus_ring $(FUZZB)/tests/fuzz/fuzz_vmbus_msg \
	   $(FUZZB)/tests/fuzz/fuzz_vmbus_ic $(FUZZB)/tests/fuzz/fuzz_vmbus_state
.SECONDARY: $(VMBUS_FUZZ_LIB)

# ---- benchmark (optimised, no sanitizers) ----
VMBUS_BENCHB := $(BUILD)/bench/vmbus
VMBUS_BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -I.
$(VMBUS_BENCHB)/bench_vmbus: tests/bench/vmbus/bench_vmbus.c vmbus/ring.c vmbus/ring.h
	@mkdir -p $(@D)
	$(HOST_CC) $(VMBUS_BENCH_CFLAGS) -o $@ tests/bench/vmbus/bench_vmbus.c vmbus/ring.c -lpthread
BENCHES += $(VMBUS_BENCHB)/bench_vmbus
