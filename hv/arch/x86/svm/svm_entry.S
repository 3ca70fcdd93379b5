/*
 * void svm_run(struct vcpu *v, uint64_t host_vmcb_pa)
 *
 * One guest entry and its #VMEXIT (AMD APM Vol. 2 §15.5 "VMRUN
 * Instruction", §15.6 "#VMEXIT", §15.5.2 VMSAVE/VMLOAD). VMRUN saves and
 * restores hv's RIP, RSP, RAX, CR0/3/4, EFER, GDTR/IDTR and CS/SS/DS/ES
 * through VM_HSAVE_PA; FS, GS, TR, LDTR and the SYSCALL/SYSENTER MSRs
 * it does not, so VMSAVE keeps hv's in a VMCB of its own and VMLOAD
 * switches them. GIF stays clear from before the VMSAVE until hv's TR is
 * back, so no NMI or interrupt ever runs on the guest's TSS. RFLAGS.IF is
 * set for the VMRUN only: with V_INTR_MASKING (children), the host's IF
 * at VMRUN is what makes a physical interrupt exit (§15.21.1).
 *
 * The SYSCALL MSRs that hv/core/msr.c switches in software (STAR, LSTAR,
 * SFMASK, KERNEL_GS_BASE, as VT-x leaves them in the CPU) stay there as
 * on VT-x: the values in the CPU go into the guest's VMCB before VMLOAD,
 * and the guest's come back into hv's VMCB before the VMLOAD after it.
 *
 * struct vcpu: gpr[16] at 0 (x86 order; RAX and RSP live in the VMCB),
 * arch.vmcb_pa at 128. The pool is identity-mapped: a VMCB's physical
 * address is also its address in hv.
 */
#define SAVE_STAR   0x600
#define SAVE_LSTAR  0x608
#define SAVE_SFMASK 0x618
#define SAVE_KGS    0x620
#define SAVE_CR2    0x640

.macro copy_syscall from, to, tmp
	mov SAVE_STAR(\from), \tmp
	mov \tmp, SAVE_STAR(\to)
	mov SAVE_LSTAR(\from), \tmp
	mov \tmp, SAVE_LSTAR(\to)
	mov SAVE_SFMASK(\from), \tmp
	mov \tmp, SAVE_SFMASK(\to)
	mov SAVE_KGS(\from), \tmp
	mov \tmp, SAVE_KGS(\to)
.endm

	.text
	.global svm_run
svm_run:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi                   /* 8(%rsp): v */
	push %rsi                   /* 0(%rsp): hv's VMCB */
	clgi
	/* IF = 1 for VMRUN (the host's IF lets physical interrupts exit the
	 * guest, APM Vol. 2 §15.21.1), set here, while GIF = 0 holds them,
	 * and not just before VMRUN: QEMU 7.2's VMRUN neither loads the
	 * guest's interrupt shadow from the VMCB nor drops the host's, so
	 * STI's shadow on VMRUN inhibited interrupts for the guest's first
	 * instruction. A virtual interrupt offered to a child waiting in
	 * "sti; hlt; cli" (timer.elf wait=hlt) was then never taken: hv
	 * resumed it after the HLT, at the CLI, every time. */
	sti
	mov %rsi, %rax
	vmsave
	mov 128(%rdi), %rax         /* the guest's VMCB */
	copy_syscall %rsi, %rax, %rcx
	vmload
	/* VMRUN loads the guest's CR2 from the VMCB (APM Vol. 2 §15.5.1);
	 * Bochs 2.7's reads it and never loads it, so a #PF hv injects there
	 * reaches the guest with the host's CR2. The same value in the CPU
	 * first costs one MOV here and changes nothing where VMRUN loads it
	 * (hv itself never reads CR2 but in its fatal-exception report). */
	mov SAVE_CR2(%rax), %rcx
	mov %rcx, %cr2
	mov 8(%rdi), %rcx
	mov 16(%rdi), %rdx
	mov 24(%rdi), %rbx
	mov 40(%rdi), %rbp
	mov 48(%rdi), %rsi
	mov 64(%rdi), %r8
	mov 72(%rdi), %r9
	mov 80(%rdi), %r10
	mov 88(%rdi), %r11
	mov 96(%rdi), %r12
	mov 104(%rdi), %r13
	mov 112(%rdi), %r14
	mov 120(%rdi), %r15
	mov 56(%rdi), %rdi
	vmrun
	/* #VMEXIT: RAX is the guest's VMCB again, RSP hv's, GIF = 0. */
	cli
	vmsave
	push %rdi
	mov 16(%rsp), %rdi          /* v */
	mov %rcx, 8(%rdi)
	mov %rdx, 16(%rdi)
	mov %rbx, 24(%rdi)
	mov %rbp, 40(%rdi)
	mov %rsi, 48(%rdi)
	mov %r8, 64(%rdi)
	mov %r9, 72(%rdi)
	mov %r10, 80(%rdi)
	mov %r11, 88(%rdi)
	mov %r12, 96(%rdi)
	mov %r13, 104(%rdi)
	mov %r14, 112(%rdi)
	mov %r15, 120(%rdi)
	pop %rcx
	mov %rcx, 56(%rdi)
	mov (%rsp), %rsi            /* hv's VMCB */
	copy_syscall %rax, %rsi, %rcx
	mov %rsi, %rax
	vmload
	stgi                        /* IF is still 0: nothing is taken here */
	pop %rsi
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.section .note.GNU-stack, "", @progbits
