/* Context switching for AArch64 (AAPCS64). See context.h for the layout:
 * sp 0, pc 8, x19..x29 16..96, d8..d15 104..160. */
        .text

.macro CANOPY_SAVE ctx
        mov     x9, sp
        str     x9, [\ctx, #0]
        str     x30, [\ctx, #8]
        stp     x19, x20, [\ctx, #16]
        stp     x21, x22, [\ctx, #32]
        stp     x23, x24, [\ctx, #48]
        stp     x25, x26, [\ctx, #64]
        stp     x27, x28, [\ctx, #80]
        str     x29, [\ctx, #96]
        stp     d8, d9, [\ctx, #104]
        stp     d10, d11, [\ctx, #120]
        stp     d12, d13, [\ctx, #136]
        stp     d14, d15, [\ctx, #152]
.endm

.macro CANOPY_LOAD_AND_GO ctx
        ldp     x19, x20, [\ctx, #16]
        ldp     x21, x22, [\ctx, #32]
        ldp     x23, x24, [\ctx, #48]
        ldp     x25, x26, [\ctx, #64]
        ldp     x27, x28, [\ctx, #80]
        ldr     x29, [\ctx, #96]
        ldp     d8, d9, [\ctx, #104]
        ldp     d10, d11, [\ctx, #120]
        ldp     d12, d13, [\ctx, #136]
        ldp     d14, d15, [\ctx, #152]
        ldr     x9, [\ctx, #0]
        mov     sp, x9
        ldr     x30, [\ctx, #8]
        mov     w0, #1
        br      x30
.endm

        .globl canopy_ctx_save
        .type canopy_ctx_save,%function
        .p2align 4
canopy_ctx_save:
        CANOPY_SAVE x0
        mov     w0, #0
        ret
        .size canopy_ctx_save,.-canopy_ctx_save

        .globl canopy_ctx_swap
        .type canopy_ctx_swap,%function
        .p2align 4
canopy_ctx_swap:
        CANOPY_SAVE x0
        CANOPY_LOAD_AND_GO x1
        .size canopy_ctx_swap,.-canopy_ctx_swap

        .globl canopy_ctx_jump
        .type canopy_ctx_jump,%function
        .p2align 4
canopy_ctx_jump:
        CANOPY_LOAD_AND_GO x0
        .size canopy_ctx_jump,.-canopy_ctx_jump

/* Entered with x19 = argument, x20 = function; fp and lr zeroed so
 * unwinders stop here. */
        .globl canopy_ctx_trampoline
        .type canopy_ctx_trampoline,%function
        .p2align 4
canopy_ctx_trampoline:
        mov     x29, #0
        mov     x30, #0
        mov     x0, x19
        blr     x20
        /* x0: the context the function returned, to resume. */
        b       canopy_ctx_jump
        .size canopy_ctx_trampoline,.-canopy_ctx_trampoline

        .section .note.GNU-stack,"",%progbits
