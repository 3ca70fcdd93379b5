/*
 * newlib's system-call layer for the parent (newlib was configured with
 * --disable-newlib-supplied-syscalls; its x86_64-elf reentrant wrappers
 * call the plain names: sbrk, write, ...): output goes to COM1, the heap is
 * the RAM range hv set aside in the boot information.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <reent.h>
#include "partition/clock.h"
#include "partition/drivers/serial.h"
#include "partition/parent.h"
#include "partition/arch/pcpu.h"
#include "lib/spinlock.h"

#undef errno
extern int errno;

static uint8_t *heap_base, *heap_cur, *heap_end;

/* newlib's malloc, free and memalign (and sbrk, which they call) run
 * between __malloc_lock and __malloc_unlock (newlib/libc/stdlib/mlock.c:
 * a program whose threads share the heap defines them). The parent's
 * processors share it: a recursive ticket lock (memalign calls malloc
 * inside), never taken by an interrupt handler. */
static struct spinlock malloc_lock = SPINLOCK_INIT;

void __malloc_lock(struct _reent *r);
void __malloc_lock(struct _reent *r)
{
	(void)r;
	spin_lock_rec(&malloc_lock, this_pcpu()->vp);
}

void __malloc_unlock(struct _reent *r);
void __malloc_unlock(struct _reent *r)
{
	(void)r;
	spin_unlock_rec(&malloc_lock);
}

const struct spinlock *parent_malloc_lock(void)
{
	return &malloc_lock;
}

void parent_heap_init(uint64_t base, uint64_t len)
{
	heap_base = heap_cur = (uint8_t *)(uintptr_t)base;
	heap_end = heap_cur + len;
}

void *sbrk(ptrdiff_t incr);
void *sbrk(ptrdiff_t incr)
{
	uint8_t *old = heap_cur;

	if (incr > heap_end - heap_cur || incr < -(heap_cur - heap_base)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_cur += incr;
	return old;
}

int write(int fd, const char *buf, int len);
int write(int fd, const char *buf, int len)
{
	(void)fd;
	serial_write(buf, (size_t)len);
	return len;
}

int read(int fd, char *buf, int len);
int read(int fd, char *buf, int len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return 0;
}

int close(int fd);
int close(int fd)
{
	(void)fd;
	return -1;
}

int fstat(int fd, struct stat *st);
int fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int isatty(int fd);
int isatty(int fd)
{
	(void)fd;
	return 1;
}

int lseek(int fd, int off, int whence);
int lseek(int fd, int off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	return 0;
}

int getpid(void);
int getpid(void)
{
	return 1;
}

int kill(int pid, int sig);
int kill(int pid, int sig)
{
	(void)pid;
	(void)sig;
	errno = EINVAL;
	return -1;
}

/* time() and gettimeofday(): the parent's wall clock (UTC, no zone). */
int gettimeofday(struct timeval *tv, void *tz);
int gettimeofday(struct timeval *tv, void *tz)
{
	int64_t sec;
	uint32_t nsec;

	(void)tz;
	clock_realtime(&sec, &nsec);
	if (tv) {
		tv->tv_sec = (time_t)sec;
		tv->tv_usec = (suseconds_t)(nsec / 1000);
	}
	return 0;
}

void _exit(int code);
void _exit(int code)
{
	(void)code;
	parent_power_off();
}
