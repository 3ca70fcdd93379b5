/*
 * PowerShell's utility cmdlets the console offers: Get-Date and
 * Start-Sleep, over the parent's clocks (partition/clock.h). The parent
 * keeps no time zone: its local time is UTC.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include "partition/clock.h"
#include "partition/console/cmd.h"
#include "partition/drivers/serial.h"
#include "partition/time/datefmt.h"
#include "partition/vm.h"
#include "partition/cmdlets/cmdlets.h"

#define NS_PER_MS 1000000ull
#define SLEEP_MAX_S 86400

/* -DisplayHint's values and the .NET standard format each prints. */
static const char *const hint_names[] = { "Date", "Time", "DateTime", NULL };
static const char *const hint_formats[] = { "D", "T", "F" };

/* PowerShell prints a bare date (no -Format or -UFormat) between blank
 * lines, a formatted one as a plain string. */
static int print_date(struct cmd_ctx *ctx, const struct cmd_args *a, const struct civil_time *t,
		      int64_t sec, int hint)
{
	const char *fmt = cmd_arg_str(a, "Format"), *ufmt = cmd_arg_str(a, "UFormat");
	char out[256];
	int r;

	if (ufmt)
		r = datefmt_uformat(out, sizeof(out), t, sec, ufmt);
	else
		r = datefmt_dotnet(out, sizeof(out), t, fmt ? fmt : hint_formats[hint]);
	if (r == -EINVAL)
		return cmd_error(ctx, a, "Input string was not in a correct format.");
	if (r < 0)
		return cmd_error(ctx, a, "The formatted date is longer than %zu characters.",
				 sizeof(out) - 1);
	if (fmt || ufmt)
		return cmd_printf(ctx, "%s\n", out), 0;
	cmd_printf(ctx, "\n%s\n\n", out);
	return 0;
}

static int cmdlet_get_date(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	int hint = cmd_arg_enum(ctx, a, "DisplayHint", hint_names, 2);
	struct civil_time t;
	int64_t sec;
	uint32_t nsec;

	if (hint < 0)
		return 0;
	if (cmd_arg_str(a, "Format") && cmd_arg_str(a, "UFormat"))
		return cmd_error(ctx, a, "Parameter set cannot be resolved using the specified named parameters.");
	clock_realtime(&sec, &nsec);
	civil_from_epoch(sec, nsec, &t);
	return print_date(ctx, a, &t, sec, hint);
}

/* The wait keeps serving the children; keys typed meanwhile stay for the
 * console (type-ahead), and Ctrl-C ends it early, as in PowerShell. */
static int cmdlet_start_sleep(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	bool has_s = cmd_arg_at(a, "Seconds", 0), has_ms = cmd_arg_at(a, "Milliseconds", 0);
	int64_t ms = has_s ? cmd_arg_int(a, "Seconds", 0) * 1000 : cmd_arg_int(a, "Milliseconds", 0);
	uint64_t end;

	if (has_s == has_ms)
		return cmd_error(ctx, a, "Give either -Seconds or -Milliseconds.");
	if (ms < 0 || ms > SLEEP_MAX_S * 1000ll)
		return cmd_error(ctx, a, "The time must be between 0 and %d seconds.", SLEEP_MAX_S);
	end = clock_monotonic_ns() + (uint64_t)ms * NS_PER_MS;
	while (clock_monotonic_ns() < end && !serial_take_interrupt())
		vm_idle();
	return 0;
}

static const char *const get_date_aliases[] = { "date", NULL };
static const char *const start_sleep_aliases[] = { "sleep", NULL };

static const struct cmd_param p_get_date[] = {
	{ "Format", CMD_P_STRING, 0, -1, ".NET date format: standard (o, s, u, F, ...) or custom (yyyy-MM-dd HH:mm:ss.fff).", NULL },
	{ "UFormat", CMD_P_STRING, 0, -1, "Unix date format (%Y-%m-%d %H:%M:%S; %s is seconds since 1970).", NULL },
	{ "DisplayHint", CMD_P_STRING, 0, -1, "Date, Time or DateTime (the default).", NULL },
};
static const struct cmd_param p_start_sleep[] = {
	{ "Seconds", CMD_P_INT, 0, 0, "Seconds to wait (0 to 86400).", NULL },
	{ "Milliseconds", CMD_P_INT, 0, -1, "Milliseconds to wait.", NULL },
};

const struct cmd_def cmdlets_utility[] = {
	{ "Get-Date", "Shows the date and time.",
	  "Shows the parent's date and time, kept from the real-time clock (UTC: the parent has no time zone). Without parameters PowerShell's long form; -Format takes .NET format strings (Get-Date -Format o gives 2026-12-02T06:17:17.1234567+00:00), -UFormat Unix ones (-UFormat %s gives seconds since 1970). File times on ext2 drives come from the same clock.",
	  p_get_date, 3, cmdlet_get_date, get_date_aliases },
	{ "Start-Sleep", "Waits a number of seconds.",
	  "Waits for -Seconds or -Milliseconds while virtual machines keep running; Ctrl-C ends the wait. Keys typed meanwhile wait for the next prompt.",
	  p_start_sleep, 2, cmdlet_start_sleep, start_sleep_aliases },
};
const int cmdlets_utility_count = sizeof(cmdlets_utility) / sizeof(cmdlets_utility[0]);
