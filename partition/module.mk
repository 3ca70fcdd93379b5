# The parent partition's management OS: an ELF64 linked in the top 2 GiB,
# with newlib (built by `make newlib`) and the portable console library.

PARENT_SRCS := partition/arch/start.S partition/arch/cpu.c partition/arch/pcpu.c partition/arch/psmp.c \
	partition/drivers/serial.c partition/drivers/pit.c partition/drivers/rtc.c \
	partition/clock.c partition/lib/syscalls.c partition/lib/guid.c partition/lib/memcpy.c \
	partition/hvcall.c partition/main.c partition/vm.c partition/vm_load.c partition/vm_ctx.c partition/vm_sched.c partition/vm_save.c partition/vm_capture.c partition/vm_snap.c partition/vm_snap_remove.c partition/vm_merge.c partition/vm_ide.c partition/vmstore.c partition/pmem.c partition/hvcheck.c partition/hvcheck_synic.c partition/hvcheck_vpctx.c partition/hvcheck_capture.c \
	partition/hvcheck_gpadl.c partition/hvcheck_psmp.c partition/arch/vmap.c \
	partition/vsp/vsp_host.c partition/vsp/vsp_gpadl.c \
	partition/vsp/vsp_dev.c partition/vsp/vsp_echo.c partition/vsp/vsp_ic.c \
	partition/vsp/vsp_stor.c partition/vsp/vsp_state.c \
	partition/drivers/ata.c partition/drivers/atapi.c partition/drivers/disk.c \
	partition/drivers/pci.c partition/drivers/ahci.c partition/drivers/ata_string.c \
	partition/volume/volume.c partition/volume/fio_ext2.c partition/volume/vhd_mount.c \
	partition/cmdlets/cmdlets.c partition/cmdlets/common.c partition/cmdlets/host.c \
	partition/cmdlets/vm.c partition/cmdlets/item.c partition/cmdlets/location.c \
	partition/cmdlets/disk.c partition/cmdlets/vhd.c partition/cmdlets/utility.c \
	partition/cmdlets/integration.c partition/cmdlets/vmdisk.c partition/cmdlets/vmdvd.c partition/cmdlets/vmsave.c partition/cmdlets/vmsnap.c \
	partition/cmdlets/vmproc.c partition/cmdlets/vmdump.c
# Virtual networks (issue 16): the parent's switches, the netvsp VSP and
# their cmdlets.
PARENT_SRCS += partition/vnet.c partition/vsp/vsp_net.c partition/cmdlets/network.c \
  partition/cmdlets/netvlan.c partition/cmdlets/netip.c
# The physical NIC (e1000 over PCI) and Get-NetAdapter (issue 16 item 3).
PARENT_SRCS += partition/pnic.c partition/cmdlets/netadapter.c
PARENT_OBJS := $(patsubst %,$(TGTB)/%.o,$(basename $(PARENT_SRCS)))

# Interrupt-context code must leave the SSE registers alone: hv and the
# parent save no FPU state around interrupts.
$(TGTB)/partition/arch/cpu.o $(TGTB)/partition/drivers/serial.o $(TGTB)/partition/drivers/pit.o \
$(TGTB)/partition/drivers/rtc.o $(TGTB)/partition/clock.o: \
	TARGET_CFLAGS += -mgeneral-regs-only

# build/parent.elf links PARENT_OBJS with every library in PARENT_LIBS; the
# rule is in the top-level Makefile, after all fragments have added theirs.

# The VMBus section of a saved state (partition/vsp/vsp_state.c) is
# portable: a host test and a fuzz target for its framing.
VSPST_TEST := $(HOSTB)/tests/unit/vsp/test_vsp_state
$(VSPST_TEST): $(HOSTB)/tests/unit/vsp/test_vsp_state.o $(HOSTB)/partition/vsp/vsp_state.o
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)
HOST_TESTS += $(VSPST_TEST)
$(FUZZB)/tests/fuzz/fuzz_vsp_state: $(FUZZB)/tests/fuzz/fuzz_vsp_state.o \
		$(FUZZB)/partition/vsp/vsp_state.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_vsp_state
