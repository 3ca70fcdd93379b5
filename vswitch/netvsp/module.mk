# vswitch/netvsp/: the synthetic NIC's host side (NVSP + RNDIS) as a switch
# port. Portable: libnetvsp.a for the parent, host objects for tests,
# fuzzers and the bench. Depends on vmbus/ and vswitch/ only.

NETVSP_SRCS := vswitch/netvsp/netvsp_nvsp.c vswitch/netvsp/netvsp_rx.c \
               vswitch/netvsp/netvsp_rndis.c vswitch/netvsp/netvsp_oid.c \
               vswitch/netvsp/netvsp_save.c vswitch/netvsp/netvsp_rss.c
NETVSP_HDRS := vswitch/netvsp/netvsp.h vswitch/netvsp/netvsp_internal.h \
               vswitch/netvsp/nvsp_wire.h vswitch/netvsp/rndis_wire.h \
               vswitch/netvsp/netvsp_state.h

$(TGTB)/libnetvsp.a: $(NETVSP_SRCS:%.c=$(TGTB)/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libnetvsp.a

# Host unit tests: netvsp driven by the mock netvsc guest (nvg.c) through a
# ring pair, over a real switch.
NETVSP_HOST_OBJS := $(NETVSP_SRCS:%.c=$(HOSTB)/%.o) $(VSW_SRCS:%.c=$(HOSTB)/%.o) \
                    $(HOSTB)/vmbus/ring.o $(HOSTB)/vmbus/chan.o $(HOSTB)/vmbus/pkt.o \
                    $(HOSTB)/vmbus/msg.o
NETVSP_TESTS := unit_netvsp unit_netvsp_hostile unit_netvsp_threads \
                unit_netvsp_batch unit_netvsp_save unit_netvsp_rss \
                unit_netvsp_rss_save unit_netvsp_rss_rx unit_netvsp_split_rx \
                unit_netvsp_split
NETVSP_TEST_BINS := $(NETVSP_TESTS:%=$(HOSTB)/tests/unit/vswitch/%)
$(NETVSP_TEST_BINS): %: %.o $(HOSTB)/tests/unit/vswitch/nvg.o \
                     $(HOSTB)/tests/unit/vswitch/vsw_testlib.o $(NETVSP_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
# The RSS tests share a Toeplitz reference, frames and a guest pair.
NETVSP_RSS_TEST_BINS := $(HOSTB)/tests/unit/vswitch/unit_netvsp_rss \
                        $(HOSTB)/tests/unit/vswitch/unit_netvsp_rss_save \
                        $(HOSTB)/tests/unit/vswitch/unit_netvsp_rss_rx \
                        $(HOSTB)/tests/unit/vswitch/unit_netvsp_split_rx \
                        $(HOSTB)/tests/unit/vswitch/unit_netvsp_split
$(NETVSP_RSS_TEST_BINS): $(HOSTB)/tests/unit/vswitch/rss_testlib.o
HOST_TESTS += $(NETVSP_TEST_BINS)
.PHONY: netvsp-test
netvsp-test: $(NETVSP_TEST_BINS)
	@tests/run-host.sh --tests "$(NETVSP_TEST_BINS)"

# libFuzzer targets for the NVSP and RNDIS layers and the saved state
# (same mock guest; seeds: tests/fuzz/mkseeds_netvsp_state.py).
NETVSP_FUZZ_OBJS := $(NETVSP_SRCS:%.c=$(FUZZB)/%.o) $(VSW_SRCS:%.c=$(FUZZB)/%.o) \
                    $(FUZZB)/vmbus/ring.o $(FUZZB)/vmbus/chan.o $(FUZZB)/vmbus/pkt.o \
                    $(FUZZB)/vmbus/msg.o $(FUZZB)/tests/unit/vswitch/nvg.o
$(FUZZB)/tests/fuzz/fuzz_nvsp: $(FUZZB)/tests/fuzz/fuzz_nvsp.o $(NETVSP_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
$(FUZZB)/tests/fuzz/fuzz_rndis: $(FUZZB)/tests/fuzz/fuzz_rndis.o $(NETVSP_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
$(FUZZB)/tests/fuzz/fuzz_netvsp_state: $(FUZZB)/tests/fuzz/fuzz_netvsp_state.o $(NETVSP_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_nvsp $(FUZZB)/tests/fuzz/fuzz_rndis \
           $(FUZZB)/tests/fuzz/fuzz_netvsp_state
.SECONDARY: $(NETVSP_FUZZ_OBJS)

# Benchmark: -O2, no sanitizers (tests/bench/netvsp/run.sh).
NETVSP_BENCHB := $(BUILD)/bench/netvsp
NETVSP_BENCH_SRCS := $(NETVSP_SRCS) $(VSW_SRCS) vmbus/ring.c vmbus/chan.c \
                     vmbus/pkt.c vmbus/msg.c tests/unit/vswitch/nvg.c \
                     tests/bench/netvsp/bench_netvsp.c
$(NETVSP_BENCHB)/%.o: %.c $(NETVSP_HDRS) $(VSW_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(VSW_BENCH_CFLAGS) -c $< -o $@
$(NETVSP_BENCHB)/bench_netvsp: $(NETVSP_BENCH_SRCS:%.c=$(NETVSP_BENCHB)/%.o)
	$(HOST_CC) -O2 -o $@ $^
$(NETVSP_BENCHB)/run-netvsp-bench: tests/bench/netvsp/run.sh $(NETVSP_BENCHB)/bench_netvsp
	@mkdir -p $(@D)
	sed 's|@BENCH_BIN@|$(NETVSP_BENCHB)/bench_netvsp|' $< > $@ && chmod +x $@
BENCHES += $(NETVSP_BENCHB)/run-netvsp-bench

# The two-thread test again under ThreadSanitizer ($(VMBUS_TSANB)/%.o rule
# from vmbus/module.mk).
NETVSP_TSAN_OBJS := $(patsubst %.c,$(VMBUS_TSANB)/%.o,$(NETVSP_SRCS) $(VSW_SRCS) \
                    vmbus/ring.c vmbus/chan.c vmbus/pkt.c vmbus/msg.c \
                    tests/unit/vswitch/nvg.c tests/unit/vswitch/vsw_testlib.c \
                    tests/unit/vswitch/unit_netvsp_threads.c)
$(VMBUS_TSANB)/tests/unit/vswitch/tsan_unit_netvsp_threads: $(NETVSP_TSAN_OBJS)
	$(HOST_CC) -fsanitize=thread -o $@ $^ $(HOST_LIBS)
.SECONDARY: $(NETVSP_TSAN_OBJS)
HOST_TESTS += $(VMBUS_TSANB)/tests/unit/vswitch/tsan_unit_netvsp_threads
