/*
 * fio_ext2: a storage/fio.h ops table over one ext2 drive, for the VHD
 * library (partition/volume/fio_ext2.c). Progress of long writes and the
 * library's warnings go to a console while one is set, else to stdout.
 */
#ifndef PARENT_VOLUME_FIO_EXT2_H
#define PARENT_VOLUME_FIO_EXT2_H

#include <stdint.h>
#include "partition/volume/volume.h"
#include "storage/fio.h"

struct cmd_ctx;

struct fio_ext2 {
	struct volume *vol;
	struct cmd_ctx *out;           /* progress and warnings go here while set */
	const char *what;              /* the cmdlet's name, for progress lines */
	uint64_t total, done;
	unsigned last_pct;
};

/* Binds c to drive vol (progress and warnings to out while it is set, else
 * stdout; what names the cmdlet in progress lines) and fills ops with the
 * table over c. Set c->total afterwards for progress of a long write. */
void fio_ext2_bind(struct fio_ext2 *c, struct volume *vol, struct cmd_ctx *out,
		   const char *what, struct fio_ops *ops);
/* "<what>: N% done" on c->out, every 10% and at 100%. */
void fio_ext2_progress(struct fio_ext2 *c, uint64_t done, uint64_t total);

#endif
