/*
 * cmd_common: the common parameters every command takes, as PowerShell's
 * CommonParameters: -ErrorAction (alias -ea) and -WarningAction (-wa),
 * each an ActionPreference. They are bound like the command's own
 * parameters (cmd_bind.c) and read back by the pipeline (cmd_pipe.c) into
 * the context while the command runs; cmd.c's error and warning lines
 * obey them.
 */
#include "partition/console/cmd_internal.h"

#include <errno.h>
#include <string.h>

const struct cmd_param cmd_common_params[] = {
	{ "ErrorAction", CMD_P_STRING, 0, -1, "What the command's errors do: "
	  "Continue (shown; the default), SilentlyContinue or Ignore (not "
	  "shown), Stop (shown, and the rest of the line does not run).",
	  CMD_ALIASES("ea") },
	{ "WarningAction", CMD_P_STRING, 0, -1, "The same for its warnings.",
	  CMD_ALIASES("wa") },
};
const int cmd_common_n = 2;

/* Indexed by enum cmd_action. */
static const char *const action_names[] = {
	"Continue", "SilentlyContinue", "Stop", "Ignore",
};

const struct cmd_param *cmd_common_find(const char *name, bool prefix)
{
	for (int i = 0; i < cmd_common_n; i++)
		if (cmd_param_spelled(&cmd_common_params[i], name, false))
			return &cmd_common_params[i];
	for (int i = 0; prefix && i < cmd_common_n; i++)
		if (cmd_param_spelled(&cmd_common_params[i], name, true))
			return &cmd_common_params[i];
	return NULL;
}

bool cmd_is_common(const struct cmd_param *p)
{
	return p >= cmd_common_params && p < cmd_common_params + cmd_common_n;
}

static int action_index(const char *s)
{
	for (int i = 0; i < (int)(sizeof action_names / sizeof action_names[0]);
	     i++)
		if (cmd_name_eq(s, action_names[i]))
			return i;
	return -1;
}

/* The names in the order PowerShell's ActionPreference lists them (less
 * Inquire and Suspend, which a console without prompts cannot do). */
int cmd_common_check(struct cmd_ctx *ctx, const struct cmd_def *d,
		     const struct cmd_param *p, const char *value)
{
	if (action_index(value) >= 0)
		return 0;
	return cmd_perr(ctx, d, -EINVAL, "Cannot bind parameter '%s'. Cannot "
			"convert value \"%s\" to type \"System.Management."
			"Automation.ActionPreference\". Error: \"Unable to match "
			"the identifier name %s to a valid enumerator name. "
			"Specify one of the following enumerator names and try "
			"again: SilentlyContinue, Stop, Continue, Ignore\"",
			p->name, value, value);
}

static enum cmd_action action_of(const struct cmd_args *a, const char *name)
{
	const char *s = a ? cmd_arg_str(a, name) : NULL;
	int i = s ? action_index(s) : -1;

	return i < 0 ? CMD_ACT_CONTINUE : (enum cmd_action)i;
}

void cmd_common_apply(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	ctx->erract = action_of(a, "ErrorAction");
	ctx->warnact = action_of(a, "WarningAction");
}
