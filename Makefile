# hvpart: top-level build.
#
# Each layer contributes a fragment, <dir>/module.mk (or <dir>/<sub>/module.mk),
# included below. A fragment adds rules and appends to these lists:
#   HOST_TESTS   host test executables (cmocka or scripts) run by `make test`;
#                each prints TAP lines ("ok N - name" / "not ok N - name").
#   HOST_DEPS    extra files a host test needs built first (tools, fixtures).
#   FUZZERS      libFuzzer binaries; `make test` runs each for FUZZ_SECONDS.
#   BENCHES      executables/scripts printing "bench NAME: VALUE UNIT (target T)".
#   TOOLS        host tools built by `make tools` into build/tools/.
#   PARENT_LIBS  target static libraries (build/target/lib*.a) of the layers
#                the parent partition is made of; the one list the parent is
#                linked from (rule below the includes). Each is linked whole
#                (--whole-archive), so every object of every layer is in
#                build/parent.elf and must link for the target: a missing
#                symbol or two layers defining one fails the build, not the
#                first caller that lands later. A new target library appends
#                itself here and nowhere else.
# Generic pattern rules compile any source tree for three flavours:
#   build/host/%.o   Linux, ASan+UBSan, for unit tests
#   build/fuzz/%.o   clang libFuzzer + ASan + UBSan
#   build/target/%.o bare-metal x86-64 parent partition (newlib, mcmodel=kernel)
# hv's own objects use build/hv/%.o (no libc, no SSE); see hv/module.mk.

.DEFAULT_GOAL := all
SHELL := /bin/bash
BUILD ?= build
HOSTB := $(BUILD)/host
FUZZB := $(BUILD)/fuzz
TGTB  := $(BUILD)/target
HVB   := $(BUILD)/hv

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow

HOST_CC      ?= gcc
HOST_CFLAGS  := -std=gnu11 -g -O1 $(WARN) -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
                -D_GNU_SOURCE -I.
HOST_LDFLAGS := -fsanitize=address,undefined
HOST_LIBS    := -lcmocka -lpthread

FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -D_GNU_SOURCE -I.
FUZZ_SECONDS ?= 10

# Bare-metal target: the parent partition and the portable libraries it links.
NEWLIB       := $(BUILD)/newlib/x86_64-elf
TARGET_CC    := gcc
TARGET_ARCH  := -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                -mno-red-zone -mcmodel=kernel -fno-asynchronous-unwind-tables
# -fbuiltin after -ffreestanding (which implies -fno-builtin): the parent
# has a C library (newlib), so GCC may expand memcpy, memcmp and memset of
# a known small size in place, as a hosted build does (a MAC's 6 bytes,
# a packet descriptor), instead of calling newlib for each. With the
# builtins GCC also checks snprintf, memcpy and restrict arguments; its
# -Wformat-truncation is off: the console's fixed fields (names, reasons)
# cut long text short on purpose, and it cannot see the length checks made
# before them.
TARGET_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Wno-format-truncation $(TARGET_ARCH) -fbuiltin -I. \
                 -isystem $(NEWLIB)/include -D__HVPART_TARGET__

HOST_TESTS :=
HOST_DEPS  :=
FUZZERS    :=
BENCHES    :=
TOOLS      :=
PARENT_LIBS :=

$(HOSTB)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZB)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(TGTB)/%.o: %.c $(NEWLIB)/lib/libc.a
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -MMD -MP -c $< -o $@

$(TGTB)/%.o: %.S
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) -MMD -MP -c $< -o $@

include $(sort $(wildcard */module.mk */*/module.mk))

# The parent partition: its own objects (PARENT_OBJS, partition/module.mk)
# and every layer's library. Here, after the includes, because prerequisites
# are expanded when a rule is read and PARENT_LIBS is complete only now.
# -z noexecstack: newlib's assembly (memset.S) has no .note.GNU-stack, and
# ld would warn that it implies an executable stack, a property that means
# nothing to a kernel loaded by hv.
$(BUILD)/parent.elf: $(PARENT_OBJS) $(PARENT_LIBS) partition/parent.ld $(NEWLIB)/lib/libc.a
	$(TARGET_CC) -nostdlib -static -no-pie -Wl,-T,partition/parent.ld \
		-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(PARENT_OBJS) \
		-Wl,--whole-archive $(PARENT_LIBS) -Wl,--no-whole-archive \
		$(NEWLIB)/lib/libc.a -lgcc

.PHONY: all tools deps test test-host test-system bench run clean newlib trace

# The bootable images: hv, the parent, and the demo script for `make run`.
# hvpart.iso boots the VT-x image, hvpart-svm.iso the SVM one
# (docs/ARCHITECTURE.md, "The SVM backend").
ISO := $(BUILD)/hvpart.iso
ISO_SVM := $(BUILD)/hvpart-svm.iso
all: $(ISO) $(ISO_SVM) tools

$(ISO): $(BUILD)/hv.elf $(BUILD)/parent.elf tools/mkiso
	tools/mkiso -o $@

$(ISO_SVM): $(BUILD)/hv-svm.elf $(BUILD)/parent.elf tools/mkiso
	tools/mkiso --hv $(BUILD)/hv-svm.elf -o $@

DEMO_GUESTS := $(addprefix $(BUILD)/guests/,hello.elf timer.elf ids.elf spin.elf mb2echo.elf smp.elf)
$(BUILD)/hvpart-demo.iso: $(BUILD)/hv.elf $(BUILD)/parent.elf tools/mkiso tools/demo/autorun $(DEMO_GUESTS)
	tools/mkiso --autorun tools/demo/autorun $(addprefix --add ,$(DEMO_GUESTS)) -o $@
# Its SVM twin (tools/run boots it on SVM platforms).
$(BUILD)/hvpart-demo-svm.iso: $(BUILD)/hv-svm.elf $(BUILD)/parent.elf tools/mkiso tools/demo/autorun $(DEMO_GUESTS)
	tools/mkiso --hv $(BUILD)/hv-svm.elf --autorun tools/demo/autorun $(addprefix --add ,$(DEMO_GUESTS)) -o $@

tools: $(TOOLS)

# `make test` and `make run` set a fresh Debian 12 machine up first.
# Everything the system scenarios build is built here, before they run
# two at a time (tests/run-tests.sh), so no two make the same file at once.
SYSTEM_PREREQS := all $(MB2ECHO_ELF) $(GUESTS_ELFS) $(BUILD)/hvpart-demo.iso \
                  $(BUILD)/hvpart-demo-svm.iso $(BUILD)/demo-vol.img
# The build uses every core (the sanitizer and fuzzer builds are most of
# it), as the suites then do.
NPROC := $(shell nproc 2>/dev/null || echo 1)
test: deps
	@$(MAKE) -j$(NPROC) --no-print-directory $(SYSTEM_PREREQS) $(HOST_TESTS) $(HOST_DEPS) $(FUZZERS)
	@tests/run-tests.sh

test-system: deps
	@$(MAKE) -j$(NPROC) --no-print-directory $(SYSTEM_PREREQS)
	@tests/run-tests.sh --system-only

# The demo host volume (drive C:): sample guests and a VHD with a note.
# Rebuilt only when missing, so what you change in it survives a rerun.
# Its Linux child comes from Debian's packages (tools/mkguest-linux, which
# needs a Debian mirror; without one the demo runs without Linux).
$(BUILD)/demo-vol.img: | $(DEMO_GUESTS)
	tools/mkguest-linux $(BUILD)/linux-guest || echo "make run: no Linux guest for the demo (see above)"
	tools/demo/mkhostvol $@ --linux $(BUILD)/linux-guest $(DEMO_GUESTS)

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/hvpart-demo.iso $(BUILD)/hvpart-demo-svm.iso $(BUILD)/demo-vol.img
	@tools/run $(BUILD)/hvpart-demo.iso -- --megs 512 --disk $(BUILD)/demo-vol.img

deps:
	@tools/deps.sh
	@$(MAKE) --no-print-directory newlib

newlib: $(NEWLIB)/lib/libc.a

$(NEWLIB)/lib/libc.a:
	tools/build-newlib.sh $(BUILD)/newlib "$(TARGET_ARCH)"

test-host: $(HOST_TESTS) $(HOST_DEPS) $(FUZZERS)
	@tests/run-host.sh --fuzz-seconds $(FUZZ_SECONDS) \
	  --tests "$(HOST_TESTS)" --fuzzers "$(FUZZERS)"

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@for b in $(BENCHES); do $$b || echo "bench $$b: FAILED"; done

# hv with the exit and entry trace (docs/benchmarks.md, "Profiling").
trace:
	@$(MAKE) --no-print-directory HV_TRACE=1 $(BUILD)/hv-trace.elf

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
