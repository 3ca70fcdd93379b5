/* The `vhd` host tool's subcommands (tools/vhd/vhd_cmds.c). */
#ifndef TOOLS_VHD_CMDS_H
#define TOOLS_VHD_CMDS_H

#include <stdint.h>

int vhdtool_parse_size(const char *s, uint64_t *out);
void vhdtool_fail(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int vhdtool_create(int argc, char **argv);
int vhdtool_info(int argc, char **argv);
int vhdtool_check(int argc, char **argv);
int vhdtool_convert(int argc, char **argv);
int vhdtool_merge(int argc, char **argv);
int vhdtool_live_merge(int argc, char **argv);
int vhdtool_read(int argc, char **argv);
int vhdtool_write(int argc, char **argv);

#endif
