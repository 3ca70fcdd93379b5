# partition/console: the parent console core (line editor, cmdlet parser,
# tables). Portable: built for the target as libconsole.a and for the host
# (unit tests, fuzzers).
CONSOLE_SRCS := partition/console/lineedit.c partition/console/cmd.c \
                partition/console/cmd_conv.c partition/console/cmd_help.c \
                partition/console/table.c partition/console/cmd_lex.c \
                partition/console/cmd_bind.c partition/console/cmd_pipe.c \
                partition/console/cmd_var.c partition/console/cmd_where.c \
                partition/console/cmd_core.c partition/console/cmd_regex.c \
                partition/console/obj.c partition/console/cmd_complete.c \
                partition/console/cmd_common.c partition/console/cmd_text.c
CONSOLE_HOST_OBJS := $(CONSOLE_SRCS:%.c=$(HOSTB)/%.o)
CONSOLE_FUZZ_OBJS := $(CONSOLE_SRCS:%.c=$(FUZZB)/%.o)
CONSOLE_TGT_OBJS  := $(CONSOLE_SRCS:%.c=$(TGTB)/%.o)

$(TGTB)/libconsole.a: $(CONSOLE_TGT_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

CONSOLE_TESTS := $(HOSTB)/tests/unit/console/test_lineedit \
                 $(HOSTB)/tests/unit/console/test_cmd \
                 $(HOSTB)/tests/unit/console/test_table \
                 $(HOSTB)/tests/unit/console/test_pipe \
                 $(HOSTB)/tests/unit/console/test_text \
                 $(HOSTB)/tests/unit/console/test_common \
                 $(HOSTB)/tests/unit/console/test_alias

$(CONSOLE_TESTS): %: %.o $(CONSOLE_HOST_OBJS)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@ $(HOST_LIBS)

CONSOLE_FUZZERS := $(FUZZB)/tests/fuzz/fuzz_console \
                   $(FUZZB)/tests/fuzz/fuzz_console_cmd \
                   $(FUZZB)/tests/fuzz/fuzz_console_pipe

$(CONSOLE_FUZZERS): %: %.o $(CONSOLE_FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

.PHONY: console-test
console-test: $(CONSOLE_TESTS) $(CONSOLE_FUZZERS)
	@tests/run-host.sh --fuzz-seconds $(FUZZ_SECONDS) \
	  --tests "$(CONSOLE_TESTS)" --fuzzers "$(CONSOLE_FUZZERS)"

HOST_TESTS  += $(CONSOLE_TESTS)
FUZZERS     += $(CONSOLE_FUZZERS)
PARENT_LIBS += $(TGTB)/libconsole.a
