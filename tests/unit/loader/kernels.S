/* Embeds the test kernels built by partition/loader/module.mk. */
	.section .rodata
	.balign 8
	.globl kern_mb1_elf32, kern_mb1_elf32_end
kern_mb1_elf32:
	.incbin KERN32
kern_mb1_elf32_end:
	.balign 8
	.globl kern_mb2_elf64, kern_mb2_elf64_end
kern_mb2_elf64:
	.incbin KERN64
kern_mb2_elf64_end:
	.section .note.GNU-stack,"",@progbits
