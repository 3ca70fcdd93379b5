/* The errno values vmbus/ returns, for test guests that link it (no libc
 * in a guest; values as Linux's asm-generic/errno*.h). */
#ifndef GUEST_LIBC_ERRNO_H
#define GUEST_LIBC_ERRNO_H
#define EPERM       1
#define ENOENT      2
#define EIO         5
#define E2BIG       7
#define EAGAIN      11
#define ENOMEM      12
#define EBUSY       16
#define EINVAL      22
#define ENOSPC      28
#define ERANGE      34
#define ENOBUFS     105
#define EOPNOTSUPP  95
#define EPROTO      71
#define EMSGSIZE    90
#endif
