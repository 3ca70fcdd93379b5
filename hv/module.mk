# hv: the hypervisor image (Multiboot2 ELF64, linked at 2 MiB by linker.ld).
# Freestanding: no libc, general-purpose registers only (hv must never
# touch the guests' SSE/AVX state, which it does not save), own string.h.

HV_GCC_INC := $(shell $(TARGET_CC) -print-file-name=include)
HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(HV_GCC_INC) -Ihv/include -Ihv/arch/x86/vmx/include -I. -mgeneral-regs-only -mno-red-zone \
	-fno-pic -fno-pie -fno-stack-protector -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer

HV_SRCS := hv/arch/x86/boot.S hv/arch/x86/entry.S hv/arch/x86/cpu.c \
	hv/arch/x86/vmx/vmx.c hv/arch/x86/vmx/vmx_exit.c hv/arch/x86/vmx/vmx_entry.S \
	hv/lib/string.c hv/lib/fmt.c hv/lib/log.c \
	hv/core/cpuid.c hv/core/msr.c hv/core/hypercall.c hv/core/partition.c \
	hv/core/pages.c hv/core/child.c hv/core/sched.c hv/core/vlapic.c \
	hv/core/intercept.c hv/core/io.c hv/core/mmio.c hv/core/synic.c hv/core/percpu.c \
	hv/arch/x86/vmx/vmx_vcpu.c hv/arch/x86/insn.c \
	hv/boot/mb2.c hv/boot/memory.c hv/boot/parent.c \
	hv/mm/frame.c hv/mm/ept.c hv/mm/pagetable.c hv/mm/pool.c \
	hv/main.c
HV_OBJS := $(patsubst %,$(HVB)/%.o,$(basename $(HV_SRCS)))

$(HVB)/%.o: %.c
	@mkdir -p $(@D)
	$(TARGET_CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(HVB)/%.o: %.S
	@mkdir -p $(@D)
	$(TARGET_CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv.elf: $(HV_OBJS) linker.ld
	$(TARGET_CC) -nostdlib -static -no-pie -Wl,-T,linker.ld \
		-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -o $@ $(HV_OBJS)

# Host test of the portable instruction decoder.
$(HOSTB)/tests/unit/hv/test_insn: $(HOSTB)/tests/unit/hv/test_insn.o $(HOSTB)/hv/arch/x86/insn.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/hv/test_insn
