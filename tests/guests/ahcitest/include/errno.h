/* ahcitest: the errno values the driver uses (Linux numbering). */
#ifndef AHCITEST_ERRNO_H
#define AHCITEST_ERRNO_H
#define EIO 5
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define ENODEV 19
#define EINVAL 22
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#endif
