/* The parent console's cmdlet table (partition/cmds.c). */
#ifndef PARENT_CMDS_H
#define PARENT_CMDS_H
#include "partition/console/cmd.h"

extern const struct cmd_def parent_cmds[];
extern const int parent_ncmds;
#endif
