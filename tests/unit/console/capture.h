/* Output capture shared by the console unit tests. */
#ifndef HVPART_TESTS_CONSOLE_CAPTURE_H
#define HVPART_TESTS_CONSOLE_CAPTURE_H

#include <stddef.h>
#include <string.h>

struct capture {
	char buf[65536];
	size_t len;
};

static inline void capture_write(void *ctx, const char *s, size_t n)
{
	struct capture *c = ctx;

	if (n > sizeof c->buf - 1 - c->len)
		n = sizeof c->buf - 1 - c->len;
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static inline void capture_reset(struct capture *c)
{
	c->len = 0;
	c->buf[0] = '\0';
}

static inline int capture_count(const struct capture *c, const char *needle)
{
	int k = 0;
	size_t nl = strlen(needle);

	for (const char *p = c->buf; (p = strstr(p, needle)) != NULL; p += nl)
		k++;
	return k;
}

/* The console tests' context: writes into out, keeps variables in
 * session (both emptied). Include partition/console/cmd.h first. */
#ifdef HVPART_CONSOLE_CMD_H
static inline void capture_ctx_init(struct cmd_ctx *ctx, struct capture *out,
				    struct cmd_session *session)
{
	capture_reset(out);
	cmd_session_clear(session);
	memset(ctx, 0, sizeof(*ctx));
	ctx->write = capture_write;
	ctx->wctx = out;
	ctx->session = session;
}
#endif

#endif
