# partition/loader: child-partition kernel loader (Multiboot v1/v2 and the
# Linux x86 64-bit boot protocol). Portable: libloader.a for the parent, host
# objects for unit tests and the fuzzer.
LDR_SRCS := partition/loader/ldr_common.c partition/loader/ldr_image.c \
            partition/loader/multiboot.c partition/loader/mb_info.c \
            partition/loader/linux.c
LDR_HOST_OBJS := $(LDR_SRCS:%.c=$(HOSTB)/%.o)
LDR_FUZZ_OBJS := $(LDR_SRCS:%.c=$(FUZZB)/%.o)
LDR_TGT_OBJS  := $(LDR_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libloader.a: $(LDR_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

PARENT_LIBS += $(TGTB)/libloader.a

# Test kernels: real Multiboot v1 ELF32 and Multiboot2 ELF64 images built
# from tests/unit/loader/kern.c and embedded into the test with .incbin.
LDR_TB := $(HOSTB)/tests/unit/loader
LDR_KFLAGS := -ffreestanding -nostdlib -static -fno-pic -fno-pie -no-pie -O1 \
              -Wall -Werror -Wl,--build-id=none -Wl,-z,max-page-size=0x1000
$(LDR_TB)/kern_mb1_32.elf: tests/unit/loader/kern.c tests/unit/loader/kern32.ld
	@mkdir -p $(@D)
	$(HOST_CC) -m32 $(LDR_KFLAGS) -T tests/unit/loader/kern32.ld $< -o $@
$(LDR_TB)/kern_mb2_64.elf: tests/unit/loader/kern.c tests/unit/loader/kern64.ld
	@mkdir -p $(@D)
	$(HOST_CC) -m64 -DMB2 -mcmodel=kernel -mno-red-zone $(LDR_KFLAGS) \
	  -T tests/unit/loader/kern64.ld $< -o $@
$(LDR_TB)/kernels.o: tests/unit/loader/kernels.S $(LDR_TB)/kern_mb1_32.elf \
                     $(LDR_TB)/kern_mb2_64.elf
	$(HOST_CC) -c $< -o $@ -DKERN32='"$(LDR_TB)/kern_mb1_32.elf"' \
	  -DKERN64='"$(LDR_TB)/kern_mb2_64.elf"'

LDR_TESTS := $(LDR_TB)/test_multiboot $(LDR_TB)/test_bzimage
$(LDR_TB)/test_multiboot: $(LDR_TB)/test_multiboot.o $(LDR_TB)/kernels.o \
                          $(LDR_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)
$(LDR_TB)/test_bzimage: $(LDR_TB)/test_bzimage.o $(LDR_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

LDR_FUZZERS := $(FUZZB)/tests/fuzz/fuzz_loader $(FUZZB)/tests/fuzz/fuzz_bzimage
$(LDR_FUZZERS): %: %.o $(LDR_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

.PHONY: loader-test
loader-test: $(LDR_TESTS) $(LDR_FUZZERS)
	@tests/run-host.sh --fuzz-seconds $(FUZZ_SECONDS) \
	  --tests "$(LDR_TESTS)" --fuzzers "$(LDR_FUZZERS)"

HOST_TESTS += $(LDR_TESTS)
FUZZERS    += $(LDR_FUZZERS)
