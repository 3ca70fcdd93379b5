# vswitch/: the virtual switch (portable C), its tests, fuzzer and bench.

VSW_SRCS := vswitch/vsw_frame.c vswitch/vsw_mac.c vswitch/vsw_pool.c \
            vswitch/vsw_switch.c vswitch/vsw_fwd.c
VSW_HDRS := vswitch/vsw.h vswitch/vsw_internal.h vswitch/vsw_wire.h

# Target library for the parent partition.
VSW_TGT_OBJS := $(VSW_SRCS:%.c=$(TGTB)/%.o)
$(TGTB)/libvswitch.a: $(VSW_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libvswitch.a

# Host unit tests (cmocka, ASan+UBSan).
VSW_HOST_OBJS := $(VSW_SRCS:%.c=$(HOSTB)/%.o)
VSW_TESTS := unit_vsw_switch unit_vsw_frame unit_vsw_random unit_vsw_split
VSW_TEST_BINS := $(VSW_TESTS:%=$(HOSTB)/tests/unit/vswitch/%)
$(VSW_TEST_BINS): %: %.o $(HOSTB)/tests/unit/vswitch/vsw_testlib.o $(VSW_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(VSW_TEST_BINS)

# libFuzzer target for the frame parser and the frame path.
VSW_FUZZ_OBJS := $(VSW_SRCS:%.c=$(FUZZB)/%.o)
$(FUZZB)/tests/fuzz/fuzz_vsw_frame: $(FUZZB)/tests/fuzz/fuzz_vsw_frame.o $(VSW_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_vsw_frame

# Benchmark: -O2, no sanitizers.
VSW_BENCHB := $(BUILD)/bench/vswitch
VSW_BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -I.
VSW_BENCH_OBJS := $(VSW_SRCS:%.c=$(VSW_BENCHB)/%.o) $(VSW_BENCHB)/tests/bench/vswitch/vsw_bench.o
$(VSW_BENCHB)/%.o: %.c $(VSW_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(VSW_BENCH_CFLAGS) -c $< -o $@
$(VSW_BENCHB)/vsw_bench: $(VSW_BENCH_OBJS)
	$(HOST_CC) -O2 -o $@ $^
$(VSW_BENCHB)/run-vswitch-bench: tests/bench/vswitch/run.sh $(VSW_BENCHB)/vsw_bench
	@mkdir -p $(@D)
	sed 's|@BENCH_BIN@|$(VSW_BENCHB)/vsw_bench|' $< > $@ && chmod +x $@
BENCHES += $(VSW_BENCHB)/run-vswitch-bench
