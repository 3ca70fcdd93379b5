# partition/time: calendar arithmetic, RTC register decoding and Get-Date's
# formats. Portable: libtime.a for the parent, host objects for unit tests.
TIME_SRCS := partition/time/civil.c partition/time/datefmt.c
TIME_HOST_OBJS := $(TIME_SRCS:%.c=$(HOSTB)/%.o)
TIME_TGT_OBJS  := $(TIME_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libtime.a: $(TIME_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

TIME_TESTS := $(HOSTB)/tests/unit/time/test_civil \
              $(HOSTB)/tests/unit/time/test_datefmt

$(TIME_TESTS): %: %.o $(TIME_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

.PHONY: time-test
time-test: $(TIME_TESTS)
	@tests/run-host.sh --tests "$(TIME_TESTS)"

HOST_TESTS  += $(TIME_TESTS)
PARENT_LIBS += $(TGTB)/libtime.a
