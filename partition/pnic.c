/*
 * Physical network adapters (see pnic.h): the e1000 driver's hooks in
 * the parent, the PCI probe, and the uplink between an adapter and an
 * external switch.
 *
 * Memory: the parent's heap is identity-mapped (partition/arch/vmap.c),
 * and hv gives the parent guest-physical = host-physical memory with no
 * IOMMU, so a heap address is the bus address the device DMAs to. BAR 0
 * is reached at its physical address through the same identity map (as
 * partition/drivers/ahci.c reaches the AHCI HBA's).
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "lib/pio.h"
#include "partition/arch/cpu.h"
#include "partition/drivers/pci.h"
#include "partition/drivers/pit.h"
#include "partition/parent.h"
#include "partition/pnic.h"
#include "partition/vm.h"
#include "partition/vnet.h"

#define PNIC_RX_DESC 64u
#define PNIC_TX_DESC 64u
#define PNIC_BAR0_MIN 0x20000u   /* 128 KiB of registers (SDM 13.1) */

static struct pnic nics[PNIC_MAX];

/* ---- hooks ---- */

static uint32_t h_rd(void *ctx, uint32_t reg)
{
	return *(volatile uint32_t *)((uintptr_t)ctx + reg);
}

static void h_wr(void *ctx, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)((uintptr_t)ctx + reg) = val;
}

static void *h_dma_alloc(void *ctx, size_t bytes, uint64_t *phys)
{
	void *p = memalign(4096, bytes);

	(void)ctx;
	if (p) {
		memset(p, 0, bytes);
		*phys = (uintptr_t)p;   /* identity-mapped heap: see the top */
	}
	return p;
}

static void h_dma_free(void *ctx, void *p, size_t bytes)
{
	(void)ctx;
	(void)bytes;
	free(p);
}

static void h_udelay(void *ctx, unsigned us)
{
	uint64_t hz = parent_tsc_hz ? parent_tsc_hz : 1000000000ull;
	uint64_t end = cpu_rdtsc() + hz / 1000000u * us;

	(void)ctx;
	while (cpu_rdtsc() < end)
		__asm__ volatile("pause");
}

static const struct pci_hooks pnic_pci_hooks = { pio_inl, pio_outl };

/* ---- probe ---- */

static void pnic_name(struct pnic *n, int i)
{
	if (i == 0)
		snprintf(n->name, sizeof(n->name), "Ethernet");
	else
		snprintf(n->name, sizeof(n->name), "Ethernet %d", i + 1);
}

/* Memory decoding and bus mastering on, legacy INTx off (PCI 3.0,
 * 6.2.2): the parent polls. */
static void pnic_pci_enable(struct pci_addr a)
{
	uint32_t cmd;

	pci_enable_mmio_master(a);
	cmd = pci_read32(a, PCI_CFG_COMMAND) & 0xffffu;
	pci_write32(a, PCI_CFG_COMMAND, cmd | PCI_CMD_INTX_OFF);
}

static int pnic_up(struct pnic *n, struct pci_addr a, uint64_t bar)
{
	struct e1000_hooks h = { h_rd, h_wr, h_dma_alloc, h_dma_free, h_udelay,
				 (void *)(uintptr_t)bar };
	int rc;

	pnic_pci_enable(a);
	rc = e1000_init(&n->d, &h, PNIC_RX_DESC, PNIC_TX_DESC);
	if (rc)
		return rc;
	/* Polled: no interrupt causes (SDM 13.4.21, IMC). ICR still
	 * latches them for e1000_service. */
	h_wr(h.ctx, E1000_IMC, 0xFFFFFFFFu);
	return 0;
}

static int on_pci(struct pci_addr a, uint32_t id, uint32_t class_rev, void *arg)
{
	int *count = arg, rc;
	struct pci_bar bar;
	struct pnic *n;

	(void)class_rev;
	if ((id & 0xffffu) != E1000_VENDOR || id >> 16 != E1000_DEV_82540EM || *count >= PNIC_MAX)
		return 0;
	if (pci_bar_decode(a, 0, &bar) || bar.is_io || !bar.base || bar.size < PNIC_BAR0_MIN) {
		printf("e1000: %02x:%02x.%x: BAR 0 is not a usable memory BAR\n", a.bus, a.dev, a.fn);
		return 0;
	}
	n = &nics[*count];
	rc = pnic_up(n, a, bar.base);
	if (rc) {
		printf("e1000: %02x:%02x.%x: cannot bring it up (%d)\n", a.bus, a.dev, a.fn, rc);
		memset(n, 0, sizeof(*n));
		return 0;
	}
	n->used = true;
	e1000_uplink_init(&n->up, &n->d);
	n->bus = a.bus, n->dev = a.dev, n->fn = a.fn;
	n->if_index = *count + 2;   /* 1 is the loopback's in Windows */
	n->description = "Intel(R) PRO/1000 MT Desktop Adapter";
	pnic_name(n, *count);
	printf("e1000: %s at %02x:%02x.%x, MAC %02X-%02X-%02X-%02X-%02X-%02X, link %s\n", n->name,
	       a.bus, a.dev, a.fn, n->d.mac[0], n->d.mac[1], n->d.mac[2], n->d.mac[3], n->d.mac[4],
	       n->d.mac[5], n->d.link_up ? "up" : "down");
	(*count)++;
	return 0;
}

int pnic_probe_all(void)
{
	int n = 0;

	if (strstr(parent_boot->cmdline, "nic=off"))
		return 0;
	pci_set_hooks(&pnic_pci_hooks);
	pci_scan(on_pci, &n);
	return n;
}

struct pnic *pnic_at(int i)
{
	return i >= 0 && i < PNIC_MAX && nics[i].used ? &nics[i] : NULL;
}

struct pnic *pnic_find(const char *name)
{
	for (int i = 0; name && i < PNIC_MAX; i++)
		if (nics[i].used && !strcasecmp(nics[i].name, name))
			return &nics[i];
	return NULL;
}

struct pnic *pnic_of_switch(const struct vnet_switch *s)
{
	for (int i = 0; s && i < PNIC_MAX; i++)
		if (nics[i].used && nics[i].bound == s)
			return &nics[i];
	return NULL;
}

/* ---- the uplink (partition/drivers/e1000_uplink.c) ---- */

int pnic_bind(struct pnic *n, struct vnet_switch *s)
{
	int rc;

	if (n->bound)
		return -EBUSY;
	rc = e1000_uplink_bind(&n->up, s->sw);
	if (!rc)
		n->bound = s;
	return rc;
}

void pnic_unbind_switch(const struct vnet_switch *s)
{
	struct pnic *n = pnic_of_switch(s);

	if (!n)
		return;
	e1000_uplink_unbind(&n->up);
	n->bound = NULL;
}

void pnic_poll(void)
{
	static uint64_t last_tick;
	bool tick = pit_ticks != last_tick;

	last_tick = pit_ticks;
	for (int i = 0; i < PNIC_MAX; i++) {
		struct pnic *n = &nics[i];

		if (!n->used)
			continue;
		/* ICR is a register read (an exit under some hypervisors):
		 * link changes are looked for once per tick. */
		if (tick)
			e1000_service(&n->d);
		e1000_uplink_poll(&n->up, PNIC_RX_DESC);
	}
}

const char *pnic_status(const struct pnic *n)
{
	return n->d.link_up ? "Up" : "Disconnected";
}

void pnic_link_speed(const struct pnic *n, char *buf, size_t len)
{
	unsigned mbps = n->d.link_up ? e1000_link_speed((struct e1000 *)&n->d) : 0;

	if (mbps >= 1000)
		snprintf(buf, len, "%u Gbps", mbps / 1000);
	else if (mbps)
		snprintf(buf, len, "%u Mbps", mbps);
	else
		snprintf(buf, len, "0 bps");
}
