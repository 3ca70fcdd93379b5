# partition/drivers/: parent drivers with their own host tests. The e1000
# driver and its switch uplink are portable (hooks only): libe1000.a for
# the parent (bound to PCI devices by partition/pnic.c), host tests
# against a register-level model (test_e1000) and with a real switch
# (test_e1000_uplink).

E1000_SRCS := partition/drivers/e1000.c partition/drivers/e1000_uplink.c
$(TGTB)/libe1000.a: $(E1000_SRCS:%.c=$(TGTB)/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libe1000.a

E1000_TEST := $(HOSTB)/tests/unit/devices/test_e1000
$(E1000_TEST): $(E1000_TEST).o $(HOSTB)/tests/unit/devices/e1000_model.o \
               $(HOSTB)/partition/drivers/e1000.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(E1000_TEST)

E1000_UPLINK_TEST := $(HOSTB)/tests/unit/devices/test_e1000_uplink
$(E1000_UPLINK_TEST): $(E1000_UPLINK_TEST).o $(HOSTB)/tests/unit/devices/e1000_model.o \
               $(E1000_SRCS:%.c=$(HOSTB)/%.o) \
               $(addprefix $(HOSTB)/vswitch/,vsw_frame.o vsw_mac.o vsw_pool.o vsw_switch.o vsw_fwd.o)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(E1000_UPLINK_TEST)

# The disk registry's rules (Set-Disk -IsOffline, pass-through claims) on
# RAM disks.
DISK_TEST := $(HOSTB)/tests/unit/devices/test_disk
$(DISK_TEST): $(DISK_TEST).o $(HOSTB)/partition/drivers/disk.o $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(DISK_TEST)
