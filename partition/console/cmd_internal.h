/* Shared between the cmd_*.c files; not part of the console API. */
#ifndef HVPART_CONSOLE_CMD_INTERNAL_H
#define HVPART_CONSOLE_CMD_INTERNAL_H

#include "partition/console/cmd.h"

/* The built-in Get-Help command (fn is NULL; cmd_run_line handles it). */
extern const struct cmd_def cmd_help_def;
/* "string", "int", "size", "switch"; with multi, "string[]" etc. for MULTI. */
const char *cmd_type_name(const struct cmd_param *p, bool multi);

#endif
