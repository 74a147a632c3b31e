/* Context switching for x86-64 (System V ABI). See context.h: sp 0,
 * saved[8] 8..64 (sp, pc, rbx, rbp, r12, r13, r14, r15), from_save 72,
 * resume_value 80. */
        .text

/* The first half of a switch: the callee-saved registers pushed above the
 * caller's return address, and the stack pointer kept in the context at
 * rdi, where .Lresume_stack finds them. The pops there mirror it. */
.macro switch_out
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, 0(%rdi)
.endm

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

/* int canopy_ctx_swap(canopy_ctx* from, const canopy_ctx* to): from's
 * resume_value once resumed. */
        .globl canopy_ctx_swap
        .type canopy_ctx_swap,@function
        .p2align 4
canopy_ctx_swap:
        .cfi_startproc
        switch_out
        /* from_save is already 0: the jump that resumed this context
         * cleared it (below), and a swap never runs in a saved one. */
        movq    %rsi, %rdi
        cmpq    $0, 72(%rdi)
        jne     .Lresume_saved
        /* This call's own return address, the top of the CPU's stack of
         * predicted returns. */
        movq    48(%rsp), %r8
        movq    0(%rdi), %rsp
        /* Resumes the stack at rsp, whose return address a `ret` would be
         * predicted to reach only if it is r8: when `to` was switched out
         * from the same call site (two coroutines yielding to each other).
         * Anywhere else a `ret` always mispredicts, while an indirect jump
         * is predicted from this site's own history, which a ping-pong
         * between two sites gets right. Measured (bench_core
         * switch/bare_swap, two sites): always `ret` 9.5-12.2 ns, always a
         * jump 4.3-5.7 ns; but always a jump made timers_1m 1.35x slower,
         * whose switches return where the return stack says. */
.Lresume_stack:
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        /* A context on its stack was left by a swap (or canopy_ctx_start),
         * which returns its resume_value and leaves it 0 for the next
         * (context.h). */
        movl    80(%rdi), %eax
        movq    $0, 80(%rdi)
        cmpq    %r8, (%rsp)
        jne     1f
        ret
1:
        popq    %rcx
        jmpq    *%rcx
        .cfi_endproc
        .size canopy_ctx_swap,.-canopy_ctx_swap

/* int canopy_ctx_start(canopy_ctx* from, void* sp, body, void* arg): saves
 * the caller into `from` as canopy_ctx_swap does, then calls body(arg) on
 * the new stack and resumes the context it returns. */
        .globl canopy_ctx_start
        .type canopy_ctx_start,@function
        .p2align 4
canopy_ctx_start:
        .cfi_startproc
        switch_out
        movq    %rsi, %rsp
        /* On the new stack: the undefined return address ends every
         * unwinder's walk here. */
        .cfi_undefined rip
        xorl    %ebp, %ebp
        movq    %rcx, %rdi
        callq   *%rdx
        movq    %rax, %rdi
        jmp     canopy_ctx_jump
        .cfi_endproc
        .size canopy_ctx_start,.-canopy_ctx_start
/* void canopy_ctx_jump(const canopy_ctx* to): never returns. */
        .globl canopy_ctx_jump
        .type canopy_ctx_jump,@function
        .p2align 4
canopy_ctx_jump:
        .cfi_startproc
        cmpq    $0, 72(%rdi)
        jne     .Lresume_saved
        /* Nothing called this (a finished coroutine's last step): resume
         * by `ret`, which keeps the return stack as balanced as when the
         * coroutine started. */
        movq    0(%rdi), %rsp
        movq    48(%rsp), %r8
        jmp     .Lresume_stack
.Lresume_saved:
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


/* Where the child of a C go() goes once its call returned (<libdill.h>),
 * by a jump with rsp 16-byte aligned rather than a call that would never
 * return: every call left unreturned is an entry the CPU's stack of
 * predicted returns keeps, and go() with two of them per child was a tenth
 * slower. canopy_go_finish returns the context to resume next. */
        .globl canopy_go_exit
        .type canopy_go_exit,@function
        .p2align 4
canopy_go_exit:
        .cfi_startproc
        .cfi_undefined rip
        callq   canopy_go_finish@PLT
        movq    %rax, %rdi
        jmp     canopy_ctx_jump
        .cfi_endproc
        .size canopy_go_exit,.-canopy_go_exit
/* Entered as a parked channel call's return (context.h): rsp and the
 * callee-saved registers are the call's caller's, as after a `ret`, so rsp
 * is 16-byte aligned here and a call keeps the ABI's alignment. The result
 * comes back in rax; where to go on, in rdx. */
        .globl canopy_ctx_detour
        .type canopy_ctx_detour,@function
        .p2align 4
canopy_ctx_detour:
        .cfi_startproc
        .cfi_undefined rip
        callq   canopy_parked_finish@PLT
        jmpq    *%rdx
        .cfi_endproc
        .size canopy_ctx_detour,.-canopy_ctx_detour

        .section .note.GNU-stack,"",@progbits
