/* A saved execution context: just enough registers to resume a coroutine.
 *
 * Only the registers the calling convention says a callee must preserve are
 * kept; everything else is dead across a switch because every switch is a
 * function call. Floating-point control words (MXCSR, x87 CW) are not saved:
 * nothing in a coroutine is expected to change them, and saving them costs
 * more than the rest of the switch.
 *
 * This header is C so that <libdill.h>'s go() macro can save the parent's
 * context inline. Field offsets are used by the assembly. */
#ifndef CANOPY_CONTEXT_H_INCLUDED
#define CANOPY_CONTEXT_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__x86_64__)
#define CANOPY_CTX_SWAP_RETURNS_RESUME_VALUE 1
typedef struct canopy_ctx {
  /* Where a switched-out coroutine's stack pointer stands. canopy_ctx_swap
   * leaves the callee-saved registers and the return address on the stack
   * there. It resumes with `ret` when both sides switched from the same
   * call site, where the CPU's return prediction is right, and with an
   * indirect jump otherwise; switch_x86_64.S gives the costs. */
  void* sp;
  /* A context saved by canopy_ctx_save (go()'s parent, run_main) cannot use
   * its own stack: the caller goes on using it. Its registers are kept
   * here instead: sp, pc, rbx, rbp, r12, r13, r14, r15. */
  void* saved[8];
  /* Nonzero: resume from `saved`; zero: from the stack at `sp`. Set by
   * canopy_ctx_save, cleared by the jump that resumes such a context, so
   * that canopy_ctx_swap, the switch itself, need not store it. */
  long from_save;
  /* What the canopy_ctx_swap that resumes this context returns, then
   * cleared by it: 0 unless whoever made the coroutine ready set it (the
   * clause a parked choose completed with, its call's result). */
  long resume_value;
} canopy_ctx;
#elif defined(__aarch64__)
#define CANOPY_CTX_SWAP_RETURNS_RESUME_VALUE 0
typedef struct canopy_ctx {
  void* sp;       /* stack pointer to restore */
  void* pc;       /* where to continue (the saved link register) */
  void* x[11];    /* x19..x29: callee-saved, x19/x20 carry the entry arg/function */
  double d[8];    /* d8..d15: callee-saved low halves of v8..v15 */
} canopy_ctx;
#else
#error "Canopy switches contexts on x86-64 and AArch64 only"
#endif

/* Saves the caller's context into `ctx` and returns 0. Returns again, with 1,
 * when something later jumps to `ctx`. returns_twice makes the compiler keep
 * every variable that lives across the call in memory, which is what lets a
 * parent see writes a child made through a pointer to its locals. */
__attribute__((returns_twice)) int canopy_ctx_save(canopy_ctx* ctx);

/* Saves the caller into `from`, resumes `to`; returns when `from` is
 * resumed: where CANOPY_CTX_SWAP_RETURNS_RESUME_VALUE is 1 (x86-64) with `from`'s
 * resume_value, 0 unless its waker set one, so that a caller that returns
 * that value after the switch can make the switch its tail call; with 1
 * elsewhere. */
__attribute__((nothrow)) int canopy_ctx_swap(canopy_ctx* from, const canopy_ctx* to);

#if defined(__x86_64__)
/* canopy_ctx_swap into a coroutine that has never run: saves the caller
 * into `from`, then calls body(arg) on the stack at `sp` (16-byte aligned);
 * body returns the context to resume next, which is resumed as by
 * canopy_ctx_jump. Returns as canopy_ctx_swap does, when `from` is
 * resumed. A call made by the switch itself, returned from before the
 * jump: the CPU's stack of predicted returns is as balanced as before. */
__attribute__((nothrow)) int canopy_ctx_start(canopy_ctx* from, void* sp, const canopy_ctx* (*body)(void*),
                                              void* arg);
#endif

/* Resumes `to` and never comes back: for a coroutine that has finished. */
__attribute__((noreturn)) void canopy_ctx_jump(const canopy_ctx* to);

#if defined(__x86_64__)
/* Where a context left by canopy_ctx_swap resumes: the return address above
 * the six callee-saved registers the swap pushed. The scheduler rewrites it
 * to send a parked channel call through canopy_ctx_detour. */
static inline void** canopy_ctx_resume_slot(canopy_ctx* ctx) { return (void**)ctx->sp + 6; }

/* What canopy_parked_finish hands the detour: the call's result, and where
 * the call would have returned to. Two integers: returned in rax and rdx. */
typedef struct canopy_parked_result {
  long result;
  const void* resume_at;
} canopy_parked_result;

/* Resumed in place of a parked channel call's return (the scheduler's
 * ParkedCall): calls canopy_parked_finish, then goes on at its resume_at
 * with its result, as if the call had returned it. */
void canopy_ctx_detour(void);

/* Defined by the scheduler: the running coroutine's parked call, finished. */
canopy_parked_result canopy_parked_finish(void);
#endif

#if defined(__aarch64__)
/* First code run on a new stack: calls fn(arg) from the registers the
 * context was prepared with; fn returns the context to resume next (a
 * `const canopy_ctx*`), which the trampoline jumps to as canopy_ctx_jump. */
void canopy_ctx_trampoline(void);
#endif

#ifdef __cplusplus
}
#endif

#endif
