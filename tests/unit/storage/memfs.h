/* In-memory struct fio_ops for storage tests, with crash injection: after
 * a budget of mutating operations every write fails, and a "power cut"
 * then keeps all, none, or a chosen subset of the writes that were not yet
 * flushed (a flush makes a file's earlier writes durable). */
#ifndef TESTS_UNIT_STORAGE_MEMFS_H
#define TESTS_UNIT_STORAGE_MEMFS_H

#include <stddef.h>
#include <stdint.h>
#include "storage/fio.h"

#define MEMFS_FILES 48

struct memfs_write {
	uint64_t off;
	size_t len;
	uint8_t *data;
};

struct memfs_file {
	char name[256];
	int exists;
	uint8_t *data;          /* what reads see now */
	uint64_t size;
	uint8_t *durable;       /* what survives a power cut */
	uint64_t dsize;
	uint64_t cap, dcap;     /* bytes allocated behind data and durable */
	struct memfs_write *pend;
	size_t npend;
};

struct memfs {
	struct fio_ops ops;
	struct memfs_file f[MEMFS_FILES];
	long budget;            /* mutating ops left; < 0: unlimited */
	long mutations;         /* mutating ops done so far */
	int crashed;
	uint32_t rng;
	int warnings;
	char last_warning[256];
	/* Reads touching [bad_off, bad_end) of bad fail with -EIO. */
	const struct memfs_file *bad;
	uint64_t bad_off, bad_end;
	long batches, batch_reads;  /* memfs_read_batch's calls and pieces */
	long copies, copied;        /* memfs_copy_range's calls and bytes */
};

enum memfs_cut {
	MEMFS_KEEP_ALL,         /* writes reached the disk in order */
	MEMFS_DROP_UNFLUSHED,   /* the drive cache was lost */
	MEMFS_KEEP_SUBSET,      /* reordered: a pseudo-random subset survives */
	MEMFS_TEAR_SECTORS,     /* as KEEP_SUBSET, each 512-byte sector of
				 * every write on its own (torn writes) */
};

/* fs->ops has no read_batch; a test that wants batched reads sets it to
 * this one, which reads the pieces last to first (a caller relying on an
 * order would see it) and aborts if two buffers overlap (the fio.h
 * contract). */
int memfs_read_batch(void *ctx, struct fio_read *r, size_t n);
/* Nor copy: a test that wants the merge's copy by the table sets it to
 * this one, a read then a pwrite (pending until a flush, like any). */
int memfs_copy_range(void *ctx, void *src, uint64_t soff, void *dst,
		     uint64_t doff, size_t len);
void memfs_init(struct memfs *fs);
void memfs_free(struct memfs *fs);
/* Power cut: applies the policy to every file and clears the crash flag. */
void memfs_cut_power(struct memfs *fs, enum memfs_cut how, uint32_t seed);
/* Direct access for tests that build or corrupt images. */
struct memfs_file *memfs_lookup(struct memfs *fs, const char *name);
int memfs_put(struct memfs *fs, const char *name, const void *data,
	      uint64_t size);
int memfs_copy(struct memfs *fs, const char *from, const char *to);

#endif
