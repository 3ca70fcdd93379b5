# partition/net/: the parent's IP stack (issue 16 item 4). lwIP comes from
# Debian's lwip source package, fetched once into build/lwip/ by
# tools/fetch-lwip.sh (a private apt configuration; nothing on the host
# changes) and compiled here with our options (port/lwipopts.h,
# port/arch/cc.h) for the parent and, with the sanitizers, for the host
# tests. The glue (pnet.c, portable; pnet_sys.c, the parent's clock) ties
# one lwIP interface to each internal switch's host port.

LWIP_DIR   := $(BUILD)/lwip
LWIP_STAMP := $(LWIP_DIR)/VERSION
LWIP_SRC   := $(LWIP_DIR)/src/src
LWIP_INCS  := -Ipartition/net/port -isystem $(LWIP_SRC)/include
# The part of lwIP the options above use: the core, IPv4 and Ethernet
# (lwIP's own src/Filelists.mk names the same files COREFILES and
# CORE4FILES; TCP, IPv6 and the APIs are left out).
LWIP_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c \
	core/timeouts.c core/udp.c core/ipv4/autoip.c core/ipv4/dhcp.c core/ipv4/etharp.c \
	core/ipv4/icmp.c core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	netif/ethernet.c
LWIP_OPTS  := partition/net/port/lwipopts.h partition/net/port/arch/cc.h

$(LWIP_STAMP): tools/fetch-lwip.sh
	tools/fetch-lwip.sh $(LWIP_DIR)

# lwIP is third-party code: compiled with warnings, not with our -Werror
# and prototype rules.
LWIP_TGT_CFLAGS := -std=gnu11 -O2 -g -Wall $(TARGET_ARCH) $(LWIP_INCS) \
	-isystem $(NEWLIB)/include -D__HVPART_TARGET__
# Static pattern rules: a plain pattern rule with no source prerequisite
# would let make's built-in rules chain into it (it tried to remake the
# .d files as build/target/lwip/core/init.d.o).
LWIP_TGT_OBJS := $(LWIP_FILES:%.c=$(TGTB)/lwip/%.o)
$(LWIP_TGT_OBJS): $(TGTB)/lwip/%.o: $(LWIP_STAMP) $(LWIP_OPTS) $(NEWLIB)/lib/libc.a
	@mkdir -p $(@D)
	$(TARGET_CC) $(LWIP_TGT_CFLAGS) -MMD -MP -c $(LWIP_SRC)/$*.c -o $@
$(TGTB)/liblwip.a: $(LWIP_TGT_OBJS)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/liblwip.a

LWIP_HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -D_GNU_SOURCE $(LWIP_INCS)
LWIP_HOST_OBJS := $(LWIP_FILES:%.c=$(HOSTB)/lwip/%.o)
$(LWIP_HOST_OBJS): $(HOSTB)/lwip/%.o: $(LWIP_STAMP) $(LWIP_OPTS)
	@mkdir -p $(@D)
	$(HOST_CC) $(LWIP_HOST_CFLAGS) -MMD -MP -c $(LWIP_SRC)/$*.c -o $@

# The glue: pnet.c is portable (vswitch/ and lwIP only), pnet_sys.c is the
# parent's (its clock). Both see lwIP's headers.
# (partition/module.mk has computed PARENT_OBJS already: appended here.)
PNET_TGT_OBJS := $(TGTB)/partition/net/pnet.o $(TGTB)/partition/net/pnet_sys.o
PARENT_OBJS += $(PNET_TGT_OBJS)
PNET_OBJS := $(PNET_TGT_OBJS) $(HOSTB)/partition/net/pnet.o $(HOSTB)/tests/unit/net/unit_pnet.o
$(PNET_OBJS): TARGET_CFLAGS += $(LWIP_INCS)
$(PNET_OBJS): HOST_CFLAGS += $(LWIP_INCS)
$(PNET_OBJS): | $(LWIP_STAMP)

# (vswitch/module.mk is read after this file: its lists are not set yet.)
PNET_VSW_HOST_OBJS := $(patsubst %.c,$(HOSTB)/%.o,$(wildcard vswitch/vsw_*.c))
# Host test: the glue on a real switch, lwIP answering ARP and echo and
# pinging a scripted station (tests/unit/net/unit_pnet.c).
$(HOSTB)/tests/unit/net/unit_pnet: $(HOSTB)/tests/unit/net/unit_pnet.o \
		$(HOSTB)/partition/net/pnet.o $(LWIP_HOST_OBJS) $(PNET_VSW_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/net/unit_pnet

# libFuzzer target: a guest's frames into lwIP through the switch.
LWIP_FUZZ_OBJS := $(LWIP_FILES:%.c=$(FUZZB)/lwip/%.o)
$(LWIP_FUZZ_OBJS): $(FUZZB)/lwip/%.o: $(LWIP_STAMP) $(LWIP_OPTS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(LWIP_INCS) -w -MMD -MP -c $(LWIP_SRC)/$*.c -o $@
PNET_FUZZ_OBJS := $(FUZZB)/partition/net/pnet.o $(FUZZB)/tests/fuzz/fuzz_pnet.o
$(PNET_FUZZ_OBJS): FUZZ_CFLAGS += $(LWIP_INCS)
$(PNET_FUZZ_OBJS): | $(LWIP_STAMP)
$(FUZZB)/tests/fuzz/fuzz_pnet: $(PNET_FUZZ_OBJS) $(LWIP_FUZZ_OBJS) \
		$(patsubst %.c,$(FUZZB)/%.o,$(wildcard vswitch/vsw_*.c))
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_pnet
