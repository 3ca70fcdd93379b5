/* io_uring reads for fio_posix (see fio_uring.h), by the raw system calls
 * io_uring_setup and io_uring_enter over the rings mmap'd from the ring's
 * file descriptor (io_uring_setup(2), io_uring_enter(2); the ring layout
 * is <linux/io_uring.h>'s). One ring per thread, so that threads reading
 * different files never share one; freed when the thread exits, and in
 * the child after a fork (the rings' memory is shared with the parent). */
#include <errno.h>
#include <stdint.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "storage/host/fio_uring.h"

/* Submission entries of a ring: the most reads in flight at once (a
 * larger batch goes in rounds). The completion ring is twice as large
 * (the kernel's default), so it cannot overflow. */
#define RING_ENTRIES 64u
/* Retries of an io_uring_enter that could not get memory or room. */
#define ENTER_RETRIES 1000

struct ring {
	int fd;
	unsigned *sq_head, *sq_tail, *sq_array, sq_mask;
	unsigned *cq_head, *cq_tail, cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
};

static __thread struct ring *this_ring;
static __thread int ring_tried;
static pthread_key_t ring_key;
static pthread_once_t ring_once = PTHREAD_ONCE_INIT;

static void ring_free(struct ring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != MAP_FAILED && r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_len);
	if (r->sq_map && r->sq_map != MAP_FAILED)
		munmap(r->sq_map, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

static void *ring_mmap(const struct ring *r, size_t len, uint64_t what)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		    r->fd, (off_t)what);
}

/* The three shared areas (two with IORING_FEAT_SINGLE_MMAP, 5.4+) and
 * the ring fields in them, at the offsets the kernel gave. */
static int ring_map(struct ring *r, const struct io_uring_params *p)
{
	char *sq, *cq;

	r->sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	r->cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	if ((p->features & IORING_FEAT_SINGLE_MMAP) && r->cq_len > r->sq_len)
		r->sq_len = r->cq_len;
	r->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
	r->sq_map = ring_mmap(r, r->sq_len, IORING_OFF_SQ_RING);
	if (r->sq_map == MAP_FAILED)
		return -errno;
	r->cq_map = (p->features & IORING_FEAT_SINGLE_MMAP) ? r->sq_map :
		    ring_mmap(r, r->cq_len, IORING_OFF_CQ_RING);
	r->sqes = ring_mmap(r, r->sqes_len, IORING_OFF_SQES);
	if (r->cq_map == MAP_FAILED || r->sqes == MAP_FAILED)
		return -errno;
	sq = r->sq_map;
	cq = r->cq_map;
	r->sq_head = (unsigned *)(sq + p->sq_off.head);
	r->sq_tail = (unsigned *)(sq + p->sq_off.tail);
	r->sq_array = (unsigned *)(sq + p->sq_off.array);
	r->sq_mask = *(unsigned *)(sq + p->sq_off.ring_mask);
	r->cq_head = (unsigned *)(cq + p->cq_off.head);
	r->cq_tail = (unsigned *)(cq + p->cq_off.tail);
	r->cq_mask = *(unsigned *)(cq + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	return 0;
}

static struct ring *ring_new(void)
{
	struct io_uring_params p;
	struct ring *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
	if (r->fd < 0 || ring_map(r, &p)) {
		ring_free(r);
		return NULL;
	}
	return r;
}

static void ring_drop(void *r)
{
	ring_free(r);
}

/* A forked child shares the parent's ring memory: it must not submit on
 * it, so it drops its mapping and makes its own when it needs one. */
static void ring_after_fork(void)
{
	if (this_ring)
		ring_free(this_ring);
	this_ring = NULL;
	ring_tried = 0;
}

static void ring_init_once(void)
{
	pthread_key_create(&ring_key, ring_drop);
	pthread_atfork(NULL, NULL, ring_after_fork);
}

static struct ring *ring_get(void)
{
	if (ring_tried)
		return this_ring;
	ring_tried = 1;
	if (getenv("HVPART_FIO_NOURING"))
		return NULL;
	pthread_once(&ring_once, ring_init_once);
	this_ring = ring_new();
	if (this_ring)
		pthread_setspecific(ring_key, this_ring);
	return this_ring;
}

static void ring_queue(struct ring *r, const struct fio_uring_read *rd,
		       unsigned n)
{
	unsigned tail = *r->sq_tail, i, idx;
	struct io_uring_sqe *s;

	for (i = 0; i < n; i++) {
		idx = (tail + i) & r->sq_mask;
		s = &r->sqes[idx];
		memset(s, 0, sizeof(*s));
		s->opcode = IORING_OP_READ;
		s->fd = rd[i].fd;
		s->addr = (uint64_t)(uintptr_t)rd[i].buf;
		s->len = rd[i].len;
		s->off = rd[i].off;
		s->user_data = i;
		r->sq_array[idx] = idx;
	}
	/* The entries are written before the kernel sees the new tail. */
	__atomic_store_n(r->sq_tail, tail + n, __ATOMIC_RELEASE);
}

static unsigned ring_reap(struct ring *r, struct fio_uring_read *rd,
			  unsigned n)
{
	unsigned head = *r->cq_head, got = 0;
	unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	const struct io_uring_cqe *c;

	for (; head != tail; head++, got++) {
		c = &r->cqes[head & r->cq_mask];
		if (c->user_data < n)
			rd[c->user_data].res = c->res;
	}
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return got;
}

/* Entries the kernel did not take stay unread (res 0, so the caller
 * preads them): without SQPOLL it reads the submission ring only inside
 * io_uring_enter, so taking them back is moving the tail back to its
 * head. */
static void ring_unqueue(struct ring *r)
{
	__atomic_store_n(r->sq_tail, __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

/* res of a read the kernel has not completed yet. */
#define RES_PENDING INT32_MIN

/* Whether an io_uring_enter that failed, or took none of the entries it
 * was given, may be tried again: interrupted by a signal, or short of
 * memory or completion room for a while (io_uring_enter(2), ERRORS). */
static int enter_again(long ret, unsigned *retries)
{
	if (ret < 0 && errno == EINTR)
		return 1;
	if (ret < 0 && errno != EAGAIN && errno != EBUSY)
		return 0;
	return ++*retries <= ENTER_RETRIES;
}

/* One round of at most RING_ENTRIES reads: submit them all and wait for
 * each one's completion. Buffered reads of cached data complete inside
 * the submitting call, so this is one io_uring_enter. Returns -EIO when
 * the ring broke (see below). */
static int ring_run(struct ring *r, struct fio_uring_read *rd, unsigned n)
{
	unsigned submitted = 0, reaped = 0, retries = 0, i;
	long ret;

	for (i = 0; i < n; i++)
		rd[i].res = RES_PENDING;
	ring_queue(r, rd, n);
	while (reaped < submitted || submitted < n) {
		ret = syscall(__NR_io_uring_enter, r->fd, n - submitted,
			      n - reaped, IORING_ENTER_GETEVENTS, NULL, 0);
		if (ret > 0 || (ret == 0 && submitted == n))
			submitted += (unsigned)ret;
		else if (!enter_again(ret, &retries))
			break;
		reaped += ring_reap(r, rd, n);
	}
	if (submitted < n)
		ring_unqueue(r);
	/* The kernel takes entries in ring order: those past the ones it
	 * took are unread. One it took and never completed means a ring
	 * that cannot be waited on (a bad fd or address, not a failed
	 * read): its read could still land later, so the ring is not used
	 * again, and the read fails rather than being done twice. */
	for (i = 0; i < n; i++)
		if (rd[i].res == RES_PENDING)
			rd[i].res = i < submitted ? -EIO : 0;
	return reaped < submitted ? -EIO : 0;
}

int fio_uring_read_many(struct fio_uring_read *rd, size_t n)
{
	struct ring *r = ring_get();
	unsigned k;

	if (!r)
		return -ENOSYS;
	for (; n; rd += k, n -= k) {
		k = n < RING_ENTRIES ? (unsigned)n : RING_ENTRIES;
		if (ring_run(r, rd, k)) {
			this_ring = NULL;   /* kept mapped: see ring_run */
			pthread_setspecific(ring_key, NULL);
			for (rd += k, n -= k; n; rd++, n--)
				rd->res = 0;
			break;
		}
	}
	return 0;
}
