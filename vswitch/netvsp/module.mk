# vswitch/netvsp/: the synthetic NIC's host side (NVSP + RNDIS) as a switch
# port. Portable: libnetvsp.a for the parent, host objects for tests,
# fuzzers and the bench. Depends on vmbus/ and vswitch/ only.

NETVSP_SRCS := vswitch/netvsp/netvsp_nvsp.c vswitch/netvsp/netvsp_rx.c \
               vswitch/netvsp/netvsp_rndis.c vswitch/netvsp/netvsp_oid.c
NETVSP_HDRS := vswitch/netvsp/netvsp.h vswitch/netvsp/netvsp_internal.h \
               vswitch/netvsp/nvsp_wire.h vswitch/netvsp/rndis_wire.h

$(TGTB)/libnetvsp.a: $(NETVSP_SRCS:%.c=$(TGTB)/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libnetvsp.a
