/* The VMBus test guests' page pool and SynIC message and event reading
 * (tests/guests/vgl/vgl.h). */
#include "vgl.h"
#include "guest.h"
#include "hv/abi/hvpart_abi.h"
#include "tests/guests/libc/string.h"
#include "vmbus/client.h"

static uint8_t *pool;
static uint8_t *pool_used;
static uint32_t pool_pages;

/* Once per guest run: a second call (vsc opens a client per mode) keeps
 * what the host may still map. */
void vgl_pool_init(uint8_t *mem, uint8_t *used, uint32_t pages)
{
	if (pool == mem)
		return;
	pool = mem;
	pool_used = used;
	pool_pages = pages;
	memset(used, 0, pages);
}

/* n contiguous zeroed pages (first fit), or NULL. */
static void *pages_get(uint32_t n)
{
	for (uint32_t i = 0, run = 0; i < pool_pages; i++) {
		run = pool_used[i] ? 0 : run + 1;
		if (run == n) {
			uint32_t first = i + 1 - n;

			for (uint32_t k = 0; k < n; k++)
				pool_used[first + k] = 1;
			memset(&pool[first * 4096], 0, n * 4096);
			return &pool[first * 4096];
		}
	}
	return NULL;
}

static void pages_put(void *va, uint32_t n)
{
	uint32_t first = (uint32_t)((uint8_t *)va - pool) / 4096;

	for (uint32_t k = 0; k < n && first + k < pool_pages; k++)
		pool_used[first + k] = 0;
}

/* Small allocations get whole pages, their count in a header. */
void *vgl_alloc(void *ctx, size_t n)
{
	uint32_t pages = (uint32_t)((n + 8 + 4095) / 4096);
	uint32_t *p = pages_get(pages);

	(void)ctx;
	if (!p)
		return NULL;
	p[0] = pages;
	return p + 2;
}

void vgl_free(void *ctx, void *p)
{
	uint32_t *h = (uint32_t *)p - 2;

	(void)ctx;
	if (p)
		pages_put(h, h[0]);
}

int vgl_alloc_pages(void *ctx, uint32_t n, void **va, uint64_t *pfns)
{
	uint8_t *p = pages_get(n);

	(void)ctx;
	if (!p)
		return -1;
	for (uint32_t k = 0; k < n; k++)
		pfns[k] = ((uint32_t)p >> 12) + k;   /* paging off: GPA = address */
	*va = p;
	return 0;
}

void vgl_free_pages(void *ctx, void *va, uint32_t n)
{
	(void)ctx;
	pages_put(va, n);
}

void vgl_take_events(struct hv_event_flags_page *sief, unsigned sint)
{
	volatile uint32_t *bits = (volatile uint32_t *)sief->sint[sint].bits;

	for (int w = 0; w < 2048 / 32; w++)
		if (bits[w])
			(void)__atomic_exchange_n(&bits[w], 0, __ATOMIC_SEQ_CST);
}

int vgl_take_msg(struct hv_message_page *sim, unsigned sint, struct hv_message *out)
{
	volatile struct hv_message *m = &sim->slot[sint];

	if (m->header.type == HV_MSG_NONE)
		return 0;
	*out = *(struct hv_message *)m;
	m->header.type = HV_MSG_NONE;
	/* The slot is free before EOM asks hv for the next (TLFS "Message
	 * Buffers": EOM after clearing the type). */
	__asm__ volatile("mfence" ::: "memory");
	if (m->header.flags & HV_MSG_FLAG_PENDING)
		guest_wrmsr(HV_MSR_EOM, 0);
	return 1;
}

uint16_t vgl_post(uint32_t conn, const void *msg, uint32_t len)
{
	struct hv_input_post_message *in = (void *)guest_hv_in_page;

	in->connection_id = conn;
	in->rsvdz = 0;
	in->message_type = 1;
	in->payload_size = len;
	memcpy(in->payload, msg, len < sizeof(in->payload) ? len : sizeof(in->payload));
	return GUEST_HV_STATUS(guest_hypercall(HVCALL_POST_MESSAGE, (uint32_t)guest_hv_in_page, 0));
}

int vgl_cl_post(void *ctx, uint32_t conn, const void *msg, size_t len)
{
	(void)ctx;
	for (int i = 0; i < 1000; i++) {
		uint16_t st = vgl_post(conn, msg, (uint32_t)len);

		if (st != HV_STATUS_INSUFFICIENT_BUFFERS)
			return st ? -1 : 0;
		guest_pause();
	}
	return -1;
}

int vgl_pump(struct vmbus_client *c, int (*receive)(struct hv_message *out),
	     int (*cond)(struct vmbus_client *, uint32_t), uint32_t arg)
{
	struct hv_message m;

	while (!cond(c, arg)) {
		if (!receive(&m))
			return 0;
		(void)vmbus_client_handle_msg(c, m.payload, m.header.payload_size);
	}
	return 1;
}

int vgl_is_ready(struct vmbus_client *c, uint32_t arg)
{
	(void)arg;
	return vmbus_client_state(c) == VMBUS_CL_READY || vmbus_client_state(c) == VMBUS_CL_FAILED;
}

int vgl_chan_is(struct vmbus_client *c, uint32_t arg)
{
	int st = vmbus_client_chan_state(c, arg & 0xffff);

	return st == (int)(arg >> 16) || st == VMBUS_CH_FAILED;
}
