/* hv's small runtime: formatted output and the log ring. */
#ifndef HV_LIB_H
#define HV_LIB_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define HV_VERSION "0.1.0"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Log levels: INFO goes to the ring always and to COM1 until the parent
 * owns the console; WARN and ERR always reach COM1 too. */
enum { LOG_INFO, LOG_WARN, LOG_ERR };
void hv_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define hv_info(...) hv_log(LOG_INFO, __VA_ARGS__)
#define hv_warn(...) hv_log(LOG_WARN, __VA_ARGS__)
#define hv_err(...) hv_log(LOG_ERR, __VA_ARGS__)
void log_set_console_quiet(int quiet);
/* Copies log bytes [off, off+len) still held by the ring; returns count,
 * and the ring's total-written position through *end. */
size_t log_read_ring(uint64_t off, char *dst, size_t len, uint64_t *end);

void serial_init(void);
void serial_write(const char *s, size_t n);

__attribute__((noreturn)) void hv_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void hv_halt(void);
__attribute__((noreturn)) void hv_power_off(void);
#endif
