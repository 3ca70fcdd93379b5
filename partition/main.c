/*
 * The parent partition's management OS: set up the CPU tables, COM1 and
 * the heap, connect to hv through the hypercall page, run the autorun
 * script (a GRUB module named "autorun") and then the interactive console.
 */
#include <stdio.h>
#include <string.h>
#include "partition/vsp/vsp_host.h"
#include "partition/arch/pcpu.h"
#include "partition/arch/cpu.h"
#include "partition/arch/psmp.h"
#include "partition/clock.h"
#include "partition/console/cmd.h"
#include "partition/console/lineedit.h"
#include "partition/drivers/disk.h"
#include "partition/drivers/pit.h"
#include "partition/drivers/serial.h"
#include "partition/pmem.h"
#include "partition/pnic.h"
#include "partition/vm.h"
#include "partition/vmstore.h"
#include "partition/parent.h"
#include "partition/cmdlets/cmdlets.h"
#include "partition/volume/volume.h"

const struct hvpart_boot_info *parent_boot;
uint64_t parent_prompt_tsc;
uint64_t parent_tsc_hz;
static struct lineedit le;

static void raw_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	/* The console library already writes "\r\n" line ends. */
	serial_write_raw(s, n);
}

static int complete(void *ctx, const char *line, size_t cur, size_t *start,
		    const char **m, int max)
{
	int n;
	const struct cmd_def *tab = cmdlets_table(&n);

	(void)ctx;
	return cmd_complete_line(tab, n, line, cur, start, m, max, cmdlets_complete_path, NULL);
}

void console_run_line(const char *line)
{
	/* $variables live as long as the console. */
	static struct cmd_session session;
	struct cmd_ctx ctx = { .write = raw_write, .crlf = true, .session = &session };
	int n;
	const struct cmd_def *tab = cmdlets_table(&n);

	cmd_run_line(tab, n, &ctx, line);
}

const struct hvpart_module *parent_file_find(const char *name)
{
	for (uint32_t i = 0; i < parent_boot->module_count; i++)
		if (!strcasecmp(parent_boot->modules[i].name, name))
			return &parent_boot->modules[i];
	return NULL;
}

static void run_autorun(void)
{
	const struct hvpart_module *m = parent_file_find("autorun");
	const char *p, *end;
	char line[CMD_LINE_MAX], prompt[LE_PROMPT_MAX];

	if (!m)
		return;
	p = (const char *)(uintptr_t)m->base;
	end = p + m->length;
	while (p < end) {
		size_t n = 0;
		bool cut = false;

		while (p < end && *p != '\n') {
			if (n < sizeof(line) - 1 && *p != '\r')
				line[n++] = *p;
			else if (*p != '\r')
				cut = true;
			p++;
		}
		p++;
		line[n] = '\0';
		cmdlets_prompt(NULL, prompt, sizeof(prompt));
		printf("%s%s\n", prompt, line);
		fflush(stdout);
		/* A cut line must not run: what runs would not be what was written. */
		if (cut)
			printf("The command line is too long (at most %d characters); nothing was run.\n",
			       CMD_LINE_MAX - 1);
		else
			console_run_line(line);
	}
}

static void console_loop(void)
{
	char line[LE_LINE_MAX];

	/* The prompt shows the current location, as PowerShell's does. */
	le_init(&le, "PS > ", raw_write, complete, NULL);
	le_set_prompt_fn(&le, cmdlets_prompt, NULL);
	le_prompt(&le);
	for (;;) {
		int c = serial_getc();

		if (c < 0) {
			vm_idle();
			continue;
		}
		if (le_feed(&le, (uint8_t)c, line, sizeof(line)) == 1) {
			console_run_line(line);
			le_prompt(&le);
		}
	}
}

void parent_main(const struct hvpart_boot_info *bi);

void parent_main(const struct hvpart_boot_info *bi)
{
	parent_boot = bi;
	/* Per-processor data first: the locks and hypercalls use it. */
	pcpu_init_boot();
	cpu_setup();
	serial_setup();
	if (bi->magic != HVPART_BOOT_MAGIC) {
		serial_puts_raw("parent: bad boot information from hv; halting.\r\n");
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	/* The first three heap pages: hypercall page, input and output. */
	parent_heap_init(bi->heap_base + 3 * 4096, bi->heap_len - 3 * 4096);
	__asm__ volatile("sti");
	setvbuf(stdout, NULL, _IONBF, 0);
	if (hvcall_setup(bi->heap_base))
		printf("parent: hv refused the hypercall page; hv services are unavailable\n");
	pmem_init();
	vm_init();
	if (vsp_init())
		printf("parent: no memory for the SynIC pages; VMBus is unavailable\n");
	pit_setup();
	/* The TSC rate, for uptimes and for children's frequency MSRs. */
	parent_tsc_hz = pit_calibrate_tsc(5);
	hvcall_fast(HVCALL_HVPART_SET_TSC_FREQUENCY, parent_tsc_hz);
	/* Wall-clock time from the real-time clock (file times, Get-Date). */
	clock_init(parent_tsc_hz);
	/* The processors hv gave us on its other CPUs (one per CPU). */
	psmp_start_all();
	/* Disks, then the host volume as C: (drive B: holds the boot files). */
	disk_scan();
	volume_mount_host();
	/* Physical network adapters, for Get-NetAdapter and external switches. */
	pnic_probe_all();
	/* The VMs whose configurations are on C: (partition/vmstore.c). */
	vmstore_boot();
	printf("hvpart parent partition ready (%u files, %lu MiB heap)\n",
	       (unsigned)bi->module_count, (unsigned long)(bi->heap_len >> 20));
	/* The console takes commands from here on (boot benchmark mark). */
	parent_prompt_tsc = cpu_rdtsc();
	run_autorun();
	console_loop();
}
