# hv: the hypervisor image (Multiboot2 ELF64, linked at 2 MiB by linker.ld).
# Freestanding: no libc, general-purpose registers only (the x87/SSE/AVX
# registers hold a guest's state; hv/core/xstate.c switches them between
# vCPUs and nothing else in hv touches them), own string.h.

# The virtualisation backend linked into hv.elf (hv/arch/x86/$(HV_ARCH)/).
HV_ARCH := vmx
HV_GCC_INC := $(shell $(TARGET_CC) -print-file-name=include)
HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(HV_GCC_INC) -Ihv/include -Ihv/arch/x86/$(HV_ARCH)/include -I. \
	-mgeneral-regs-only -mno-red-zone \
	-fno-pic -fno-pie -fno-stack-protector -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer
# `make trace` builds build/hv-trace.elf, hv with the exit and entry trace
# (hv/include/hv/trace.h), from its own objects in build/hv-trace.
ifeq ($(HV_TRACE),1)
HV_CFLAGS += -DHV_TRACE
HVB := $(BUILD)/hv-trace
HV_ELF := $(BUILD)/hv-trace.elf
else
HV_ELF := $(BUILD)/hv.elf
endif

# hv links from static libraries, one per layer (docs/ARCHITECTURE.md,
# "hv's libraries"):
#   libhvcore.a      generic: hv/main.c, hv/boot/, hv/core/
#   libhvmm.a        generic memory management: hv/mm/, lib/frame.c
#   libhvlib.a       hv's runtime: string, formatting, log (hv/lib/)
#   libhvx86.a       x86 code any backend shares (hv/arch/x86/*.c, entry.S)
#   libhvarch-vmx.a  the VT-x backend (hv/arch/x86/vmx/)
# The backend's objects are first linked into one relocatable object whose
# only global definitions are the arch_* functions of hv/include/hv/arch.h;
# every vmx_* symbol becomes local. A generic object that calls vmx_* (or
# reads vmx_caps) therefore fails the link of hv.elf with "undefined
# reference". The generic libraries are linked whole, so every generic
# object is checked, used or not. An SVM backend is HV_ARCH := svm, built
# the same way from hv/arch/x86/svm/ (HV_ARCH above).
HV_CORE_SRCS := hv/main.c hv/boot/mb2.c hv/boot/memory.c hv/boot/parent.c \
	hv/core/cpuid.c hv/core/msr.c hv/core/hypercall.c hv/core/partition.c \
	hv/core/pages.c hv/core/child.c hv/core/sched.c hv/core/vlapic.c \
	hv/core/intercept.c hv/core/io.c hv/core/mmio.c hv/core/synic.c hv/core/synic_vp.c \
	hv/core/percpu.c hv/core/xstate.c hv/core/mtrr.c hv/core/trace.c hv/core/gpadl.c
HV_MM_SRCS := lib/frame.c hv/mm/ept.c hv/mm/pagetable.c hv/mm/pool.c
HV_LIB_SRCS := hv/lib/string.c hv/lib/fmt.c hv/lib/log.c
HV_X86_SRCS := hv/arch/x86/entry.S hv/arch/x86/cpu.c hv/arch/x86/insn.c hv/arch/x86/insn_len.c
HV_ARCH_SRCS := $(wildcard hv/arch/x86/$(HV_ARCH)/*.c hv/arch/x86/$(HV_ARCH)/*.S)
HV_BOOT_OBJ := $(HVB)/hv/arch/x86/boot.o

hv_objs = $(patsubst %,$(HVB)/%.o,$(basename $(1)))
HV_GENERIC_LIBS := $(HVB)/libhvcore.a $(HVB)/libhvsynic.a $(HVB)/libhvmm.a $(HVB)/libhvlib.a
HV_ARCH_LIBS := $(HVB)/libhvarch-$(HV_ARCH).a $(HVB)/libhvx86.a

$(HVB)/libhvcore.a: $(call hv_objs,$(HV_CORE_SRCS))
$(HVB)/libhvmm.a: $(call hv_objs,$(HV_MM_SRCS))
$(HVB)/libhvlib.a: $(call hv_objs,$(HV_LIB_SRCS))
$(HVB)/libhvx86.a: $(call hv_objs,$(HV_X86_SRCS))
$(HVB)/libhvcore.a $(HVB)/libhvmm.a $(HVB)/libhvlib.a $(HVB)/libhvx86.a:
	@rm -f $@
	ar rcs $@ $^

$(HVB)/libhvarch-$(HV_ARCH).a: $(call hv_objs,$(HV_ARCH_SRCS))
	@rm -f $@
	ld -r -o $(HVB)/arch-$(HV_ARCH)-all.o $^
	objcopy --wildcard --keep-global-symbol='arch_*' $(HVB)/arch-$(HV_ARCH)-all.o \
		$(HVB)/arch-$(HV_ARCH).o
	ar rcs $@ $(HVB)/arch-$(HV_ARCH).o

$(HVB)/%.o: %.c
	@mkdir -p $(@D)
	$(TARGET_CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(HVB)/%.o: %.S
	@mkdir -p $(@D)
	$(TARGET_CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(HV_ELF): $(HV_BOOT_OBJ) $(HV_GENERIC_LIBS) $(HV_ARCH_LIBS) linker.ld
	$(TARGET_CC) -nostdlib -static -no-pie -Wl,-T,linker.ld \
		-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -o $@ $(HV_BOOT_OBJ) \
		-Wl,--whole-archive $(HV_GENERIC_LIBS) -Wl,--no-whole-archive \
		-Wl,--start-group $(HV_ARCH_LIBS) -Wl,--end-group

# Host test of the portable instruction decoder.
$(HOSTB)/tests/unit/hv/test_insn: $(HOSTB)/tests/unit/hv/test_insn.o $(HOSTB)/hv/arch/x86/insn.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn

# Host test of the intercepted-instruction length decoder (SVM without NRIPS).
$(HOSTB)/tests/unit/hv/test_insn_len: $(HOSTB)/tests/unit/hv/test_insn_len.o $(HOSTB)/hv/arch/x86/insn_len.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn_len

# Host test of the XSETBV rules and XSAVE sizes (hv/core/xstate.h).
$(HOSTB)/tests/unit/hv/test_xstate: $(HOSTB)/tests/unit/hv/test_xstate.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_xstate
