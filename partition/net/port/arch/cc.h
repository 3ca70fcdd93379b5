/*
 * lwIP's architecture header for the parent partition (and for the host
 * tests, which build the same stack on Linux): lwIP 2.1's
 * src/include/lwip/arch.h lists what a port may define here. The parent
 * has newlib's <stdint.h>, <inttypes.h>, <limits.h> and <stdio.h>, so
 * lwIP's defaults for the types and printf formats hold; what it lacks is
 * a way to stop on an assertion and a random source, given here by the
 * glue (partition/net/pnet_sys.c for the parent, the test for the host).
 */
#ifndef PNET_ARCH_CC_H
#define PNET_ARCH_CC_H
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* newlib's <sys/types.h> has ssize_t but its <limits.h> no SSIZE_MAX,
 * which is how lwIP's arch.h decides whether to define ssize_t itself. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

void pnet_platform_assert(const char *msg, const char *file, int line);
uint32_t pnet_platform_rand(void);

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) pnet_platform_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() pnet_platform_rand()
/* The stack's own errno values (lwip/errno.h) are not used: no sockets. */
#define LWIP_ERRNO_INCLUDE <errno.h>
#endif
