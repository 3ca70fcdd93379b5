# hv/synic: the portable SynIC (per-vCPU MSRs, message queues, event
# flags, synthetic timers), TLFS ports and connections, and reference
# time maths. Built for hv (freestanding, no SSE) as libhvsynic.a, which
# hv.elf links (HV_GENERIC_LIBS; wired by hv/core/synic.c, synic_vp.c),
# and for host tests and a fuzzer.

HVSYNIC_SRCS := hv/synic/synvp.c hv/synic/synvp_msg.c hv/synic/stimer.c \
	hv/synic/reftime.c hv/synic/hvport.c
HVSYNIC_HV_OBJS := $(patsubst %.c,$(HVB)/%.o,$(HVSYNIC_SRCS))

$(HVB)/libhvsynic.a: $(HVSYNIC_HV_OBJS)
	@rm -f $@
	ar rcs $@ $^
# With hv's string.o alone nothing may stay undefined (no libgcc 128-bit
# division, no libatomic call), so the library stays portable.
$(HVB)/libhvsynic.checked: $(HVB)/libhvsynic.a $(HVB)/hv/lib/string.o
	ld -r -o $@.o --whole-archive $< --no-whole-archive $(HVB)/hv/lib/string.o
	@u=$$(nm -u $@.o); if [ -n "$$u" ]; then echo "libhvsynic.a needs: $$u"; exit 1; fi
	@touch $@
$(BUILD)/hv.elf: $(HVB)/libhvsynic.checked
# The SVM image's copy (hv/module.mk compiles hv once per backend).
$(HVB_svm)/libhvsynic.a: $(patsubst %.c,$(HVB_svm)/%.o,$(HVSYNIC_SRCS))
	@rm -f $@
	ar rcs $@ $^

# ---- host unit tests (ASan + UBSan) ----
HVSYNIC_HOST_OBJS := $(patsubst %.c,$(HOSTB)/%.o,$(HVSYNIC_SRCS)) \
	$(HOSTB)/tests/unit/hv/fakesynic.o
HVSYNIC_TESTS := test_synvp test_hvport test_synic_time
$(HVSYNIC_TESTS:%=$(HOSTB)/tests/unit/hv/%): $(HOSTB)/tests/unit/hv/%: \
		$(HOSTB)/tests/unit/hv/%.o $(HVSYNIC_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
# The race test runs the guest inside hv's steps: synvp_msg.c with its
# test hook compiled in (SYNVP_TEST_RACE_HOOK).
HVSYNIC_RACE_OBJS := $(filter-out %/synvp_msg.o,$(HVSYNIC_HOST_OBJS)) \
	$(HOSTB)/hv/synic/synvp_msg_racehook.o
$(HOSTB)/hv/synic/synvp_msg_racehook.o: hv/synic/synvp_msg.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -DSYNVP_TEST_RACE_HOOK -MMD -MP -c $< -o $@
$(HOSTB)/tests/unit/hv/test_synic_race: $(HOSTB)/tests/unit/hv/test_synic_race.o \
		$(HVSYNIC_RACE_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HVSYNIC_TESTS += test_synic_race
HOST_TESTS += $(HVSYNIC_TESTS:%=$(HOSTB)/tests/unit/hv/%)

# ---- libFuzzer: a hostile guest's MSR writes, posts, signals, EOMs and
# the parent's port calls, with invariants checked after each step ----
HVSYNIC_FUZZ_OBJS := $(patsubst %.c,$(FUZZB)/%.o,$(HVSYNIC_SRCS)) \
	$(FUZZB)/tests/unit/hv/fakesynic.o
$(FUZZB)/fuzz_synic: $(FUZZB)/tests/fuzz/fuzz_synic.o $(HVSYNIC_FUZZ_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^
FUZZERS += $(FUZZB)/fuzz_synic
