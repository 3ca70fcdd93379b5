/* POSIX implementation of struct fio_ops (host builds only). */
#ifndef STORAGE_HOST_FIO_POSIX_H
#define STORAGE_HOST_FIO_POSIX_H

#include "storage/fio.h"

/* With read_batch over io_uring (fio_uring.h); without it when
 * HVPART_FIO_NOBATCH is set in the environment. */
const struct fio_ops *fio_posix_get_ops(void);

#endif
