/* Unit tests for the VM configuration format (partition/vmconfig/,
 * docs/vm-config.md): round trips, every [VM] key, unknown keys and
 * sections kept, and bad files refused with the right line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "partition/vmconfig/vmcfg.h"

static const char full[] =
	"# made by hand\n"
	"[VM]\n"
	"Name = web 1\n"
	"VMId = 0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b36\n"
	"MemoryStartupBytes = 32MB\n"
	"ProcessorCount = 2\n"
	"ProcessorRelativeWeight = 250\n"
	"processorreserve = 10\n"
	"ProcessorMaximum = 75\n"
	"Kernel = C:\\guests\\hello.elf\n"
	"Initrd = C:\\linux\\initrd.img\n"
	"Module = B:\\mod1\n"
	"Module = C:\\m 2.bin\n"
	"KernelArgs = console=ttyS0 # not a comment\n"
	"Notes = \"  two\\tspaces \\\"q\\\" \\\\ \\x01\\n\"\n"
	"AutomaticStartAction = startifrunning\n"
	"AutomaticStopAction = ShutDown\n"
	"WasRunning = true\n"
	"Future = kept as is\n"
	"\n"
	"[HardDrive]\n"
	"Path = C:\\vhd\\a.vhd\n"
	"  ; indented comment\n"
	"[HardDrive]\n"
	"Path = C:\\vhd\\b.vhd\n";

static void parse_ok(const char *text, struct vmcfg_doc *doc)
{
	struct vmcfg_error err;
	int rc = vmcfg_parse(text, strlen(text), doc, &err);

	if (rc)
		fail_msg("line %d: %s", err.line, err.msg);
}

static void get_ok(const struct vmcfg_doc *doc, struct vmcfg_vm *vm, int *unk)
{
	struct vmcfg_error err;

	if (vmcfg_get_vm(doc, vm, unk, &err))
		fail_msg("line %d: %s", err.line, err.msg);
}

static void test_every_key(void **state)
{
	static const uint8_t id[16] = { 0x2e, 0x6c, 0x3a, 0x0f, 0x1d, 0x9b, 0x57, 0x4e,
					0x8a, 0x40, 0x5c, 0x2f, 0x1e, 0x9d, 0x7b, 0x36 };
	struct vmcfg_doc doc;
	struct vmcfg_vm vm;
	int unk;

	(void)state;
	parse_ok(full, &doc);
	get_ok(&doc, &vm, &unk);
	assert_string_equal(vm.name, "web 1");
	assert_memory_equal(vm.vmid, id, 16);
	assert_int_equal(vm.memory_bytes, 32u << 20);
	assert_int_equal(vm.processors, 2);
	assert_string_equal(vm.kernel, "C:\\guests\\hello.elf");
	assert_string_equal(vm.initrd, "C:\\linux\\initrd.img");
	assert_int_equal(vm.nmodules, 2);
	assert_string_equal(vm.modules[0], "B:\\mod1");
	assert_string_equal(vm.modules[1], "C:\\m 2.bin");
	assert_string_equal(vm.kernel_args, "console=ttyS0 # not a comment");
	assert_string_equal(vm.notes, "  two\tspaces \"q\" \\ \x01\n");
	assert_int_equal(vm.start_action, VMCFG_START_IF_RUNNING);
	assert_int_equal(vm.stop_action, VMCFG_STOP_SHUT_DOWN);
	assert_true(vm.was_running);
	assert_int_equal(vm.weight, 250);
	assert_int_equal(vm.reserve_pct, 10);
	assert_int_equal(vm.max_pct, 75);
	assert_int_equal(unk, 19);   /* Future */
	assert_int_equal(vmcfg_section_count(&doc, "harddrive"), 2);
	assert_string_equal(vmcfg_get(vmcfg_section(&doc, "HardDrive", 1), "path"), "C:\\vhd\\b.vhd");
	assert_null(vmcfg_section(&doc, "HardDrive", 2));
	vmcfg_free(&doc);
}

static void test_defaults(void **state)
{
	static const char min[] = "[VM]\nName=x\nVMId=00000000-0000-0000-0000-000000000001\n"
				  "MemoryStartupBytes=4194304\nKernel=hello.elf\n";
	struct vmcfg_doc doc;
	struct vmcfg_vm vm;
	int unk;

	(void)state;
	parse_ok(min, &doc);
	get_ok(&doc, &vm, &unk);
	assert_int_equal(unk, 0);
	assert_int_equal(vm.processors, 1);
	assert_int_equal(vm.weight, 100);
	assert_int_equal(vm.reserve_pct, 0);
	assert_int_equal(vm.max_pct, 100);
	assert_int_equal(vm.memory_bytes, 4u << 20);
	assert_int_equal(vm.nmodules, 0);
	assert_string_equal(vm.kernel_args, "");
	assert_int_equal(vm.start_action, VMCFG_START_NOTHING);
	assert_int_equal(vm.stop_action, VMCFG_STOP_TURN_OFF);
	assert_false(vm.was_running);
	vmcfg_free(&doc);
}

/* The file written from a VM reads back to the same VM, and unknown keys
 * and sections survive in their places. */
static void test_round_trip(void **state)
{
	struct vmcfg_doc doc, back;
	struct vmcfg_vm vm, vm2;
	size_t len;
	char *text, *text2;
	int unk;

	(void)state;
	parse_ok(full, &doc);
	get_ok(&doc, &vm, &unk);
	vm.memory_bytes = 3ull << 30;
	vm.nmodules = 1;
	/* Whole-struct comparison below: no stale bytes after the strings. */
	memset(vm.modules[1], 0, sizeof(vm.modules[1]));
	memset(vm.kernel_args, 0, sizeof(vm.kernel_args));
	snprintf(vm.kernel_args, sizeof(vm.kernel_args), " lead and trail ");
	vm.start_action = VMCFG_START_START;
	assert_int_equal(vmcfg_put_vm(&doc, &vm), 0);
	text = vmcfg_write(&doc, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nMemoryStartupBytes = 3GB\n"));
	assert_non_null(strstr(text, "\nKernelArgs = \" lead and trail \"\n"));
	assert_non_null(strstr(text, "\nKernel = C:\\guests\\hello.elf\n"));   /* no escapes */
	assert_non_null(strstr(text, "\nFuture = kept as is\n"));
	assert_null(strstr(text, "m 2.bin"));
	assert_non_null(strstr(text, "[HardDrive]\nPath = C:\\vhd\\a.vhd\n\n[HardDrive]\nPath = C:\\vhd\\b.vhd\n"));
	parse_ok(text, &back);
	get_ok(&back, &vm2, &unk);
	assert_memory_equal(&vm, &vm2, sizeof(vm));
	text2 = vmcfg_write(&back, &len);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	vmcfg_free(&doc);
	vmcfg_free(&back);
}

/* A VM put into an empty document: [VM] first, every key written. */
static void test_put_new(void **state)
{
	struct vmcfg_doc doc = { 0 }, back;
	struct vmcfg_vm vm = { .memory_bytes = 5u << 20, .processors = 1, .weight = 100,
			       .max_pct = 100 };
	struct vmcfg_vm vm2;
	size_t len;
	char *text;
	int unk;

	(void)state;
	vm.weight = 0;      /* out of range: refused */
	assert_int_equal(vmcfg_put_vm(&doc, &vm), -EINVAL);
	vm.weight = 100;
	vm.reserve_pct = 101;
	assert_int_equal(vmcfg_put_vm(&doc, &vm), -EINVAL);
	vm.reserve_pct = 0;
	snprintf(vm.name, sizeof(vm.name), "n");
	snprintf(vm.kernel, sizeof(vm.kernel), "k");
	vm.vmid[0] = 0xab;
	assert_non_null(vmcfg_section_add(&doc, "NetworkAdapter"));
	assert_int_equal(vmcfg_add(&doc.s[0], "SwitchName", "ext"), 0);
	assert_int_equal(vmcfg_put_vm(&doc, &vm), 0);
	assert_string_equal(doc.s[0].name, "VM");
	text = vmcfg_write(&doc, &len);
	assert_non_null(strstr(text, "MemoryStartupBytes = 5MB\n"));
	assert_non_null(strstr(text, "VMId = 000000ab-0000-0000-0000-000000000000\n"));
	assert_non_null(strstr(text, "AutomaticStartAction = Nothing\nAutomaticStopAction = TurnOff\n"));
	assert_non_null(strstr(text, "\nKernelArgs =\n"));   /* empty: no trailing blank */
	assert_non_null(strstr(text, "ProcessorCount = 1\nProcessorRelativeWeight = 100\n"
				     "ProcessorReserve = 0\nProcessorMaximum = 100\n"));
	assert_true(strstr(text, "[VM]") < strstr(text, "[NetworkAdapter]"));
	parse_ok(text, &back);
	get_ok(&back, &vm2, &unk);
	assert_memory_equal(&vm, &vm2, sizeof(vm));
	free(text);
	vmcfg_free(&doc);
	vmcfg_free(&back);
}

static void test_set_and_remove(void **state)
{
	struct vmcfg_doc doc;
	struct vmcfg_section *s;

	(void)state;
	parse_ok("[A]\nk = 1\nx = y\nK = 2\n", &doc);
	s = vmcfg_section(&doc, "a", 0);
	assert_int_equal(vmcfg_set(s, "k", "3"), 0);
	assert_int_equal(s->n, 2);
	assert_string_equal(s->e[0].value, "3");
	assert_string_equal(s->e[1].key, "x");
	assert_int_equal(vmcfg_set(s, "x", NULL), 0);
	assert_int_equal(s->n, 1);
	assert_int_equal(vmcfg_add(s, "bad key", "v"), -EINVAL);
	assert_null(vmcfg_section_add(&doc, "bad]"));
	vmcfg_free(&doc);
}

struct bad {
	const char *text;
	int line;
	const char *msg;
};

/* Each refused with the line that is wrong and words that say why. */
static const struct bad bad_files[] = {
	{ "[VM]\nName = a\nnonsense\n", 3, "expected \"Key = value\"" },
	{ "Name = a\n[VM]\n", 1, "before the first [Section]" },
	{ "[VM]\n[Bad Name]\n", 2, "bad section name" },
	{ "[VM]\n[VM] x\n", 2, "\"[Name]\" and nothing else" },
	{ "[VM]\nbad key = 1\n", 2, "bad key" },
	{ "[VM]\n = 1\n", 2, "bad key" },
	{ "[VM]\nA = \"open\n", 2, "no closing quote" },
	{ "[VM]\nA = \"x\" y\n", 2, "text after a quoted value" },
	{ "[VM]\nA = \"\\q\"\n", 2, "unknown escape" },
	{ "[VM]\nA = \"\\x00\"\n", 2, "\\x escape" },
	{ "[VM]\nA = \"\\x4\"\n", 2, "\\x escape" },
	{ "[VM]\n\n\nA = b\x01\n", 4, "control character 0x01 at column 6" },
	{ "[VM]\nA = b\0c\n", 2, "control character 0x00" },
	{ "[VM]\nA\r= b\n", 2, "control character 0x0d" },
};

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad *b = &bad_files[i];
		size_t len = strlen(b->text);
		struct vmcfg_doc doc;
		struct vmcfg_error err;

		if (strstr(b->text, "b") && b->line == 2 && strstr(b->msg, "0x00"))
			len = 13;   /* the embedded NUL */
		assert_int_not_equal(vmcfg_parse(b->text, len, &doc, &err), 0);
		if (err.line != b->line || !strstr(err.msg, b->msg))
			fail_msg("case %zu: line %d \"%s\"", i, err.line, err.msg);
		assert_int_equal(doc.n, 0);
	}
}

/* Files that parse but whose [VM] is wrong: the line of the bad key, or
 * of the section for a missing one. */
static const struct bad bad_vms[] = {
	{ "[X]\n", 0, "no [VM] section" },
	{ "[VM]\nName = a\n[VM]\n", 3, "second [VM] section (the first is on line 1)" },
	{ "[VM]\nName = a\nVMId = 1\nName = b\n", 3, "VMId is not a GUID" },
	{ "[VM]\nName = a\nName = b\n", 3, "Name given twice (first on line 2)" },
	{ "[VM]\nName =\n", 2, "Name is empty" },
	{ "[VM]\nMemoryStartupBytes = 12XB\n", 2, "MemoryStartupBytes must be a number" },
	{ "[VM]\nMemoryStartupBytes = 99999999999999999999\n", 2, "must be a number" },
	{ "[VM]\nMemoryStartupBytes = 99999999999TB\n", 2, "must be a number" },
	{ "[VM]\nProcessorCount = 0\n", 2, "ProcessorCount must be 1 to 64" },
	{ "[VM]\nProcessorRelativeWeight = 0\n", 2, "ProcessorRelativeWeight must be 1 to 10000" },
	{ "[VM]\nProcessorRelativeWeight = 10001\n", 2, "ProcessorRelativeWeight must be 1 to 10000" },
	{ "[VM]\nProcessorReserve = 101\n", 2, "ProcessorReserve must be 0 to 100" },
	{ "[VM]\nProcessorMaximum = 0\n", 2, "ProcessorMaximum must be 1 to 100" },
	{ "[VM]\nProcessorMaximum = x\n", 2, "ProcessorMaximum must be a number" },
	{ "[VM]\nName = a\nVMId = 00000000-0000-0000-0000-000000000000\nMemoryStartupBytes = 1MB\n"
	  "Kernel = k\nProcessorReserve = 60\nProcessorMaximum = 50\n", 1,
	  "ProcessorReserve (60) is above ProcessorMaximum (50)" },
	{ "[VM]\nAutomaticStartAction = Always\n", 2, "Nothing, Start or StartIfRunning" },
	{ "[VM]\nAutomaticStopAction = Pause\n", 2, "TurnOff, Save or ShutDown" },
	{ "[VM]\nWasRunning = maybe\n", 2, "True or False" },
	{ "[VM]\nName = 0123456789012345678901234567890123\n", 2, "longer than 31" },
	{ "[VM]\n\nName = a\nVMId = 00000000-0000-0000-0000-000000000000\n", 1,
	  "[VM] has no MemoryStartupBytes" },
};

static void test_bad_vms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_vms) / sizeof(bad_vms[0]); i++) {
		const struct bad *b = &bad_vms[i];
		struct vmcfg_doc doc;
		struct vmcfg_error err;
		struct vmcfg_vm vm;
		int unk;

		parse_ok(b->text, &doc);
		assert_int_not_equal(vmcfg_get_vm(&doc, &vm, &unk, &err), 0);
		if (err.line != b->line || !strstr(err.msg, b->msg))
			fail_msg("case %zu: line %d \"%s\"", i, err.line, err.msg);
		vmcfg_free(&doc);
	}
}

static void test_modules_limit(void **state)
{
	char text[1024] = "[VM]\n";
	struct vmcfg_doc doc;
	struct vmcfg_error err;
	struct vmcfg_vm vm;
	int unk;

	(void)state;
	for (int i = 0; i <= VMCFG_MODULES_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "Module = m%d\n", i);
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_get_vm(&doc, &vm, &unk, &err), -E2BIG);
	assert_int_equal(err.line, 2 + VMCFG_MODULES_MAX);
	vmcfg_free(&doc);
}

static void test_limits(void **state)
{
	size_t big = VMCFG_FILE_MAX + 1;
	char *t = malloc(big);
	struct vmcfg_doc doc;
	struct vmcfg_error err;

	(void)state;
	memset(t, '\n', big);
	assert_int_equal(vmcfg_parse(t, big, &doc, &err), -EFBIG);
	assert_int_equal(err.line, 0);
	/* A line too long, a value too long, too many items. */
	memcpy(t, "[VM]\nA = ", 9);
	memset(t + 9, 'x', VMCFG_LINE_MAX);
	assert_int_equal(vmcfg_parse(t, 9 + VMCFG_LINE_MAX, &doc, &err), -E2BIG);
	assert_int_equal(err.line, 2);
	assert_int_equal(vmcfg_parse(t, 9 + VMCFG_VALUE_MAX + 1, &doc, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "value longer"));
	assert_int_equal(vmcfg_parse(t, 9 + VMCFG_VALUE_MAX, &doc, &err), 0);
	vmcfg_free(&doc);
	{
		size_t n = 0;

		n += (size_t)sprintf(t + n, "[S]\n");
		for (int i = 0; i < VMCFG_ITEMS_MAX; i++)
			n += (size_t)sprintf(t + n, "k = %d\n", i);
		assert_int_equal(vmcfg_parse(t, n, &doc, &err), -E2BIG);
		assert_int_equal(err.line, VMCFG_ITEMS_MAX + 1);
	}
	free(t);
}

static void test_guid(void **state)
{
	uint8_t g[16];
	char s[37];

	(void)state;
	assert_int_equal(vmcfg_guid_parse("0F3A6C2E-9B1D-4E57-8A40-5C2F1E9D7B36", g), 0);
	vmcfg_guid_format(g, s);
	assert_string_equal(s, "0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b36");
	assert_int_equal(g[0], 0x2e);   /* first field little-endian */
	assert_int_equal(g[8], 0x8a);
	assert_int_equal(vmcfg_guid_parse("0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b3", g), -EINVAL);
	assert_int_equal(vmcfg_guid_parse("0f3a6c2e+9b1d-4e57-8a40-5c2f1e9d7b36", g), -EINVAL);
	assert_int_equal(vmcfg_guid_parse("0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7bz6", g), -EINVAL);
}

/* [HardDrive]: read in file order, written back (other keys kept),
 * removed, and bad sections refused naming their line. */
static void test_disks(void **state)
{
	static const char text[] =
		"[VM]\nName = d\nVMId = 0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b36\n"
		"MemoryStartupBytes = 128MB\nKernel = B:\\vmlinuz\n"
		"[HardDrive]\nPath = C:\\lin.vhd\nControllerType = scsi\n"
		"ControllerNumber = 0\nControllerLocation = 0\nCache = kept\n"
		"[HardDrive]\nPath = C:\\b.vhd\nControllerLocation = 5\n"
		"[HardDrive]\nPath = C:\\ide.vhd\nControllerType = IDE\n"
		"ControllerNumber = 1\nControllerLocation = 1\n";
	struct vmcfg_disk d[VMCFG_DRIVES_MAX];
	struct vmcfg_error err;
	struct vmcfg_doc doc;
	size_t len;
	char *out;
	int n;

	(void)state;
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_get_disks(&doc, d, VMCFG_DRIVES_MAX, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].path, "C:\\lin.vhd");
	assert_int_equal(d[0].controller_type, VMCFG_CTRL_SCSI);
	assert_int_equal(d[1].controller_location, 5);
	assert_int_equal(d[2].controller_type, VMCFG_CTRL_IDE);
	assert_int_equal(d[2].controller_number, 1);
	assert_int_equal(d[2].controller_location, 1);
	/* The IDE disk survives a rewrite as IDE. */
	assert_int_equal(vmcfg_put_disks(&doc, d, 3), 0);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_non_null(strstr(out, "[HardDrive]\nPath = C:\\ide.vhd\nControllerType = IDE\n"
				    "ControllerNumber = 1\nControllerLocation = 1\n"));
	free(out);
	/* Drop the first, move the second, add one. */
	d[0] = d[1];
	d[0].controller_location = 1;
	snprintf(d[1].path, sizeof(d[1].path), "C:\\new.vhd");
	d[1].controller_location = 2;
	assert_int_equal(vmcfg_put_disks(&doc, d, 2), 0);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_non_null(strstr(out, "[HardDrive]\nPath = C:\\b.vhd\nControllerType = SCSI\n"
				    "ControllerNumber = 0\nControllerLocation = 1\nCache = kept\n"));
	assert_non_null(strstr(out, "[HardDrive]\nPath = C:\\new.vhd\n"));
	free(out);
	assert_int_equal(vmcfg_put_disks(&doc, d, 0), 0);
	assert_int_equal(vmcfg_section_count(&doc, "HardDrive"), 0);
	assert_non_null(vmcfg_section(&doc, "VM", 0));
	vmcfg_free(&doc);
	{
		static const struct { const char *text; int line; const char *msg; } bad[] = {
			{ "[HardDrive]\nControllerLocation = 1\n", 1, "needs a Path" },
			{ "[HardDrive]\nPath = a\nControllerType = SATA\n", 3, "must be SCSI or IDE" },
			{ "[HardDrive]\nPath = a\nControllerType = IDE\nControllerNumber = 2\n", 4,
			  "0 or 1" },
			{ "[HardDrive]\nPath = a\nControllerType = IDE\nControllerLocation = 2\n", 4,
			  "0 to 1" },
			{ "[HardDrive]\nPath = a\nControllerType = IDE\n[HardDrive]\nPath = b\n"
			  "ControllerType = ide\n", 4, "two disks at IDE 0 location 0" },
			{ "[HardDrive]\nPath = a\nControllerType = IDE\n[HardDrive]\nPath = a\n", 4,
			  "attached twice" },
			{ "[HardDrive]\nPath = a\nControllerNumber = 1\n", 3, "must be 0" },
			{ "[HardDrive]\nPath = a\nControllerLocation = 64\n", 3, "0 to 63" },
			{ "[HardDrive]\nPath = a\nControllerLocation = -1\n", 3, "0 to 63" },
			{ "[HardDrive]\nPath = a\nPath = b\n", 3, "given twice" },
			{ "[HardDrive]\nPath = a\n[HardDrive]\nPath = b\n", 3, "two disks" },
			{ "[HardDrive]\nPath = a\nDiskNumber = 1\n", 3, "a Path and a DiskNumber" },
			{ "[HardDrive]\nDiskNumber = 1x\n", 2, "DiskNumber must be 0 to 9999" },
			{ "[HardDrive]\nDiskNumber = -1\n", 2, "DiskNumber must be 0 to 9999" },
			{ "[HardDrive]\nDiskNumber = 10000\n", 2, "DiskNumber must be 0 to 9999" },
			{ "[HardDrive]\nDiskNumber =\n", 2, "DiskNumber must be" },
			{ "[HardDrive]\nDiskNumber = 1\nDiskNumber = 2\n", 3, "given twice" },
			{ "[HardDrive]\nDiskNumber = 1\n[HardDrive]\nDiskNumber = 1\n"
			  "ControllerLocation = 1\n", 3, "DiskNumber 1 is attached twice" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			parse_ok(bad[i].text, &doc);
			assert_int_equal(vmcfg_get_disks(&doc, d, VMCFG_DRIVES_MAX, &n, &err), -EINVAL);
			assert_int_equal(err.line, bad[i].line);
			assert_non_null(strstr(err.msg, bad[i].msg));
			vmcfg_free(&doc);
		}
	}
}

/* A pass-through disk: DiskNumber instead of Path, kept through a
 * rewrite; a section that turns from one kind into the other loses the
 * other kind's key; two pass-through disks and a VHD of the same name
 * as nothing else do not clash. */
static void test_pass_through(void **state)
{
	static const char text[] =
		"[VM]\nName = p\nVMId = 0f3a6c2e-9b1d-4e57-8a40-5c2f1e9d7b36\n"
		"MemoryStartupBytes = 4MB\nKernel = B:\\k\n"
		"[HardDrive]\nDiskNumber = 1\nControllerType = IDE\n"
		"[HardDrive]\nDiskNumber = 0012\nControllerLocation = 3\n"
		"[HardDrive]\nPath = C:\\a.vhd\nControllerLocation = 4\n";
	struct vmcfg_disk d[VMCFG_DRIVES_MAX];
	struct vmcfg_error err;
	struct vmcfg_doc doc;
	size_t len;
	char *out;
	int n;

	(void)state;
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_get_disks(&doc, d, VMCFG_DRIVES_MAX, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(d[0].pass_through, 1);
	assert_int_equal(d[0].disk_number, 1);
	assert_string_equal(d[0].path, "");
	assert_int_equal(d[0].controller_type, VMCFG_CTRL_IDE);
	assert_int_equal(d[1].pass_through, 1);
	assert_int_equal(d[1].disk_number, 12);
	assert_int_equal(d[1].controller_location, 3);
	assert_int_equal(d[2].pass_through, 0);
	/* Round trip; then disk 0 becomes a VHD and the VHD a pass-through disk. */
	assert_int_equal(vmcfg_put_disks(&doc, d, 3), 0);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_non_null(strstr(out, "[HardDrive]\nDiskNumber = 1\nControllerType = IDE\n"
				    "ControllerNumber = 0\nControllerLocation = 0\n"));
	assert_non_null(strstr(out, "[HardDrive]\nDiskNumber = 12\nControllerLocation = 3\n"));
	free(out);
	d[0].pass_through = 0;
	snprintf(d[0].path, sizeof(d[0].path), "C:\\b.vhd");
	d[2].pass_through = 1;
	d[2].disk_number = 7;
	d[2].path[0] = '\0';
	assert_int_equal(vmcfg_put_disks(&doc, d, 3), 0);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_non_null(strstr(out, "[HardDrive]\nControllerType = IDE\nControllerNumber = 0\n"
				    "ControllerLocation = 0\nPath = C:\\b.vhd\n"));
	assert_non_null(strstr(out, "[HardDrive]\nControllerLocation = 4\nControllerType = SCSI\n"
				    "ControllerNumber = 0\nDiskNumber = 7\n"));
	assert_null(strstr(out, "a.vhd"));
	assert_null(strstr(out, "DiskNumber = 1\n"));
	free(out);
	/* What the writer refuses: a number past the range. */
	d[2].disk_number = VMCFG_DISK_NUMBER_MAX + 1;
	assert_int_equal(vmcfg_put_disks(&doc, d, 3), -EINVAL);
	vmcfg_free(&doc);
}

static void test_dvds(void **state)
{
	static const char text[] =
		"[HardDrive]\nPath = C:\\ide.vhd\nControllerType = IDE\n"
		"ControllerNumber = 0\nControllerLocation = 0\n"
		"[DvdDrive]\nControllerType = IDE\nControllerNumber = 1\nControllerLocation = 0\n"
		"Path = C:\\boot.iso\nTray = kept\n"
		"[DvdDrive]\nControllerNumber = 0\nControllerLocation = 1\n"
		"[DvdDrive]\nControllerNumber = 1\nControllerLocation = 1\nPath = C:\\boot.iso\n";
	struct vmcfg_disk disks[VMCFG_DRIVES_MAX];
	struct vmcfg_dvd d[VMCFG_IDE_DRIVES];
	struct vmcfg_error err;
	struct vmcfg_doc doc;
	size_t len;
	char *out;
	int nd, n;

	(void)state;
	parse_ok(text, &doc);
	assert_int_equal(vmcfg_get_disks(&doc, disks, VMCFG_DRIVES_MAX, &nd, &err), 0);
	assert_int_equal(vmcfg_get_dvds(&doc, disks, nd, d, VMCFG_IDE_DRIVES, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].path, "C:\\boot.iso");
	assert_int_equal(d[0].controller_number, 1);
	assert_int_equal(d[0].controller_location, 0);
	assert_string_equal(d[1].path, "");           /* no medium */
	assert_int_equal(d[1].controller_location, 1);
	assert_string_equal(d[2].path, "C:\\boot.iso");   /* one ISO, two drives */
	/* the medium goes, a drive goes; other keys stay */
	d[0].path[0] = 0;
	assert_int_equal(vmcfg_put_dvds(&doc, d, 2), 0);
	out = vmcfg_write(&doc, &len);
	assert_non_null(out);
	assert_non_null(strstr(out, "[DvdDrive]\nControllerType = IDE\nControllerNumber = 1\n"
				    "ControllerLocation = 0\nTray = kept\n"));
	assert_non_null(strstr(out, "[DvdDrive]\nControllerNumber = 0\nControllerLocation = 1\n"
				    "ControllerType = IDE\n"));
	assert_null(strstr(out, "boot.iso"));
	free(out);
	assert_int_equal(vmcfg_put_dvds(&doc, d, 0), 0);
	assert_int_equal(vmcfg_section_count(&doc, "DvdDrive"), 0);
	assert_int_equal(vmcfg_section_count(&doc, "HardDrive"), 1);
	vmcfg_free(&doc);
	{
		static const struct { const char *text; int line; const char *msg; } bad[] = {
			{ "[DvdDrive]\nControllerLocation = 1\n", 1, "ControllerNumber must be 0 or 1" },
			{ "[DvdDrive]\nControllerNumber = 2\nControllerLocation = 0\n", 2, "0 or 1" },
			{ "[DvdDrive]\nControllerNumber = 0\nControllerLocation = 2\n", 3,
			  "ControllerLocation must be 0 or 1" },
			{ "[DvdDrive]\nControllerType = SCSI\nControllerNumber = 0\n"
			  "ControllerLocation = 0\n", 2, "must be IDE" },
			{ "[DvdDrive]\nControllerNumber = 0\nControllerLocation = 0\n"
			  "[DvdDrive]\nControllerNumber = 0\nControllerLocation = 0\n", 4,
			  "two DVD drives at IDE 0 location 0" },
			{ "[HardDrive]\nPath = a\nControllerType = IDE\nControllerNumber = 1\n"
			  "ControllerLocation = 1\n[DvdDrive]\nControllerNumber = 1\n"
			  "ControllerLocation = 1\n", 6, "has a hard disk and a DVD drive" },
			{ "[DvdDrive]\nControllerNumber = 0\nControllerLocation = 0\nPath = a\n"
			  "Path = b\n", 5, "given twice" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			parse_ok(bad[i].text, &doc);
			assert_int_equal(vmcfg_get_disks(&doc, disks, VMCFG_DRIVES_MAX, &nd, &err), 0);
			assert_int_equal(vmcfg_get_dvds(&doc, disks, nd, d, VMCFG_IDE_DRIVES, &n, &err),
					 -EINVAL);
			assert_int_equal(err.line, bad[i].line);
			assert_non_null(strstr(err.msg, bad[i].msg));
			vmcfg_free(&doc);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_put_new),
		cmocka_unit_test(test_set_and_remove),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_bad_vms),
		cmocka_unit_test(test_modules_limit),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_guid),
		cmocka_unit_test(test_disks),
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_dvds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
