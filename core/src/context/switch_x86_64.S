/* Context switching for x86-64 (System V ABI). See context.h: sp 0,
 * saved[8] 8..64 (sp, pc, rbx, rbp, r12, r13, r14, r15), from_save 72. */
        .text

/* int canopy_ctx_save(canopy_ctx* ctx): setjmp-like; returns 0, and 1 when
 * resumed. */
        .globl canopy_ctx_save
        .type canopy_ctx_save,@function
        .p2align 4
canopy_ctx_save:
        .cfi_startproc
        movq    (%rsp), %rax
        leaq    8(%rsp), %rcx
        movq    %rcx, 8(%rdi)
        movq    %rax, 16(%rdi)
        movq    %rbx, 24(%rdi)
        movq    %rbp, 32(%rdi)
        movq    %r12, 40(%rdi)
        movq    %r13, 48(%rdi)
        movq    %r14, 56(%rdi)
        movq    %r15, 64(%rdi)
        movq    $1, 72(%rdi)
        xorl    %eax, %eax
        ret
        .cfi_endproc
        .size canopy_ctx_save,.-canopy_ctx_save

/* void canopy_ctx_swap(canopy_ctx* from, const canopy_ctx* to) */
        .globl canopy_ctx_swap
        .type canopy_ctx_swap,@function
        .p2align 4
canopy_ctx_swap:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, 0(%rdi)
        /* from_save is already 0: the jump that resumed this context
         * cleared it (below), and a swap never runs in a saved one. */
        movq    %rsi, %rdi
        jmp     canopy_ctx_jump
        .cfi_endproc
        .size canopy_ctx_swap,.-canopy_ctx_swap

/* void canopy_ctx_jump(const canopy_ctx* to): never returns. */
        .globl canopy_ctx_jump
        .type canopy_ctx_jump,@function
        .p2align 4
canopy_ctx_jump:
        .cfi_startproc
        cmpq    $0, 72(%rdi)
        jne     1f
        movq    0(%rdi), %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        movl    $1, %eax
        ret
1:
        /* A saved context is resumed once; from then on it runs, and its
         * next switch out is a swap, which leaves from_save alone. */
        movq    $0, 72(%rdi)
        movq    24(%rdi), %rbx
        movq    32(%rdi), %rbp
        movq    40(%rdi), %r12
        movq    48(%rdi), %r13
        movq    56(%rdi), %r14
        movq    64(%rdi), %r15
        movq    8(%rdi), %rsp
        movl    $1, %eax
        jmpq    *16(%rdi)
        .cfi_endproc
        .size canopy_ctx_jump,.-canopy_ctx_jump

/* Entered by `ret` from a prepared stack with rsp 16-byte aligned, rbx =
 * argument, r12 = function. The undefined return address ends every
 * unwinder's walk here. */
        .globl canopy_ctx_trampoline
        .type canopy_ctx_trampoline,@function
        .p2align 4
canopy_ctx_trampoline:
        .cfi_startproc
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %rbx, %rdi
        callq   *%r12
        /* The function returned the context to resume (a finished
         * coroutine's successor): jump there, with the CPU's stack of
         * predicted returns as balanced as when the coroutine started. */
        movq    %rax, %rdi
        jmp     canopy_ctx_jump
        .cfi_endproc
        .size canopy_ctx_trampoline,.-canopy_ctx_trampoline

        .section .note.GNU-stack,"",@progbits
