/* POSIX implementation of struct fio_ops (host builds only). */
#ifndef STORAGE_HOST_FIO_POSIX_H
#define STORAGE_HOST_FIO_POSIX_H

#include "storage/fio.h"

const struct fio_ops *fio_posix_get_ops(void);

#endif
