# Test guests: freestanding 32-bit Multiboot kernels for child partitions.
# Included from tests/module.mk, or used on its own:
#   make -f tests/guests/guests.mk guests
# Each tests/guests/NAME/*.c and *.S links with the runtime in tests/guests/lib/
# and a Multiboot v1 header into build/guests/NAME.elf; those in
# GUESTS_MB2_NAMES also with a Multiboot v2 header as NAME-mb2.elf.
BUILD ?= build
GUESTS_DIR     := tests/guests
GUESTS_OUT     := $(BUILD)/guests
GUESTS_OBJ     := $(GUESTS_OUT)/obj
GUESTS_CC      := gcc
GUESTS_CFLAGS  := -m32 -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
                  -fno-stack-protector -fno-asynchronous-unwind-tables \
                  -mno-sse -mno-mmx -mno-80387 -fno-builtin \
                  -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow \
                  -I$(GUESTS_DIR)/lib -I. -MMD -MP
GUESTS_LDS     := $(GUESTS_DIR)/lib/linker.ld
GUESTS_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
                  -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack \
                  -Wl,--no-warn-rwx-segments -T $(GUESTS_LDS)
GUESTS_NAMES   := hello timer ids spin hostile bench synic vsc xstate cpumsr apicbase xapic debug idetest counter smp stortest nettest
# Also linked over Multiboot v2 as NAME-mb2.elf, so that GRUB boots them
# bare (the same guest bare and in a child, issue 12).
GUESTS_MB2_NAMES := hello bench xstate cpumsr apicbase xapic debug smp
comma := ,

GUESTS_LIB_SRCS := $(wildcard $(GUESTS_DIR)/lib/*.c) \
                   $(GUESTS_DIR)/lib/entry.S $(GUESTS_DIR)/lib/hypercall.S
GUESTS_LIB_OBJS := $(patsubst $(GUESTS_DIR)/%,$(GUESTS_OBJ)/%.o,$(GUESTS_LIB_SRCS))
GUESTS_MB1_OBJ  := $(GUESTS_OBJ)/lib/mb1.S.o
GUESTS_MB2_OBJ  := $(GUESTS_OBJ)/lib/mb2.S.o

$(GUESTS_OBJ)/%.c.o: $(GUESTS_DIR)/%.c
	@mkdir -p $(@D)
	$(GUESTS_CC) $(GUESTS_CFLAGS) -c $< -o $@

$(GUESTS_OBJ)/%.S.o: $(GUESTS_DIR)/%.S
	@mkdir -p $(@D)
	$(GUESTS_CC) $(GUESTS_CFLAGS) -c $< -o $@

# $(1): output ELF, $(2): guest objects, $(3): Multiboot header object,
# $(4): extra link flags.
define GUESTS_LINK
$(1): $(2) $(3) $$(GUESTS_LIB_OBJS) $$(GUESTS_LDS)
	@mkdir -p $$(@D)
	$$(GUESTS_CC) $$(GUESTS_LDFLAGS) $(4) $(3) $$(GUESTS_LIB_OBJS) $(2) -o $$@
endef

GUESTS_OBJS_OF = $(patsubst $(GUESTS_DIR)/%,$(GUESTS_OBJ)/%.o,\
                 $(wildcard $(GUESTS_DIR)/$(1)/*.c $(GUESTS_DIR)/$(1)/*.S))

# vmbus/'s client library, for the vsc guest: the portable sources built
# 32-bit, with tests/guests/libc/ standing in for errno.h and string.h.
GUESTS_VMBUS_SRCS := vmbus/msg.c vmbus/ring.c vmbus/chan.c vmbus/pkt.c vmbus/client.c vmbus/ic.c
GUESTS_VMBUS_OBJS := $(patsubst %,$(GUESTS_OBJ)/%.o,$(GUESTS_VMBUS_SRCS))
# tests/guests/vgl/: the page pool and SynIC reading the three share.
GUESTS_VGL_OBJS   := $(GUESTS_OBJ)/vgl/vgl.c.o
GUESTS_EXTRA_vsc  := $(GUESTS_VMBUS_OBJS) $(GUESTS_VGL_OBJS)
GUESTS_EXTRA_stortest := $(GUESTS_VMBUS_OBJS) $(GUESTS_VGL_OBJS)
GUESTS_EXTRA_nettest := $(GUESTS_VMBUS_OBJS) $(GUESTS_VGL_OBJS)

$(GUESTS_OBJ)/vmbus/%.c.o: vmbus/%.c
	@mkdir -p $(@D)
	$(GUESTS_CC) $(GUESTS_CFLAGS) -I$(GUESTS_DIR)/libc -c $< -o $@

$(foreach g,$(GUESTS_NAMES),$(eval $(call GUESTS_LINK,$(GUESTS_OUT)/$(g).elf,\
  $(call GUESTS_OBJS_OF,$(g)) $(GUESTS_EXTRA_$(g)),$(GUESTS_MB1_OBJ))))
$(foreach g,$(GUESTS_MB2_NAMES),$(eval $(call GUESTS_LINK,$(GUESTS_OUT)/$(g)-mb2.elf,\
  $(call GUESTS_OBJS_OF,$(g)),$(GUESTS_MB2_OBJ))))
$(eval $(call GUESTS_LINK,$(GUESTS_OUT)/hello-low.elf,\
  $(call GUESTS_OBJS_OF,hello),$(GUESTS_MB1_OBJ),-Wl$(comma)--defsym=guest_load_base=0x8000))

GUESTS_ELFS := $(patsubst %,$(GUESTS_OUT)/%.elf,$(GUESTS_NAMES)) \
               $(patsubst %,$(GUESTS_OUT)/%-mb2.elf,$(GUESTS_MB2_NAMES)) \
               $(GUESTS_OUT)/hello-low.elf

.PHONY: guests
guests: $(GUESTS_ELFS)

-include $(shell find $(GUESTS_OBJ) -name '*.d' 2>/dev/null)
