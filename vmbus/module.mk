# vmbus: ring buffers, channel messages, channel server (host) and client
# (guest). Portable library built for host tests, fuzzers and the target.
VMBUS_SRCS := vmbus/ring.c vmbus/msg.c
VMBUS_HOST_OBJS := $(VMBUS_SRCS:%.c=$(HOSTB)/%.o)
VMBUS_TGT_OBJS := $(VMBUS_SRCS:%.c=$(TGTB)/%.o)
VMBUS_UT := tests/unit/vmbus

# newlib's <stdatomic.h> (FreeBSD-derived) wraps _Atomic in a struct and
# cannot act on _Atomic-qualified objects; use the compiler's own header,
# which is freestanding. Only stdatomic.h is overridden.
VMBUS_ATOMIC_INC := $(TGTB)/vmbus-inc
$(VMBUS_ATOMIC_INC)/stdatomic.h:
	@mkdir -p $(@D)
	ln -sf $$($(TARGET_CC) -print-file-name=include)/stdatomic.h $@
$(VMBUS_TGT_OBJS): TARGET_CFLAGS += -I$(VMBUS_ATOMIC_INC)
$(VMBUS_TGT_OBJS): $(VMBUS_ATOMIC_INC)/stdatomic.h

$(TGTB)/libvmbus.a: $(VMBUS_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libvmbus.a

$(HOSTB)/libvmbus.a: $(VMBUS_HOST_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
