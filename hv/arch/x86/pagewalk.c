/* The guest page walk; see pagewalk.h. Section numbers: SDM Vol. 3A. */
#include "pagewalk.h"

#define CR0_WP    (1ull << 16)
#define CR0_PG    (1ull << 31)
#define CR4_PSE   (1ull << 4)
#define CR4_PAE   (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define CR4_SMEP  (1ull << 20)
#define CR4_SMAP  (1ull << 21)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)
#define RFLAGS_AC (1ull << 18)

#define PTE_P     (1ull << 0)
#define PTE_RW    (1ull << 1)
#define PTE_US    (1ull << 2)
#define PTE_A     (1ull << 5)
#define PTE_D     (1ull << 6)
#define PTE_PS    (1ull << 7)
#define PTE_XD    (1ull << 63)
#define ADDR64    0x000ffffffffff000ull
#define MAX_LEVELS 5

enum pw_kind { PW_32BIT, PW_PAE, PW_4LEVEL };

/* One walk: what the levels said so far (§4.6: rights combine over all
 * levels). */
struct walk {
	const struct pw_regs *r;
	enum pw_kind kind;
	bool user, rw, xd;
	unsigned n;                    /* entries read */
	uint64_t at[MAX_LEVELS];       /* their GPAs, for the A flags */
	uint64_t val[MAX_LEVELS];      /* and their values */
	bool has_a[MAX_LEVELS];        /* PAE PDPTEs have none (§4.4.1) */
};

static uint64_t bits(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return 0;
	return (hi >= 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

/* Reserved bits of a 64-bit entry at level (1 = PTE): §4.4.2 (PAE,
 * Tables 4-8 to 4-11), §4.5.4 (4- and 5-level, Tables 4-14 to 4-20). */
static uint64_t rsvd64(const struct walk *w, unsigned level, bool leaf)
{
	const struct pw_regs *r = w->r;
	uint64_t rs = bits(r->maxphyaddr, w->kind == PW_PAE ? 62 : 51);

	if (!(r->efer & EFER_NXE))
		rs |= PTE_XD;
	if (w->kind == PW_PAE && level == 3)
		return rs | PTE_XD | bits(1, 2) | bits(5, 8);
	if (w->kind == PW_4LEVEL && (level >= 4 || (level == 3 && !r->gb_pages)))
		rs |= PTE_PS;             /* and in a PDPTE without 1 GiB pages */
	if (leaf && level == 2)
		rs |= bits(13, 20);
	if (leaf && level == 3)
		rs |= bits(13, 29);
	return rs;
}

/* A 4 MiB PDE holds physical bits 39:32 in bits 20:13 (PSE-36, §4.3,
 * Table 4-4); bit 21 and the bits past MAXPHYADDR are reserved. */
static uint64_t rsvd32_large(const struct pw_regs *r)
{
	unsigned m = r->maxphyaddr < 40 ? r->maxphyaddr : 40;

	return (1ull << 21) | bits(13 + (m > 32 ? m - 32 : 0), 20);
}

static bool large_ok(const struct walk *w, unsigned level)
{
	switch (w->kind) {
	case PW_32BIT: return level == 2 && (w->r->cr4 & CR4_PSE);
	case PW_PAE: return level == 2;
	default: return level == 2 || (level == 3 && w->r->gb_pages);
	}
}

static uint64_t leaf_base(const struct walk *w, uint64_t pte, unsigned level, unsigned shift)
{
	if (w->kind == PW_32BIT && level == 2)
		return (pte & 0xffc00000ull) | (((pte >> 13) & 0xff) << 32);
	if (w->kind == PW_32BIT)
		return pte & 0xfffff000ull;
	return pte & ADDR64 & ~((1ull << shift) - 1);
}

/* The #PF error code for this access (§4.7): I/D only where the CPU
 * reports it (SMEP, or PAE/4-level paging with NXE). */
static uint32_t pf_code(const struct walk *w, unsigned access, uint32_t why)
{
	const struct pw_regs *r = w->r;
	uint32_t e = why | (access & (PW_WRITE | PW_USER));

	if ((access & PW_FETCH) &&
	    ((r->cr4 & CR4_SMEP) || (w->kind != PW_32BIT && (r->efer & EFER_NXE))))
		e |= PF_I;
	return e;
}

/* Access rights of the translation, §4.6.1: user accesses need U/S (and
 * R/W for writes) at every level; supervisor writes need R/W when
 * CR0.WP; XD forbids fetches; SMEP forbids supervisor fetches from user
 * pages, SMAP supervisor data accesses to them unless RFLAGS.AC (and
 * always for implicit accesses). */
static bool rights_ok(const struct walk *w, unsigned access)
{
	const struct pw_regs *r = w->r;
	bool write = access & PW_WRITE, fetch = access & PW_FETCH;

	if (fetch && w->xd)
		return false;
	if (access & PW_USER)
		return w->user && (!write || w->rw);
	if (write && !w->rw && (r->cr0 & CR0_WP))
		return false;
	if (fetch && w->user && (r->cr4 & CR4_SMEP))
		return false;
	if (!fetch && w->user && (r->cr4 & CR4_SMAP) &&
	    ((access & PW_IMPLICIT) || !(r->rflags & RFLAGS_AC)))
		return false;
	return true;
}

/* §4.8: A in every entry used, D in the leaf of a write; only once the
 * translation succeeded (the SDM allows either for a faulting walk). */
static void set_ad(const struct walk *w, const struct pw_mem *m, bool write)
{
	unsigned size = w->kind == PW_32BIT ? 4 : 8;

	if (!m->set_bits)
		return;
	for (unsigned i = 0; i < w->n; i++) {
		bool leaf = i == w->n - 1;
		uint64_t want = w->has_a[i] && !(w->val[i] & PTE_A) ? PTE_A : 0;

		if (leaf && write && !(w->val[i] & PTE_D))
			want |= PTE_D;
		if (want)
			m->set_bits(m->ctx, w->at[i], want, size);
	}
}

static unsigned top_level(const struct pw_regs *r, enum pw_kind k)
{
	if (k == PW_32BIT)
		return 2;
	if (k == PW_PAE)
		return 3;
	return (r->cr4 & CR4_LA57) ? 5 : 4;
}

static uint64_t table_base(const struct pw_regs *r, enum pw_kind k)
{
	if (k == PW_PAE)
		return r->cr3 & 0xffffffe0ull;   /* 32-byte aligned PDPT (§4.4.1) */
	if (k == PW_32BIT)
		return r->cr3 & 0xfffff000ull;
	return r->cr3 & ADDR64;
}

/* Read the entry for lin at level; 0, or a PW_* failure (with *err). */
static int step(struct walk *w, const struct pw_mem *m, uint64_t table, uint64_t lin,
		unsigned level, unsigned access, uint64_t *pte, uint32_t *err)
{
	unsigned per = w->kind == PW_32BIT ? 10 : 9, size = w->kind == PW_32BIT ? 4 : 8;
	unsigned shift = 12 + per * (level - 1);
	uint64_t idx = (lin >> shift) & ((1ull << per) - 1), rs;
	bool pdpte = w->kind == PW_PAE && level == 3;

	if (pdpte)
		idx = (lin >> 30) & 3;
	w->at[w->n] = table + idx * size;
	w->has_a[w->n] = !pdpte;
	if (m->read(m->ctx, w->at[w->n], pte, size))
		return PW_BAD_TABLE;
	w->val[w->n++] = *pte;
	if (!(*pte & PTE_P)) {
		*err = pf_code(w, access, 0);
		return PW_FAULT;
	}
	if (w->kind == PW_32BIT)
		rs = (level == 2 && (*pte & PTE_PS) && large_ok(w, 2)) ? rsvd32_large(w->r) : 0;
	else
		rs = rsvd64(w, level, level == 1 || ((*pte & PTE_PS) && large_ok(w, level)));
	if (*pte & rs) {
		*err = pf_code(w, access, PF_P | PF_RSVD);
		return PW_FAULT;
	}
	if (!pdpte) {
		w->user &= !!(*pte & PTE_US);
		w->rw &= !!(*pte & PTE_RW);
	}
	if (*pte & PTE_XD & ~rs)
		w->xd = true;
	return 0;
}

int pw_translate(const struct pw_regs *r, const struct pw_mem *m, uint64_t lin,
		 unsigned access, uint64_t *gpa, uint32_t *pf_error)
{
	struct walk w = { .r = r, .user = true, .rw = true };
	uint64_t table, pte = 0;
	unsigned level, shift;
	int rc;

	if (!(r->cr0 & CR0_PG)) {
		*gpa = r->efer & EFER_LMA ? lin : lin & 0xffffffffull;
		return 0;
	}
	if (r->cpl == 3 && !(access & PW_IMPLICIT))
		access |= PW_USER;
	else
		access &= ~PW_USER;
	w.kind = (r->efer & EFER_LMA) ? PW_4LEVEL : (r->cr4 & CR4_PAE) ? PW_PAE : PW_32BIT;
	if (w.kind != PW_4LEVEL)
		lin &= 0xffffffffull;
	table = table_base(r, w.kind);
	for (level = top_level(r, w.kind);; level--) {
		rc = step(&w, m, table, lin, level, access, &pte, pf_error);
		if (rc)
			return rc;
		if (level == 1 || ((pte & PTE_PS) && large_ok(&w, level)))
			break;
		table = w.kind == PW_32BIT ? pte & 0xfffff000ull : pte & ADDR64;
	}
	if (!rights_ok(&w, access)) {
		*pf_error = pf_code(&w, access, PF_P);
		return PW_FAULT;
	}
	shift = 12 + (w.kind == PW_32BIT ? 10 : 9) * (level - 1);
	*gpa = leaf_base(&w, pte, level, shift) | (lin & ((1ull << shift) - 1));
	set_ad(&w, m, access & PW_WRITE);
	return 0;
}
