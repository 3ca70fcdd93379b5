# partition/acpi: a child partition's ACPI tables (portable): libacpi.a for
# the parent, host objects for the unit test. The DSDT is dsdt.asl compiled
# by iasl (Debian acpica-tools) into a C array at build time.
ACPI_SRCS := partition/acpi/acpi_tables.c partition/acpi/acpi_dsdt.c
ACPI_GEN  := $(BUILD)/gen/partition/acpi
ACPI_HOST_OBJS := $(ACPI_SRCS:%.c=$(HOSTB)/%.o)
ACPI_TGT_OBJS  := $(ACPI_SRCS:%.c=$(TGTB)/%.o)

# iasl -tc writes dsdt.aml and dsdt.hex (a C array); the array is made
# static const so that it is this file's own. Any iasl error fails the build.
$(ACPI_GEN)/dsdt.hex: partition/acpi/dsdt.asl
	@mkdir -p $(@D)
	iasl -vi -p $(ACPI_GEN)/dsdt -tc $< >$(ACPI_GEN)/iasl.log 2>&1 || \
	  { cat $(ACPI_GEN)/iasl.log; exit 1; }
	sed -i 's/^unsigned char dsdt_aml_code/static const unsigned char dsdt_aml_code/' $@

$(HOSTB)/partition/acpi/acpi_dsdt.o $(TGTB)/partition/acpi/acpi_dsdt.o: $(ACPI_GEN)/dsdt.hex
$(HOSTB)/partition/acpi/acpi_dsdt.o: HOST_CFLAGS += -I$(ACPI_GEN)
$(TGTB)/partition/acpi/acpi_dsdt.o: TARGET_CFLAGS += -I$(ACPI_GEN)

$(TGTB)/libacpi.a: $(ACPI_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

PARENT_LIBS += $(TGTB)/libacpi.a

ACPI_TB := $(HOSTB)/tests/unit/acpi
ACPI_TESTS := $(ACPI_TB)/test_acpi
$(ACPI_TESTS): $(ACPI_TB)/test_acpi.o $(ACPI_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

.PHONY: acpi-test
acpi-test: $(ACPI_TESTS)
	@tests/run-host.sh --tests "$(ACPI_TESTS)"

HOST_TESTS += $(ACPI_TESTS)
