/*
 * uint64_t guest_hypercall(uint64_t control, uint64_t in_gpa,
 *                          uint64_t out_gpa)
 *
 * TLFS v6.0 §3.7, register mapping for 32-bit callers (the hypervisor
 * tells the modes apart by EFER.LMA and CS.L): EDX:EAX = hypercall input
 * value, EBX:ECX = input parameters GPA, EDI:ESI = output parameters GPA;
 * the result value comes back in EDX:EAX (§3.8), which is also where
 * the i386 cdecl convention returns a uint64_t.
 */
	.section .text
	.globl guest_hypercall
	.code32
guest_hypercall:
	push %ebx
	push %esi
	push %edi
	push %ebp
	/* 4 saved registers + return address: arguments start at 20(%esp) */
	mov 20(%esp), %eax		/* control, low */
	mov 24(%esp), %edx		/* control, high */
	mov 28(%esp), %ecx		/* input GPA, low */
	mov 32(%esp), %ebx		/* input GPA, high */
	mov 36(%esp), %esi		/* output GPA, low */
	mov 40(%esp), %edi		/* output GPA, high */
	call *guest_hv_hypercall_entry
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

	.section .note.GNU-stack, "", @progbits
