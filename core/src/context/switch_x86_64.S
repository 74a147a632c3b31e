/* Context switching for x86-64 (System V ABI). See context.h for the layout:
 * sp 0, pc 8, rbx 16, rbp 24, r12 32, r13 40, r14 48, r15 56. */
        .text

        .globl canopy_ctx_save
        .type canopy_ctx_save,@function
        .p2align 4
canopy_ctx_save:
        .cfi_startproc
        movq    (%rsp), %rax
        leaq    8(%rsp), %rcx
        movq    %rcx, 0(%rdi)
        movq    %rax, 8(%rdi)
        movq    %rbx, 16(%rdi)
        movq    %rbp, 24(%rdi)
        movq    %r12, 32(%rdi)
        movq    %r13, 40(%rdi)
        movq    %r14, 48(%rdi)
        movq    %r15, 56(%rdi)
        xorl    %eax, %eax
        ret
        .cfi_endproc
        .size canopy_ctx_save,.-canopy_ctx_save

        .globl canopy_ctx_swap
        .type canopy_ctx_swap,@function
        .p2align 4
canopy_ctx_swap:
        .cfi_startproc
        movq    (%rsp), %rax
        leaq    8(%rsp), %rcx
        movq    %rcx, 0(%rdi)
        movq    %rax, 8(%rdi)
        movq    %rbx, 16(%rdi)
        movq    %rbp, 24(%rdi)
        movq    %r12, 32(%rdi)
        movq    %r13, 40(%rdi)
        movq    %r14, 48(%rdi)
        movq    %r15, 56(%rdi)
        movq    16(%rsi), %rbx
        movq    24(%rsi), %rbp
        movq    32(%rsi), %r12
        movq    40(%rsi), %r13
        movq    48(%rsi), %r14
        movq    56(%rsi), %r15
        movq    0(%rsi), %rsp
        movl    $1, %eax
        jmpq    *8(%rsi)
        .cfi_endproc
        .size canopy_ctx_swap,.-canopy_ctx_swap

        .globl canopy_ctx_jump
        .type canopy_ctx_jump,@function
        .p2align 4
canopy_ctx_jump:
        .cfi_startproc
        movq    16(%rdi), %rbx
        movq    24(%rdi), %rbp
        movq    32(%rdi), %r12
        movq    40(%rdi), %r13
        movq    48(%rdi), %r14
        movq    56(%rdi), %r15
        movq    0(%rdi), %rsp
        movl    $1, %eax
        jmpq    *8(%rdi)
        .cfi_endproc
        .size canopy_ctx_jump,.-canopy_ctx_jump

/* Entered with rsp 16-byte aligned, rbx = argument, r12 = function. The
 * undefined return address ends every unwinder's walk here. */
        .globl canopy_ctx_trampoline
        .type canopy_ctx_trampoline,@function
        .p2align 4
canopy_ctx_trampoline:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %rbx, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size canopy_ctx_trampoline,.-canopy_ctx_trampoline

        .section .note.GNU-stack,"",@progbits
