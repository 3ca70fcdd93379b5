# partition/devices: device models the parent emulates for children (COM1
# 16550A UART), the child port map (ports.c) and the console-log byte ring.
# Portable: libdevices.a for the parent, host objects for unit tests.
DEV_SRCS := partition/devices/uart16550.c partition/devices/ring.c partition/devices/ports.c \
            partition/devices/pic8259.c partition/devices/cmos.c
DEV_HOST_OBJS := $(DEV_SRCS:%.c=$(HOSTB)/%.o)
DEV_TGT_OBJS  := $(DEV_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libdevices.a: $(DEV_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

DEV_TESTS := $(HOSTB)/tests/unit/devices/test_uart \
             $(HOSTB)/tests/unit/devices/test_ring \
             $(HOSTB)/tests/unit/devices/test_ports

$(DEV_TESTS): %: %.o $(DEV_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

.PHONY: devices-test
devices-test: $(DEV_TESTS)
	@tests/run-host.sh --tests "$(DEV_TESTS)"

HOST_TESTS  += $(DEV_TESTS)
PARENT_LIBS += $(TGTB)/libdevices.a
