# hv memory-management and boot-parsing libraries: host tests and fuzzers.
# (hv itself compiles hv/boot/mb2.c, hv/mm/{pagetable,ept}.c with its
# own freestanding flags; see hv/module.mk.)

HVCORE_TESTS := $(HOSTB)/tests/unit/hv/test_mb2 \
	$(HOSTB)/tests/unit/hv/test_madt \
	$(HOSTB)/tests/unit/hv/test_ept \
	$(HOSTB)/tests/unit/hv/test_npt \
	$(HOSTB)/tests/unit/hv/test_pagetable

$(HOSTB)/tests/unit/hv/test_mb2: $(HOSTB)/tests/unit/hv/test_mb2.o \
		$(HOSTB)/hv/boot/mb2.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

HVCORE_PT_OBJS := $(HOSTB)/hv/mm/pagetable.o $(HOSTB)/tests/unit/hv/fakemem.o

$(HOSTB)/tests/unit/hv/test_ept: $(HOSTB)/tests/unit/hv/test_ept.o \
		$(HOSTB)/hv/mm/ept.o $(HVCORE_PT_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(HOSTB)/tests/unit/hv/test_npt: $(HOSTB)/tests/unit/hv/test_npt.o \
		$(HOSTB)/hv/mm/ept.o $(HVCORE_PT_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(HOSTB)/tests/unit/hv/test_pagetable: $(HOSTB)/tests/unit/hv/test_pagetable.o \
		$(HVCORE_PT_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(FUZZB)/fuzz_mb2: $(FUZZB)/tests/fuzz/fuzz_mb2.o $(FUZZB)/hv/boot/mb2.o
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^

$(HOSTB)/tests/unit/hv/test_madt: $(HOSTB)/tests/unit/hv/test_madt.o \
		$(HOSTB)/hv/boot/madt.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
$(FUZZB)/fuzz_madt: $(FUZZB)/tests/fuzz/fuzz_madt.o $(FUZZB)/hv/boot/madt.o
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^

HOST_TESTS += $(HVCORE_TESTS)
FUZZERS += $(FUZZB)/fuzz_mb2 $(FUZZB)/fuzz_madt

# The GPADL table (hv/mm/gpadl.c) over a fake page space: host test and a
# fuzzer driving map/unmap/delete sequences against a model.
GPADL_FAKE := tests/unit/hv/fakegpadl.o hv/mm/gpadl.o
$(HOSTB)/tests/unit/hv/test_gpadl: $(HOSTB)/tests/unit/hv/test_gpadl.o \
		$(addprefix $(HOSTB)/,$(GPADL_FAKE))
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
$(FUZZB)/fuzz_gpadl: $(FUZZB)/tests/fuzz/fuzz_gpadl.o $(addprefix $(FUZZB)/,$(GPADL_FAKE))
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_gpadl
FUZZERS += $(FUZZB)/fuzz_gpadl
