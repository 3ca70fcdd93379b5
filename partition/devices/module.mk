# partition/devices: device models the parent emulates for children (COM1
# 16550A UART, 8259, CMOS; the gen1 PCI bus and the PIIX4 IDE controller,
# wired to children by partition/vm_ide.c), the child port map (ports.c) and the
# console-log byte ring.
# Portable: libdevices.a for the parent, host objects for unit tests.
DEV_SRCS := partition/devices/uart16550.c partition/devices/ring.c partition/devices/ports.c \
            partition/devices/pic8259.c partition/devices/cmos.c \
            partition/devices/pci.c partition/devices/pci_gen1.c \
            partition/devices/ide.c partition/devices/ide_ata.c \
            partition/devices/ide_bmdma.c partition/devices/ide_atapi.c \
            partition/devices/piix_ide.c partition/devices/ide_state.c \
            partition/devices/devstate.c
DEV_HOST_OBJS := $(DEV_SRCS:%.c=$(HOSTB)/%.o)
DEV_TGT_OBJS  := $(DEV_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libdevices.a: $(DEV_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

DEV_TESTS := $(HOSTB)/tests/unit/devices/test_uart \
             $(HOSTB)/tests/unit/devices/test_ring \
             $(HOSTB)/tests/unit/devices/test_ports \
             $(HOSTB)/tests/unit/devices/test_pci \
             $(HOSTB)/tests/unit/devices/test_ide \
             $(HOSTB)/tests/unit/devices/test_atapi \
             $(HOSTB)/tests/unit/devices/test_devstate

# libFuzzer: port access sequences against both channels and the engine.
IDE_FUZZ_OBJS := $(patsubst %.c,$(FUZZB)/%.o,partition/devices/pci.c \
  partition/devices/pci_gen1.c partition/devices/ide.c partition/devices/ide_ata.c \
  partition/devices/ide_bmdma.c partition/devices/ide_atapi.c partition/devices/piix_ide.c \
  storage/blockdev.c)
$(FUZZB)/tests/fuzz/fuzz_ide: $(FUZZB)/tests/fuzz/fuzz_ide.o $(IDE_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_ide

# The IDE disks are struct blockdevs: the tests link its front end and
# RAM backend (the parent gets them from libstorage.a).
$(DEV_TESTS): %: %.o $(DEV_HOST_OBJS) $(HOSTB)/storage/blockdev.o
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

.PHONY: devices-test
devices-test: $(DEV_TESTS) $(FUZZB)/tests/fuzz/fuzz_ide
	@tests/run-host.sh --tests "$(DEV_TESTS)" --fuzzers $(FUZZB)/tests/fuzz/fuzz_ide

HOST_TESTS  += $(DEV_TESTS)
PARENT_LIBS += $(TGTB)/libdevices.a

# libFuzzer: the devices' saved-state parser (devstate.h).
DEVSTATE_FUZZ_OBJS := $(patsubst %.c,$(FUZZB)/%.o,$(DEV_SRCS) storage/blockdev.c)
$(FUZZB)/tests/fuzz/fuzz_devstate: $(FUZZB)/tests/fuzz/fuzz_devstate.o $(DEVSTATE_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_devstate
