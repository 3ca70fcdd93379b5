# The parent partition's management OS: an ELF64 linked in the top 2 GiB,
# with newlib (built by `make newlib`) and the portable console library.

PARENT_SRCS := partition/arch/start.S partition/arch/cpu.c \
	partition/drivers/serial.c partition/drivers/pit.c partition/lib/syscalls.c \
	partition/hvcall.c partition/main.c partition/vm.c partition/pmem.c partition/hvcheck.c \
	partition/drivers/ata.c partition/drivers/atapi.c partition/drivers/disk.c \
	partition/drivers/pci.c partition/drivers/ahci.c partition/drivers/ata_string.c \
	partition/volume/volume.c partition/volume/fio_ext2.c partition/volume/vhd_mount.c \
	partition/cmdlets/cmdlets.c partition/cmdlets/common.c partition/cmdlets/host.c \
	partition/cmdlets/vm.c partition/cmdlets/item.c partition/cmdlets/location.c \
	partition/cmdlets/disk.c partition/cmdlets/vhd.c
PARENT_OBJS := $(patsubst %,$(TGTB)/%.o,$(basename $(PARENT_SRCS)))
PARENT_LINK_LIBS := $(TGTB)/libconsole.a $(TGTB)/libloader.a $(TGTB)/libdevices.a \
	$(TGTB)/libext2.a $(TGTB)/libstorage.a $(TGTB)/liblib.a

# Interrupt-context code must leave the SSE registers alone: hv and the
# parent save no FPU state around interrupts.
$(TGTB)/partition/arch/cpu.o $(TGTB)/partition/drivers/serial.o $(TGTB)/partition/drivers/pit.o: \
	TARGET_CFLAGS += -mgeneral-regs-only

$(BUILD)/parent.elf: $(PARENT_OBJS) $(PARENT_LINK_LIBS) partition/parent.ld $(NEWLIB)/lib/libc.a
	$(TARGET_CC) -nostdlib -static -no-pie -Wl,-T,partition/parent.ld \
		-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -o $@ \
		$(PARENT_OBJS) $(PARENT_LINK_LIBS) $(NEWLIB)/lib/libc.a -lgcc
