# partition/fs: the ext2 host-volume driver. Portable C: built for the target
# as libext2.a and for the host (cmocka unit tests against mke2fs images,
# checked by e2fsck; a libFuzzer target on the mount path).
EXT2_SRCS := partition/fs/ext2_super.c partition/fs/ext2_alloc.c \
             partition/fs/ext2_inode.c partition/fs/ext2_dir.c \
             partition/fs/ext2_path.c partition/fs/ext2_rename.c \
             partition/fs/ext2_file.c
EXT2_HOST_OBJS := $(EXT2_SRCS:%.c=$(HOSTB)/%.o)
EXT2_FUZZ_OBJS := $(EXT2_SRCS:%.c=$(FUZZB)/%.o)
EXT2_TGT_OBJS  := $(EXT2_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libext2.a: $(EXT2_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

PARENT_LIBS += $(TGTB)/libext2.a

EXT2_TEST_NAMES := test_ext2_read test_ext2_write test_ext2_ns test_ext2_model \
                   test_ext2_corrupt test_ext2_edge test_ext2_replace
EXT2_TESTS := $(EXT2_TEST_NAMES:%=$(HOSTB)/tests/unit/ext2/%)
EXT2_HARNESS := $(HOSTB)/tests/unit/ext2/ext2_harness.o

$(EXT2_TESTS): %: %.o $(EXT2_HARNESS) $(EXT2_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

HOST_TESTS += $(EXT2_TESTS) tests/unit/ext2/test_mkvol.sh

EXT2_FUZZER := $(FUZZB)/tests/fuzz/fuzz_ext2
$(EXT2_FUZZER): %: %.o $(EXT2_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
FUZZERS += $(EXT2_FUZZER)

$(BUILD)/tools/mkvol: tools/mkvol
	@mkdir -p $(@D)
	cp $< $@ && chmod +x $@
TOOLS += $(BUILD)/tools/mkvol

.PHONY: ext2-test
ext2-test: $(EXT2_TESTS) $(EXT2_FUZZER)
	@tests/run-host.sh --fuzz-seconds $(FUZZ_SECONDS) \
	  --tests "$(EXT2_TESTS) tests/unit/ext2/test_mkvol.sh" --fuzzers "$(EXT2_FUZZER)"
