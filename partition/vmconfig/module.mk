# partition/vmconfig: the VM configuration file format (docs/vm-config.md).
# Portable: libvmcfg.a for the parent, host objects for the unit tests and
# a libFuzzer target (a file on the host volume is untrusted input).
VMCFG_SRCS := partition/vmconfig/vmcfg_doc.c partition/vmconfig/vmcfg_vm.c \
  partition/vmconfig/vmcfg_disk.c partition/vmconfig/vmcfg_dvd.c partition/vmconfig/vmcfg_vlan.c \
              partition/vmconfig/vmcfg_net.c partition/vmconfig/vmcfg_snap.c
VMCFG_HOST_OBJS := $(VMCFG_SRCS:%.c=$(HOSTB)/%.o)
VMCFG_FUZZ_OBJS := $(VMCFG_SRCS:%.c=$(FUZZB)/%.o)
VMCFG_TGT_OBJS  := $(VMCFG_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libvmcfg.a: $(VMCFG_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

VMCFG_TESTS := $(HOSTB)/tests/unit/vmconfig/test_vmcfg \
               $(HOSTB)/tests/unit/vmconfig/test_vmcfg_net \
               $(HOSTB)/tests/unit/vmconfig/test_vmcfg_snap

$(VMCFG_TESTS): %: %.o $(VMCFG_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

VMCFG_FUZZER := $(FUZZB)/tests/fuzz/fuzz_vmconfig
$(VMCFG_FUZZER): %: %.o $(VMCFG_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

.PHONY: vmcfg-test
vmcfg-test: $(VMCFG_TESTS) $(VMCFG_FUZZER)
	@tests/run-host.sh --fuzz-seconds $(FUZZ_SECONDS) \
	  --tests "$(VMCFG_TESTS)" --fuzzers "$(VMCFG_FUZZER)"

HOST_TESTS  += $(VMCFG_TESTS)
FUZZERS     += $(VMCFG_FUZZER)
PARENT_LIBS += $(TGTB)/libvmcfg.a
