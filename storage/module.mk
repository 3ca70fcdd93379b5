# storage/: block-device interface, VHD library, host `vhd` tool, tests.
STORAGE_LIB_SRCS := storage/blockdev.c storage/vhd/vhd_format.c \
  storage/vhd/vhd_open.c storage/vhd/vhd_io.c storage/vhd/vhd_batch.c storage/vhd/vhd_create.c \
  storage/vhd/vhd_merge.c storage/vhd/vhd_live.c storage/vhd/vhd_live_rec.c \
  storage/vhd/vhd_blockdev.c storage/vhd/vhd_claim.c \
  storage/ptable.c
# storvsp and the SCSI disk it serves (they also need libvmbus).
STORVSP_SRCS := storage/scsi_disk.c storage/storvsp/storvsp.c \
  storage/storvsp/storvsp_srb.c storage/storvsp/storvsp_save.c
STORAGE_HOST_SRCS := storage/host/fio_posix.c storage/host/fio_uring.c
# What storage uses from lib/ (GPT checksums). The parent gets it from
# liblib.a; host builds compile it in.
STORAGE_LIB_DEPS := lib/crc32.c

STORAGE_HOST_OBJS := $(STORAGE_LIB_SRCS:%.c=$(HOSTB)/%.o) $(STORAGE_LIB_DEPS:%.c=$(HOSTB)/%.o)
STORAGE_PX_HOST_OBJ := $(STORAGE_HOST_SRCS:%.c=$(HOSTB)/%.o)
STORAGE_FUZZ_OBJS := $(STORAGE_LIB_SRCS:%.c=$(FUZZB)/%.o) $(STORAGE_LIB_DEPS:%.c=$(FUZZB)/%.o)
STORAGE_TGT_OBJS := $(STORAGE_LIB_SRCS:%.c=$(TGTB)/%.o) $(STORVSP_SRCS:%.c=$(TGTB)/%.o)
STORVSP_HOST_OBJS := $(STORVSP_SRCS:%.c=$(HOSTB)/%.o)
STORVSP_FUZZ_OBJS := $(STORVSP_SRCS:%.c=$(FUZZB)/%.o)

# Target library for the parent partition.
$(TGTB)/libstorage.a: $(STORAGE_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
PARENT_LIBS += $(TGTB)/libstorage.a

# Host library (ASan/UBSan) for tests and the tool.
$(HOSTB)/libstorage.a: $(STORAGE_HOST_OBJS) $(STORAGE_PX_HOST_OBJ) $(STORVSP_HOST_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The `vhd` host tool.  Built optimised without sanitizers: it is a user
# tool and the benchmark runs it against qemu-io.
STORAGE_TOOL_SRCS := tools/vhd/vhd_main.c tools/vhd/vhd_cmds.c tools/vhd/vhd_xfer.c \
  tools/vhd/vhd_livecmd.c \
  $(STORAGE_LIB_SRCS) $(STORAGE_LIB_DEPS) $(STORAGE_HOST_SRCS)
$(BUILD)/tools/vhd: $(STORAGE_TOOL_SRCS) $(wildcard storage/*.h storage/*/*.h tools/vhd/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -I. -o $@ $(STORAGE_TOOL_SRCS)
TOOLS += $(BUILD)/tools/vhd

# Unit tests (cmocka, ASan+UBSan) over an in-memory file system.
STORAGE_UT_SRCS := tests/unit/storage/test_vhd.c tests/unit/storage/memfs.c
STORAGE_UT_OBJS := $(STORAGE_UT_SRCS:%.c=$(HOSTB)/%.o)
$(HOSTB)/tests/unit/storage/test_vhd: $(STORAGE_UT_OBJS) $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
STORAGE_UT2_SRCS := tests/unit/storage/test_vhd_crash.c tests/unit/storage/memfs.c
STORAGE_UT2_OBJS := $(STORAGE_UT2_SRCS:%.c=$(HOSTB)/%.o)
$(HOSTB)/tests/unit/storage/test_vhd_crash: $(STORAGE_UT2_OBJS) $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
# The chain-open rules (vhd_claim.c) over chains in memfs.
$(HOSTB)/tests/unit/storage/test_vhd_claim: $(HOSTB)/tests/unit/storage/test_vhd_claim.o \
  $(HOSTB)/tests/unit/storage/memfs.o $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
# Live merge (vhd_live.c): interleaved with reads and writes, and cut.
$(HOSTB)/tests/unit/storage/test_vhd_live: $(HOSTB)/tests/unit/storage/test_vhd_live.o \
  $(HOSTB)/tests/unit/storage/memfs.o $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
# The batched read path against the one-pread-a-run one (vhd_batch.c).
$(HOSTB)/tests/unit/storage/test_vhd_batch: $(HOSTB)/tests/unit/storage/test_vhd_batch.o \
  $(HOSTB)/tests/unit/storage/memfs.o $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
# fio_posix's read_batch (io_uring) on real files.
$(HOSTB)/tests/unit/storage/test_fio_posix: $(HOSTB)/tests/unit/storage/test_fio_posix.o \
  $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/storage/test_fio_posix
HOST_TESTS += $(HOSTB)/tests/unit/storage/test_vhd \
  $(HOSTB)/tests/unit/storage/test_vhd_crash $(HOSTB)/tests/unit/storage/test_vhd_claim \
  $(HOSTB)/tests/unit/storage/test_vhd_live $(HOSTB)/tests/unit/storage/test_vhd_batch

# Oracle scripts (qemu-img / qemu-io / libvhdi) against our tool.
HOST_TESTS += tests/unit/storage/oracle_qemu.sh tests/unit/storage/oracle_chain.sh \
  tests/unit/storage/oracle_live.sh
HOST_DEPS += $(BUILD)/tools/vhd

# libFuzzer: open + read of corrupted images.
$(FUZZB)/tests/fuzz/fuzz_vhd_open: $(FUZZB)/tests/fuzz/fuzz_vhd_open.o \
  $(FUZZB)/tests/unit/storage/memfs.o $(STORAGE_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_vhd_open
# libFuzzer: damaged live-merge records over real crash states.
$(FUZZB)/tests/fuzz/fuzz_vhd_live: $(FUZZB)/tests/fuzz/fuzz_vhd_live.o \
  $(FUZZB)/tests/unit/storage/memfs.o $(STORAGE_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_vhd_live

# Benchmark: our library vs qemu-io on the same files.
STORAGE_HDRS := $(wildcard storage/*.h storage/*/*.h tools/vhd/*.h tests/bench/storage/*.h)
$(BUILD)/bench/vhd_bench: tests/bench/storage/vhd_bench.c $(STORAGE_LIB_SRCS) $(STORAGE_LIB_DEPS) \
  $(STORAGE_HOST_SRCS) $(STORAGE_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) -std=gnu11 -O2 $(WARN) -D_GNU_SOURCE -I. -o $@ $(filter %.c,$^)
BENCHES += tests/bench/storage/vhd
tests/bench/storage/vhd: $(BUILD)/bench/vhd_bench $(BUILD)/tools/vhd
# Merges (offline and live) against qemu-img commit (issue 19).
BENCHES += tests/bench/storage/merge
tests/bench/storage/merge: $(BUILD)/tools/vhd

# The tool again with ASan+UBSan, used by the oracle scripts so that real
# qemu/libvhdi-made files also run through the sanitizers.
STORAGE_TOOL_HOST_OBJS := $(patsubst %.c,$(HOSTB)/%.o,tools/vhd/vhd_main.c \
  tools/vhd/vhd_cmds.c tools/vhd/vhd_xfer.c tools/vhd/vhd_livecmd.c)
$(HOSTB)/tools/vhd/vhd: $(STORAGE_TOOL_HOST_OBJS) $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^
HOST_DEPS += $(HOSTB)/tools/vhd/vhd

# The benchmarks' shared request patterns (storage/bench_pattern.h).
$(HOSTB)/tests/unit/storage/test_bench_pattern: $(HOSTB)/tests/unit/storage/test_bench_pattern.o
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/storage/test_bench_pattern

# The view backend of storage/blockdev.c (pass-through disks).
$(HOSTB)/tests/unit/storage/test_blockdev: $(HOSTB)/tests/unit/storage/test_blockdev.o $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/storage/test_blockdev

# Partition tables: unit tests (zlib's crc32 as the checksum oracle) and a
# libFuzzer target that reads a table from the input bytes as a disk.
$(HOSTB)/tests/unit/storage/test_ptable: $(HOSTB)/tests/unit/storage/test_ptable.o $(HOSTB)/libstorage.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS) -lz
HOST_TESTS += $(HOSTB)/tests/unit/storage/test_ptable
$(FUZZB)/tests/fuzz/fuzz_ptable: $(FUZZB)/tests/fuzz/fuzz_ptable.o $(FUZZB)/storage/blockdev.o \
  $(FUZZB)/storage/ptable.o $(FUZZB)/lib/crc32.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_ptable

# storvsp: driven through vmbus's client and server over the vmbus test
# harness (mock guest memory), with RAM and dynamic-VHD disks.
STORVSP_UT_OBJS := $(HOSTB)/tests/unit/storage/storvsp_fix.o \
  $(HOSTB)/tests/unit/storage/memfs.o $(HOSTB)/tests/unit/vmbus/harness.o
$(HOSTB)/tests/unit/storage/test_storvsp $(HOSTB)/tests/unit/storage/test_storvsp_scsi \
  $(HOSTB)/tests/unit/storage/test_storvsp_save: \
  $(HOSTB)/tests/unit/storage/%: $(HOSTB)/tests/unit/storage/%.o $(STORVSP_UT_OBJS) \
  $(HOSTB)/libstorage.a $(HOSTB)/libvmbus.a
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LIBS)
HOST_TESTS += $(HOSTB)/tests/unit/storage/test_storvsp \
  $(HOSTB)/tests/unit/storage/test_storvsp_scsi \
  $(HOSTB)/tests/unit/storage/test_storvsp_save

# libFuzzer: the storvsp packet handler fed arbitrary packets.
$(FUZZB)/tests/fuzz/fuzz_storvsp: $(FUZZB)/tests/fuzz/fuzz_storvsp.o $(STORVSP_FUZZ_OBJS) \
  $(FUZZB)/storage/blockdev.o \
  $(patsubst %.c,$(FUZZB)/%.o,vmbus/ring.c vmbus/msg.c vmbus/chan.c vmbus/pkt.c)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_storvsp
# libFuzzer: storvsp_restore on damaged saved states, then a guest going on.
$(FUZZB)/tests/fuzz/fuzz_storvsp_state: $(FUZZB)/tests/fuzz/fuzz_storvsp_state.o \
  $(STORVSP_FUZZ_OBJS) $(FUZZB)/storage/blockdev.o \
  $(patsubst %.c,$(FUZZB)/%.o,vmbus/ring.c vmbus/msg.c vmbus/chan.c vmbus/pkt.c)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^
FUZZERS += $(FUZZB)/tests/fuzz/fuzz_storvsp_state

# Benchmark: storvsp over a dynamic VHD vs the VHD library directly.
STORVSP_BENCH_SRCS := tests/bench/storage/storvsp_bench.c $(STORAGE_LIB_SRCS) \
  $(STORAGE_LIB_DEPS) $(STORAGE_HOST_SRCS) $(STORVSP_SRCS) \
  vmbus/ring.c vmbus/msg.c vmbus/chan.c vmbus/pkt.c
$(BUILD)/bench/storvsp_bench: $(STORVSP_BENCH_SRCS) $(STORAGE_HDRS) $(wildcard vmbus/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) -std=gnu11 -O2 $(WARN) -D_GNU_SOURCE -I. -o $@ $(filter %.c,$^)
BENCHES += tests/bench/storage/storvsp
tests/bench/storage/storvsp: $(BUILD)/bench/storvsp_bench
