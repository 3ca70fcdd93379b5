# ahcitest: freestanding Multiboot2 kernel that drives the parent's AHCI
# driver (partition/drivers/ahci.c, pci.c, compiled unchanged) under QEMU
# TCG; tests/system/test_ahci.py boots it. Included from tests/module.mk:
#   include tests/guests/ahcitest/module.mk
# or used on its own:
#   make -f tests/guests/ahcitest/module.mk build/guests/ahcitest.elf
BUILD ?= build
AHCITEST_DIR    := tests/guests/ahcitest
AHCITEST_OUT    := $(BUILD)/guests/ahcitest
AHCITEST_ELF    := $(BUILD)/guests/ahcitest.elf
AHCITEST_CC     := gcc
AHCITEST_CFLAGS := -m32 -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie \
                   -fno-stack-protector -fno-asynchronous-unwind-tables \
                   -mno-sse -mno-mmx -mno-80387 -fno-builtin -nostdinc -isystem $(shell $(AHCITEST_CC) -print-file-name=include) \
                   -I$(AHCITEST_DIR)/include -I. \
                   -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -MMD -MP
AHCITEST_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
                    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T $(AHCITEST_DIR)/linker.ld
AHCITEST_OBJS   := $(AHCITEST_OUT)/entry.o $(AHCITEST_OUT)/main.o \
                   $(AHCITEST_OUT)/ahci.o $(AHCITEST_OUT)/pci.o \
                   $(AHCITEST_OUT)/ata_string.o

$(AHCITEST_OUT)/%.o: $(AHCITEST_DIR)/%.S
	@mkdir -p $(@D)
	$(AHCITEST_CC) $(AHCITEST_CFLAGS) -c $< -o $@

$(AHCITEST_OUT)/%.o: $(AHCITEST_DIR)/%.c
	@mkdir -p $(@D)
	$(AHCITEST_CC) $(AHCITEST_CFLAGS) -c $< -o $@

$(AHCITEST_OUT)/%.o: partition/drivers/%.c
	@mkdir -p $(@D)
	$(AHCITEST_CC) $(AHCITEST_CFLAGS) -c $< -o $@

$(AHCITEST_ELF): $(AHCITEST_OBJS) $(AHCITEST_DIR)/linker.ld
	@mkdir -p $(@D)
	$(AHCITEST_CC) $(AHCITEST_LDFLAGS) $(AHCITEST_OBJS) -o $@

-include $(AHCITEST_OBJS:.o=.d)

.PHONY: ahcitest
ahcitest: $(AHCITEST_ELF)
