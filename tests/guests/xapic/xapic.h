/* Shared by the xapic guest's files. */
#ifndef XAPIC_GUEST_H
#define XAPIC_GUEST_H
#include <stdint.h>

#define ALIAS 0xc0000000u   /* the page table paging_on() installs */

/* PTE idx of the page table at ALIAS: phys, present and writable. */
void xapic_map(unsigned idx, uint32_t phys);
/* Under hvpart, paging on: the unbacked-GPA checks (absent.c); 0 if all
 * passed. */
int xapic_absent_checks(void);
/* MUL/DIV (#DE), LODS/CMPS/SCAS, MOVSX, LOCK #UD on the page at apic
 * (forms.c), in phase ph; 0 if all passed. */
int xapic_forms(volatile uint32_t *apic, const char *ph);
#endif
