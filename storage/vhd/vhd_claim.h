/*
 * Claims on the files of open VHD chains, so that chains sharing files
 * never write under each other: the top of a chain opened for writing is
 * claimed exclusively, each parent (always opened read-only, vhd_open)
 * shared. Two differencing disks may therefore share a parent, and a
 * file that some chain reads (as its top or a parent) cannot be opened
 * for writing, nor a file some chain writes be read by another. The VHD
 * spec's rule behind it: a differencing disk is valid only while its
 * parent is unchanged (VHD spec 2006, "Differencing Hard Disk Image").
 *
 * A file is named by its volume (an opaque pointer, NULL on the host) and
 * its path as vhd_get_path gives it; a claim keeps that pointer, so it
 * must be dropped before the chain is closed. Portable; not locked.
 */
#ifndef STORAGE_VHD_CLAIM_H
#define STORAGE_VHD_CLAIM_H

#include "storage/vhd/vhd.h"

#define VHD_CLAIM_MAX 256

struct vhd_claim {
	const void *vol;
	const char *path;       /* vhd_get_path of the open image */
	int owner;              /* the caller's id of whoever opened the chain */
	int write;              /* 1: the writable top; 0: read (a parent, or
				 * a top opened read-only) */
};

struct vhd_claims {
	struct vhd_claim c[VHD_CLAIM_MAX];
	unsigned n;
};

/* The claim that stands in the way of opening path on vol (write: for
 * writing), or NULL. */
const struct vhd_claim *vhd_claims_find(const struct vhd_claims *t, const void *vol,
					const char *path, int write);
/* The first claim in the way of chain v on vol (its top for writing when
 * writable, every parent for reading), or NULL. */
const struct vhd_claim *vhd_claims_conflict(const struct vhd_claims *t, const void *vol,
					    const struct vhd *v, int writable);
/* Claim every file of chain v for owner: 0, -EBUSY (*who: the claim in
 * the way), -ENOSPC; on error nothing was claimed. */
int vhd_claims_take(struct vhd_claims *t, const void *vol, const struct vhd *v, int writable,
		    int owner, const struct vhd_claim **who);
/* Make owner's claim on path exclusive, as if written: a live merge
 * writes a parent of owner's chain, which no other chain may then read
 * (vhd_live_merge_begin's rule). 0; -EBUSY: another claim on the file
 * (*who), another owner's or another chain's of owner; -ENOENT: owner has no claim on it. vhd_claims_drop
 * drops it as before. */
int vhd_claims_hold(struct vhd_claims *t, const void *vol, const char *path, int owner,
		    const struct vhd_claim **who);
/* Drop owner's claims on the files of chain v (one per file). */
void vhd_claims_drop(struct vhd_claims *t, const void *vol, const struct vhd *v, int owner);

#endif
