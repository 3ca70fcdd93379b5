# partition/drivers/: parent drivers with their own host tests. The e1000
# driver is portable (hooks only): libe1000.a for the parent (not yet
# bound to a PCI device), a host test against a register-level model.

E1000_SRCS := partition/drivers/e1000.c
$(TGTB)/libe1000.a: $(E1000_SRCS:%.c=$(TGTB)/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libe1000.a

E1000_TEST := $(HOSTB)/tests/unit/devices/test_e1000
$(E1000_TEST): $(E1000_TEST).o $(HOSTB)/tests/unit/devices/e1000_model.o \
               $(E1000_SRCS:%.c=$(HOSTB)/%.o)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(E1000_TEST)
