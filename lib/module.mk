# lib/: low-level code that hv, the parent, the test guests and the host
# tests share, one copy each:
#   pio.h    port-I/O wrappers (header only)
#   uart.h   16550 polled transmit (header only)
#   x86_gprs.h  assembler macros saving/restoring the GPRs of a trap frame
#   elf.h    ELF32/ELF64 structures (header only)
#   spinlock.h  a ticket lock for the parent's processors (header only)
#   crc32.c  CRC-32 (IEEE 802.3 / zlib / GPT)
#   frame.c  physical frame allocator (bitmap, owner tracking)
# The parent links liblib.a (PARENT_LIBS); hv compiles frame.c into libhvmm.a with its
# own freestanding flags (hv/module.mk); host tests link the objects.
LIB_SRCS := lib/crc32.c lib/frame.c

$(TGTB)/liblib.a: $(LIB_SRCS:%.c=$(TGTB)/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/liblib.a

$(HOSTB)/tests/unit/lib/test_frame: $(HOSTB)/tests/unit/lib/test_frame.o $(HOSTB)/lib/frame.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(HOSTB)/tests/unit/lib/test_crc32: $(HOSTB)/tests/unit/lib/test_crc32.o $(HOSTB)/lib/crc32.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

# spinlock.h is header only: its test is the one object.
$(HOSTB)/tests/unit/lib/test_spinlock: $(HOSTB)/tests/unit/lib/test_spinlock.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)

HOST_TESTS += $(HOSTB)/tests/unit/lib/test_frame $(HOSTB)/tests/unit/lib/test_crc32 \
              $(HOSTB)/tests/unit/lib/test_spinlock
