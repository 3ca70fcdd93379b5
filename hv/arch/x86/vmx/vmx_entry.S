/*
 * Guest entry and VM-exit landing (SDM Vol. 3C §27 "VM Entries", §28.5
 * "Loading Host State"). On exit the CPU loads RSP from HOST_RSP, which
 * points at a slot holding the current struct vcpu *; RSP is 16-byte
 * aligned there, as the SysV ABI wants at a call.
 * struct vcpu layout: gpr[16] at 0 (x86 register order), launched at 128.
 */
	.text
	.global vmx_exit_stub
vmx_exit_stub:
	push %rax
	mov 8(%rsp), %rax
	mov %rcx, 8(%rax)
	mov %rdx, 16(%rax)
	mov %rbx, 24(%rax)
	mov %rbp, 40(%rax)
	mov %rsi, 48(%rax)
	mov %rdi, 56(%rax)
	mov %r8, 64(%rax)
	mov %r9, 72(%rax)
	mov %r10, 80(%rax)
	mov %r11, 88(%rax)
	mov %r12, 96(%rax)
	mov %r13, 104(%rax)
	mov %r14, 112(%rax)
	mov %r15, 120(%rax)
	pop %rcx
	mov %rcx, 0(%rax)
	mov %rax, %rdi
	call vmx_handle_exit        /* returns the vCPU to run next */
	mov %rax, (%rsp)
	mov %rax, %rdi
	call vmx_enter_guest
	/* VMRESUME/VMLAUNCH failed: RAX = the vCPU. */
	mov (%rsp), %rdi
	call vmx_entry_failed       /* picks another vCPU or halts */
	mov %rax, (%rsp)
	mov %rax, %rdi
	call vmx_enter_guest
	mov (%rsp), %rdi
	call vmx_entry_failed
	ud2

/* int vmx_enter_guest(struct vcpu *v): loads guest GPRs and enters.
 * Returns 1 only when the entry instruction itself failed (VMfail). */
	.global vmx_enter_guest
vmx_enter_guest:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rdi, %rax
	mov 8(%rax), %rcx
	mov 16(%rax), %rdx
	mov 24(%rax), %rbx
	mov 40(%rax), %rbp
	mov 48(%rax), %rsi
	mov 56(%rax), %rdi
	mov 64(%rax), %r8
	mov 72(%rax), %r9
	mov 80(%rax), %r10
	mov 88(%rax), %r11
	mov 96(%rax), %r12
	mov 104(%rax), %r13
	mov 112(%rax), %r14
	mov 120(%rax), %r15
	cmpq $0, 128(%rax)
	mov 0(%rax), %rax           /* mov leaves the flags alone */
	je 1f
	vmresume
	jmp 2f
1:	vmlaunch
2:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	mov $1, %eax
	ret

	.section .note.GNU-stack, "", @progbits
