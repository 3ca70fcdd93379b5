# hv: the hypervisor image (Multiboot2 ELF64, linked at 2 MiB by linker.ld).
# Freestanding: no libc, general-purpose registers only (the x87/SSE/AVX
# registers hold a guest's state; hv/core/xstate.c switches them between
# vCPUs and nothing else in hv touches them), own string.h.

# Two hv images, one per virtualisation backend (docs/ARCHITECTURE.md,
# "hv's libraries" and "The SVM backend"): build/hv.elf with VT-x
# (hv/arch/x86/vmx/) and build/hv-svm.elf with AMD SVM (hv/arch/x86/svm/).
# Every hv object is compiled once per backend, into $(BUILD)/hv and
# $(BUILD)/hv-svm: struct vcpu embeds the backend's struct arch_vcpu.
# Freestanding: no libc, general-purpose registers only (the x87/SSE/AVX
# registers hold a guest's state; hv/core/xstate.c switches them between
# vCPUs and nothing else in hv touches them), own string.h.
HV_ARCHES := vmx svm
HV_GCC_INC := $(shell $(TARGET_CC) -print-file-name=include)
# `make trace` builds build/hv-trace.elf (and build/hv-svm-trace.elf), hv
# with the exit and entry trace (hv/include/hv/trace.h), from their own
# objects in build/hv-trace and build/hv-svm-trace.
ifeq ($(HV_TRACE),1)
HV_TRACE_CFLAGS := -DHV_TRACE
HV_TRACE_SUFFIX := -trace
HVB := $(BUILD)/hv-trace
endif
hv_cflags = -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(HV_GCC_INC) -Ihv/include -Ihv/arch/x86/$(1)/include -I. \
	-mgeneral-regs-only -mno-red-zone \
	-fno-pic -fno-pie -fno-stack-protector -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer $(HV_TRACE_CFLAGS)
HVB_vmx := $(HVB)
HVB_svm := $(BUILD)/hv-svm$(HV_TRACE_SUFFIX)
HV_ELF_vmx := $(BUILD)/hv$(HV_TRACE_SUFFIX).elf
HV_ELF_svm := $(BUILD)/hv-svm$(HV_TRACE_SUFFIX).elf
HV_ELF := $(HV_ELF_vmx)

# hv links from static libraries, one per layer (docs/ARCHITECTURE.md,
# "hv's libraries"):
#   libhvcore.a      generic: hv/main.c, hv/boot/, hv/core/
#   libhvmm.a        generic memory management: hv/mm/, lib/frame.c
#   libhvlib.a       hv's runtime: string, formatting, log (hv/lib/)
#   libhvx86.a       x86 code any backend shares (hv/arch/x86/*.c, entry.S)
#   libhvarch-ARCH.a the backend (hv/arch/x86/ARCH/)
# The backend's objects are first linked into one relocatable object whose
# only global definitions are the arch_* functions of hv/include/hv/arch.h;
# every vmx_* or svm_* symbol becomes local. A generic object that calls
# one (or reads vmx_caps) therefore fails the link with "undefined
# reference". The generic libraries are linked whole, so every generic
# object is checked, used or not.
HV_CORE_SRCS := hv/main.c hv/boot/mb2.c hv/boot/memory.c hv/boot/parent.c \
	hv/core/cpuid.c hv/core/msr.c hv/core/hypercall.c hv/core/partition.c \
	hv/core/pages.c hv/core/child.c hv/core/sched.c hv/core/sched_share.c hv/core/sched_hlt.c hv/core/vlapic.c \
	hv/core/intercept.c hv/core/io.c hv/core/io_string.c hv/core/mmio.c hv/core/guestmem.c hv/core/synic.c hv/core/synic_vp.c \
	hv/core/percpu.c hv/core/xstate.c hv/core/mtrr.c hv/core/trace.c hv/core/gpadl.c \
	hv/core/vpctx.c hv/core/vpctx_check.c hv/core/ipi.c hv/core/smp.c hv/core/smp_run.c hv/boot/madt.c \
	hv/core/capture.c hv/core/parent_vp.c
HV_MM_SRCS := lib/frame.c hv/mm/ept.c hv/mm/pagetable.c hv/mm/pool.c hv/mm/gpadl.c
HV_LIB_SRCS := hv/lib/string.c hv/lib/fmt.c hv/lib/log.c
HV_X86_SRCS := hv/arch/x86/entry.S hv/arch/x86/cpu.c hv/arch/x86/insn.c hv/arch/x86/insn_alu.c hv/arch/x86/insn_string.c \
	hv/arch/x86/insn_len.c hv/arch/x86/pagewalk.c hv/arch/x86/smp.c hv/arch/x86/lapic_timer.c hv/arch/x86/ap_tramp.S
HV_BOOT_OBJ := $(HVB)/hv/arch/x86/boot.o

# $(call hv_image,ARCH): the libraries and the image of one backend.
define hv_image
HV_ARCH_SRCS_$(1) := $$(wildcard hv/arch/x86/$(1)/*.c hv/arch/x86/$(1)/*.S)
HV_GENERIC_LIBS_$(1) := $$(addprefix $$(HVB_$(1))/,libhvcore.a libhvsynic.a libhvmm.a libhvlib.a)
HV_ARCH_LIBS_$(1) := $$(HVB_$(1))/libhvarch-$(1).a $$(HVB_$(1))/libhvx86.a

$$(HVB_$(1))/libhvcore.a: $$(patsubst %,$$(HVB_$(1))/%.o,$$(basename $$(HV_CORE_SRCS)))
$$(HVB_$(1))/libhvmm.a: $$(patsubst %,$$(HVB_$(1))/%.o,$$(basename $$(HV_MM_SRCS)))
$$(HVB_$(1))/libhvlib.a: $$(patsubst %,$$(HVB_$(1))/%.o,$$(basename $$(HV_LIB_SRCS)))
$$(HVB_$(1))/libhvx86.a: $$(patsubst %,$$(HVB_$(1))/%.o,$$(basename $$(HV_X86_SRCS)))
$$(HVB_$(1))/libhvcore.a $$(HVB_$(1))/libhvmm.a $$(HVB_$(1))/libhvlib.a $$(HVB_$(1))/libhvx86.a:
	@rm -f $$@
	ar rcs $$@ $$^

$$(HVB_$(1))/libhvarch-$(1).a: $$(patsubst %,$$(HVB_$(1))/%.o,$$(basename $$(HV_ARCH_SRCS_$(1))))
	@rm -f $$@
	ld -r -o $$(HVB_$(1))/arch-$(1)-all.o $$^
	objcopy --wildcard --keep-global-symbol='arch_*' $$(HVB_$(1))/arch-$(1)-all.o \
		$$(HVB_$(1))/arch-$(1).o
	ar rcs $$@ $$(HVB_$(1))/arch-$(1).o

$$(HVB_$(1))/%.o: %.c
	@mkdir -p $$(@D)
	$$(TARGET_CC) $$(call hv_cflags,$(1)) -MMD -MP -c $$< -o $$@

$$(HVB_$(1))/%.o: %.S
	@mkdir -p $$(@D)
	$$(TARGET_CC) $$(call hv_cflags,$(1)) -MMD -MP -c $$< -o $$@

$$(HV_ELF_$(1)): $$(HV_BOOT_OBJ) $$(HV_GENERIC_LIBS_$(1)) $$(HV_ARCH_LIBS_$(1)) linker.ld
	$$(TARGET_CC) -nostdlib -static -no-pie -Wl,-T,linker.ld \
		-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -o $$@ $$(HV_BOOT_OBJ) \
		-Wl,--whole-archive $$(HV_GENERIC_LIBS_$(1)) -Wl,--no-whole-archive \
		-Wl,--start-group $$(HV_ARCH_LIBS_$(1)) -Wl,--end-group
endef
$(foreach a,$(HV_ARCHES),$(eval $(call hv_image,$(a))))
# Kept for fragments that name them (the VT-x image's).
HV_GENERIC_LIBS := $(HV_GENERIC_LIBS_vmx)
HV_CFLAGS := $(call hv_cflags,vmx)

# Host test of the portable instruction decoder.
$(HOSTB)/tests/unit/hv/test_insn: $(HOSTB)/tests/unit/hv/test_insn.o $(HOSTB)/hv/arch/x86/insn.o \
		$(HOSTB)/hv/arch/x86/insn_alu.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn

# Host test of MUL IMUL DIV IDIV and the new string forms' decoding, with
# the host CPU as the oracle.
$(HOSTB)/tests/unit/hv/test_insn_muldiv: $(HOSTB)/tests/unit/hv/test_insn_muldiv.o \
		$(HOSTB)/hv/arch/x86/insn.o $(HOSTB)/hv/arch/x86/insn_alu.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn_muldiv

# Host test of STOS/MOVS and REP (with the decoder).
$(HOSTB)/tests/unit/hv/test_insn_string: $(HOSTB)/tests/unit/hv/test_insn_string.o \
		$(HOSTB)/hv/arch/x86/insn_string.o $(HOSTB)/hv/arch/x86/insn.o \
		$(HOSTB)/hv/arch/x86/insn_alu.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn_string

# Host test of the intercepted-instruction length decoder (SVM without NRIPS).
$(HOSTB)/tests/unit/hv/test_insn_len: $(HOSTB)/tests/unit/hv/test_insn_len.o $(HOSTB)/hv/arch/x86/insn_len.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn_len

# Host test of child vCPU placement on the APs (hv/core/smp_place.h).
$(HOSTB)/tests/unit/hv/test_smp_place: $(HOSTB)/tests/unit/hv/test_smp_place.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_smp_place

# Host test of the XSETBV rules and XSAVE sizes (hv/core/xstate.h).
$(HOSTB)/tests/unit/hv/test_xstate: $(HOSTB)/tests/unit/hv/test_xstate.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_xstate

# Host test of the guest page walker.
$(HOSTB)/tests/unit/hv/test_pagewalk: $(HOSTB)/tests/unit/hv/test_pagewalk.o $(HOSTB)/hv/arch/x86/pagewalk.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_pagewalk

# libFuzzer targets: the decoder and ALU, the MOV DR and length decoders, and the guest page walker.
$(FUZZB)/fuzz_insn: $(FUZZB)/tests/fuzz/fuzz_insn.o $(FUZZB)/hv/arch/x86/insn.o \
		$(FUZZB)/hv/arch/x86/insn_string.o $(FUZZB)/hv/arch/x86/insn_alu.o \
		$(FUZZB)/hv/arch/x86/insn_len.o
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^
$(FUZZB)/fuzz_pagewalk: $(FUZZB)/tests/fuzz/fuzz_pagewalk.o $(FUZZB)/hv/arch/x86/pagewalk.o
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^
FUZZERS += $(FUZZB)/fuzz_insn $(FUZZB)/fuzz_pagewalk

# libFuzzer: the import checks of a vCPU context (hv/core/vpctx_check.c),
# which a saved-state file feeds (docs/vm-config.md "Saved state"); it
# builds against hv's headers and the host's CPUID (MAXPHYADDR).
$(FUZZB)/hv/core/vpctx_check.o $(FUZZB)/tests/fuzz/fuzz_vpctx.o: FUZZ_CFLAGS += -Ihv/include -Ihv/arch/x86/vmx/include
$(FUZZB)/fuzz_vpctx: $(FUZZB)/tests/fuzz/fuzz_vpctx.o $(FUZZB)/hv/core/vpctx_check.o
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^
FUZZERS += $(FUZZB)/fuzz_vpctx
