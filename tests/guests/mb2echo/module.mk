# mb2echo: Multiboot2 test guest for the system-test harness.
# Included by the top-level Makefile, or used on its own:
#   make -f tests/guests/mb2echo/module.mk build/guests/mb2echo.elf
BUILD ?= build
MB2ECHO_DIR    := tests/guests/mb2echo
MB2ECHO_OUT    := $(BUILD)/guests/mb2echo
MB2ECHO_ELF    := $(BUILD)/guests/mb2echo.elf
MB2ECHO_CC     := gcc
MB2ECHO_CFLAGS := -m32 -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie \
                  -fno-stack-protector -fno-asynchronous-unwind-tables \
                  -mno-sse -mno-mmx -Wall -Wextra -Werror -I.
MB2ECHO_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
                   -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T $(MB2ECHO_DIR)/linker.ld
MB2ECHO_OBJS   := $(MB2ECHO_OUT)/entry.o $(MB2ECHO_OUT)/main.o

$(MB2ECHO_OUT)/%.o: $(MB2ECHO_DIR)/%.S
	@mkdir -p $(@D)
	$(MB2ECHO_CC) $(MB2ECHO_CFLAGS) -c $< -o $@

$(MB2ECHO_OUT)/%.o: $(MB2ECHO_DIR)/%.c
	@mkdir -p $(@D)
	$(MB2ECHO_CC) $(MB2ECHO_CFLAGS) -c $< -o $@

$(MB2ECHO_ELF): $(MB2ECHO_OBJS) $(MB2ECHO_DIR)/linker.ld
	@mkdir -p $(@D)
	$(MB2ECHO_CC) $(MB2ECHO_LDFLAGS) $(MB2ECHO_OBJS) -o $@

.PHONY: mb2echo
mb2echo: $(MB2ECHO_ELF)
