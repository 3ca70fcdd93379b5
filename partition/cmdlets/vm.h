/* Child-partition cmdlet handlers (partition/vm_cmds.c). */
#ifndef PARENT_VM_CMDS_H
#define PARENT_VM_CMDS_H
#include "partition/console/cmd.h"

int cmd_new_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_start_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_stop_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_remove_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_get_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_wait_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_get_vmconsolelog(struct cmd_ctx *ctx, const struct cmd_args *a);
int cmd_connect_vm(struct cmd_ctx *ctx, const struct cmd_args *a);
#endif
