/* Canopy's libdill-compatible C API.
 *
 * The names, signatures and error contract of libdill 2.x: every function
 * returns -1 and sets errno on failure, and a coroutine resumes from a
 * blocking call with errno 0 unless the call failed. Programs written for
 * libdill compile unchanged against this header and run on Canopy's
 * runtime, including under the simulator (CANOPY_SEED) and with tracing
 * (CANOPY_TRACE).
 *
 * Every function is declared under its dill_ name; the raw names (go,
 * hclose, chsend, ...) are macros for them unless DILL_DISABLE_RAW_NAMES is
 * defined before inclusion. In C++ the raw names are object-like macros as
 * in libdill: include the standard library and other headers first.
 *
 * Also provided, as the structured-concurrency documents spell them:
 * hdone(h, deadline) (ends a channel side, like chdone) and go_stack (the
 * older name of go_mem). Usable from C11 (with GNU statement expressions, as
 * libdill requires) and from C++. */
#ifndef LIBDILL_H_INCLUDED
#define LIBDILL_H_INCLUDED

/* What libdill's header brings in, so that programs relying on it build. */
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>
#if defined __linux__
#include <alloca.h>
#endif

#include "canopy/detail/context.h"

#if !defined __GNUC__ && !defined __clang__
#error "Canopy's <libdill.h> needs GCC or Clang (statement expressions)"
#endif

#if defined(__cplusplus)
/* Before any raw-name macro: it includes standard headers. */
#include "canopy/detail/go_expression.hpp"
#endif

/******************************************************************************/
/*  Versions, visibility, alignment                                           */
/******************************************************************************/

/* The libdill interface version this header implements (libtool style:
 * current, revision, age). */
#define DILL_VERSION_CURRENT 25
#define DILL_VERSION_REVISION 0
#define DILL_VERSION_AGE 5

#if DILL_NO_EXPORTS
#define DILL_EXPORT
#else
#define DILL_EXPORT __attribute__((visibility("default")))
#endif

/* The alignment of the *_storage structs: enough for what the runtime
 * places in them. Memory given to chmake_mem or bundle_mem that is less
 * aligned than the object placed there needs is refused with EINVAL. */
#define DILL_ALIGN __attribute__((aligned(16)))

#ifdef __cplusplus
extern "C" {
#endif

/******************************************************************************/
/*  Helpers: time and descriptors                                             */
/******************************************************************************/

/* Milliseconds on the runtime's monotonic clock (virtual under simulation).
 * Deadlines everywhere are absolute values of this clock; -1 means never,
 * 0 means "only if it can be done right now". */
DILL_EXPORT int64_t dill_now(void);
/* Sleeps until the deadline: 0, or -1 with ECANCELED. */
DILL_EXPORT int dill_msleep(int64_t deadline);
/* Forgets what the runtime keeps about `fd` (it stays registered with epoll
 * between waits). Call it before close(fd): otherwise a later descriptor
 * with the same number may be reported ready for the old one. */
DILL_EXPORT int dill_fdclean(int fd);
/* Waits until `fd` is readable (fdin) or writable (fdout): 0, or -1 with
 * ETIMEDOUT, ECANCELED, EBADF (not an open descriptor), EBUSY (another
 * coroutine waits on it). */
DILL_EXPORT int dill_fdin(int fd, int64_t deadline);
DILL_EXPORT int dill_fdout(int fd, int64_t deadline);

#if !defined DILL_DISABLE_RAW_NAMES
#define fdclean dill_fdclean
#define fdin dill_fdin
#define fdout dill_fdout
#define now dill_now
#define msleep dill_msleep
#endif

/******************************************************************************/
/*  Handles                                                                   */
/******************************************************************************/

/* Gives the object behind `h` a new handle number and invalidates `h`: the
 * new number works exactly as the old one did, and the old one gets EBADF
 * from now on. -1 with EBADF (not a valid handle), or ENOMEM, in which case
 * `h` is closed, as libdill does. */
DILL_EXPORT int dill_hown(int h);
/* Closes a handle. For a coroutine or bundle: cancels it (every blocking
 * call in it fails with ECANCELED from now on) and returns once it has
 * exited. For a channel end: ends both directions (EPIPE for everyone
 * waiting on the channel). For a user handle (<libdillimpl.h>): calls its
 * close. -1 with EBADF: not a valid handle of this thread; EINVAL: the
 * caller would wait for itself (it is the coroutine, a member of the
 * bundle, or runs under one of them). */
DILL_EXPORT int dill_hclose(int h);
/* Ends a channel side, as chdone(h); the deadline is accepted for
 * compatibility and never waited on. ENOTSUP for handles of other kinds. */
DILL_EXPORT int dill_hdone(int h, int64_t deadline);

#if !defined DILL_DISABLE_RAW_NAMES
#define hown dill_hown
#define hclose dill_hclose
#define hdone dill_hdone
#endif

/******************************************************************************/
/*  Coroutines                                                                */
/******************************************************************************/

/* A coroutine must not be inlined into its caller: its frame has to be on
 * its own stack. And the compiler must not reason across the call (noipa):
 * seeing that the coroutine only writes through a pointer argument and never
 * keeps it, GCC would conclude that the caller's local it points to cannot
 * change after go() returns, but the coroutine goes on running (libdill's
 * pitfall with go(fn(&x)) at -O2). Clang has no noipa. */
#if defined(__clang__)
#define dill_coroutine __attribute__((noinline))
#else
#define dill_coroutine __attribute__((noinline, noipa))
#endif

/* Memory for bundle_mem(): a bundle placed there lives until hclose. */
struct dill_bundle_storage {
  char _[128];
} DILL_ALIGN;
/* Bytes of memory bundle_mem() needs (Canopy's name for the size). */
#define BUNDLE_SIZE sizeof(struct dill_bundle_storage)

/* A new empty bundle; -1 with ENOMEM. */
DILL_EXPORT int dill_bundle(void);
/* The same in the caller's memory; EINVAL for null or misaligned memory. */
DILL_EXPORT int dill_bundle_mem(struct dill_bundle_storage *mem);
/* 0 once every member has finished (at once if none), -1 with ETIMEDOUT at
 * the deadline, ECANCELED if the caller is cancelled, EINVAL if the caller
 * is a member, EBADF (no such handle), ENOTSUP (not a bundle or go()
 * handle). */
DILL_EXPORT int dill_bundle_wait(int bndl, int64_t deadline);
/* Lets every other ready coroutine run once. 0; -1 with ECANCELED if the
 * caller was already cancelled. A coroutine closed while it waits here in
 * the ready queue still gets 0, as in libdill: it learns of the
 * cancellation from its next blocking call, which fails with ECANCELED. */
DILL_EXPORT int dill_yield(void);

/* The machinery behind go(); not for direct use. */
DILL_EXPORT extern int canopy_vla_bytes;
/* Where a go() is written: static, one per call site. */
struct canopy_go_site {
  const char *file;
  int line;
  const char *expr;
};
DILL_EXPORT int canopy_go_prologue(canopy_ctx **parent, void **stack_top, void *mem, size_t len,
                                   int join, int bndl, const char *file, int line,
                                   const char *expr);
/* go(fn) itself (no caller's memory, no bundle): three arguments. */
DILL_EXPORT int canopy_go_default(canopy_ctx **parent, void **stack_top,
                                  const struct canopy_go_site *site);
/* Nonzero when the library was built with AddressSanitizer, which must be
 * told of every arrival on a stack (canopy_go_started, canopy_go_resumed);
 * otherwise go() skips those two calls, which cost it a tenth of its time. */
DILL_EXPORT extern const int canopy_go_tells_arrival;
DILL_EXPORT void canopy_go_started(void);
DILL_EXPORT void canopy_go_resumed(void);
DILL_EXPORT __attribute__((noreturn)) void canopy_go_epilogue(void);
/* canopy_go_epilogue's work for go() on x86-64, entered by a jump
 * (CANOPY_GO_EXIT), not a call; canopy_go_finish is its C++ half. */
DILL_EXPORT void canopy_go_exit(void);
DILL_EXPORT const canopy_ctx *canopy_go_finish(void);
DILL_EXPORT int canopy_go_closure(void *mem, size_t len, int join, int bndl, const char *file,
                                  int line, const char *expr, size_t closure_bytes,
                                  size_t closure_align, void (*construct)(void *dst, void *src),
                                  void *src, void (*run)(void *closure));

#ifdef __cplusplus
}
#endif

#if defined(__cplusplus)
/* In C++ a lambda carries the call onto the new stack: no stack-pointer
 * tricks are needed, and arguments are evaluated by the child before the
 * parent resumes, exactly as in C. */
#define canopy_go_(fn, mem, len, join, bndl)                                                  \
  (::canopy::detail::go_expression([&]() { fn; }, (mem), (len), (join), (bndl), __FILE__,     \
                                   __LINE__, #fn))
#else
#if defined(__x86_64__)
#define CANOPY_SETSP(sp) __asm__ volatile("movq %0, %%rsp" : : "r"(sp) : "memory")
/* The child's end, by a jump: a call that never returns would leave an entry
 * on the CPU's stack of predicted returns (switch_x86_64.S). */
#define CANOPY_GO_EXIT()                                      \
  do {                                                        \
    __asm__ volatile("jmp canopy_go_exit@PLT" : : : "memory"); \
    __builtin_unreachable();                                  \
  } while (0)
#elif defined(__aarch64__)
#define CANOPY_SETSP(sp) __asm__ volatile("mov sp, %0" : : "r"(sp) : "memory")
#define CANOPY_GO_EXIT() canopy_go_epilogue()
#endif
/* How go() runs a call on a new stack in C: save the parent's context, move
 * the stack pointer, make the call, never return. The variable-length array
 * makes the compiler address the parent's locals through the frame pointer,
 * so the call's arguments are read correctly after the stack pointer moved;
 * canopy_ctx_save is returns_twice, so a write the child makes through a
 * pointer to a parent's local is seen by the parent even at -O2. */
#define canopy_go_(fn, mem, len, join, bndl)                                                   \
  canopy_go_run_(fn, canopy_go_prologue(&canopy_parent__, &canopy_sp__, (mem), (len), (join),  \
                                        (bndl), __FILE__, __LINE__, #fn))
/* go(fn): the call site in one static record, so the prologue takes three
 * arguments where the general one takes nine. */
#define canopy_go_default_(fn)                                                                 \
  canopy_go_run_(fn, ({                                                                        \
                   static const struct canopy_go_site canopy_site__ = {__FILE__, __LINE__, #fn}; \
                   canopy_go_default(&canopy_parent__, &canopy_sp__, &canopy_site__);          \
                 }))
#define canopy_go_run_(fn, prologue)                                                           \
  ({                                                                                           \
    canopy_ctx *canopy_parent__;                                                               \
    void *canopy_sp__;                                                                         \
    int volatile canopy_h__ = (prologue);                                                      \
    if (canopy_h__ >= 0) {                                                                     \
      char canopy_fp__[canopy_vla_bytes];                                                      \
      __asm__ volatile("" : : "r"(canopy_fp__) : "memory");                                    \
      if (!canopy_ctx_save(canopy_parent__)) {                                                 \
        CANOPY_SETSP(canopy_sp__);                                                             \
        if (__builtin_expect(canopy_go_tells_arrival, 0)) canopy_go_started();                 \
        fn;                                                                                    \
        CANOPY_GO_EXIT();                                                                      \
      }                                                                                        \
      if (__builtin_expect(canopy_go_tells_arrival, 0)) canopy_go_resumed();                   \
    }                                                                                          \
    canopy_h__;                                                                                \
  })
#endif

/* Runs the call `fn` (e.g. worker(1, "a")) as a new coroutine at once; the
 * caller resumes when it first blocks. Returns the handle of a bundle that
 * holds it (libdill 2.x): hclose cancels and waits for it, bundle_wait
 * waits for it, bundle_go adds coroutines beside it. -1 with errno
 * (ENOMEM, or ECANCELED when the caller is being closed: as in libdill, a
 * coroutine being cancelled starts no new coroutines). */
#if defined(__cplusplus)
#define dill_go(fn) canopy_go_(fn, NULL, 0, 0, -1)
#else
#define dill_go(fn) canopy_go_default_(fn)
#endif
/* As go(), on the caller's memory as stack (at least 512 bytes; no guard
 * page: an overflow corrupts what lies below). */
#define dill_go_mem(fn, ptr, len) canopy_go_(fn, ptr, len, 0, -1)
#define dill_go_stack(fn, ptr, len) canopy_go_(fn, ptr, len, 0, -1)
/* As go(), as a member of bundle `bndl` (or of a go() handle's bundle):
 * returns 0, or -1 with EBADF (no such handle), ENOTSUP (not a bundle). */
#define dill_bundle_go(bndl, fn) canopy_go_(fn, NULL, 0, 1, bndl)
#define dill_bundle_go_mem(bndl, fn, ptr, len) canopy_go_(fn, ptr, len, 1, bndl)

#if !defined DILL_DISABLE_RAW_NAMES
#define coroutine dill_coroutine
#define go dill_go
#define go_mem dill_go_mem
#define go_stack dill_go_stack
#define bundle_go dill_bundle_go
#define bundle_go_mem dill_bundle_go_mem
#define bundle_storage dill_bundle_storage
#define bundle dill_bundle
#define bundle_mem dill_bundle_mem
#define bundle_wait dill_bundle_wait
#define yield dill_yield
#endif

#ifdef __cplusplus
extern "C" {
#endif

/******************************************************************************/
/*  Channels                                                                  */
/******************************************************************************/

#define DILL_CHSEND 1
#define DILL_CHRECV 2

struct dill_chclause {
  int op;        /* DILL_CHSEND or DILL_CHRECV */
  int ch;        /* channel end */
  void *val;     /* message to send, or where to receive it */
  size_t len;    /* its size: both sides must agree (else EMSGSIZE) */
};

/* Memory for chmake_mem(): a channel placed there lives until both ends
 * are closed. */
struct dill_chstorage {
  char _[320];
} DILL_ALIGN;
/* Bytes of memory chmake_mem() needs (Canopy's name for the size). */
#define CHSIZE sizeof(struct dill_chstorage)

/* Makes an unbuffered channel: what is sent into chv[1] is received from
 * chv[0] and the other way round. -1 with EINVAL (null chv), ENOMEM. */
DILL_EXPORT int dill_chmake(int chv[2]);
/* The same in the caller's memory; EINVAL for null or misaligned memory. */
DILL_EXPORT int dill_chmake_mem(struct dill_chstorage *mem, int chv[2]);
/* 0 once a receiver took the message; -1 with EPIPE (ended), EMSGSIZE,
 * ETIMEDOUT, ECANCELED, EBADF (no such handle), ENOTSUP (not a channel).
 * Deadline 0: only if a receiver waits now. */
DILL_EXPORT int dill_chsend(int ch, const void *val, size_t len, int64_t deadline);
DILL_EXPORT int dill_chrecv(int ch, void *val, size_t len, int64_t deadline);
/* Ends the channel from this side: sends from it and receives on the other
 * side fail with EPIPE, blocked ones included. EPIPE if already ended. */
DILL_EXPORT int dill_chdone(int ch);
/* Waits for the first clause that can complete. Returns its index, with
 * errno 0 or that clause's error (EPIPE, EMSGSIZE); or -1 with ETIMEDOUT,
 * ECANCELED, EBADF, ENOTSUP, EINVAL. */
DILL_EXPORT int dill_choose(struct dill_chclause *clauses, int nclauses, int64_t deadline);

#if !defined DILL_DISABLE_RAW_NAMES
#define CHSEND DILL_CHSEND
#define CHRECV DILL_CHRECV
#define chclause dill_chclause
#define chstorage dill_chstorage
#define chmake dill_chmake
#define chmake_mem dill_chmake_mem
#define chsend dill_chsend
#define chrecv dill_chrecv
#define chdone dill_chdone
#define choose dill_choose
#endif

#ifdef __cplusplus
}
#endif

/* The network layer (net/): sockets, and the protocols layered on them. */
#if !defined DILL_DISABLE_SOCKETS && __has_include(<canopy/net/dill_sockets.h>)
#include <canopy/net/dill_sockets.h>
#endif
#if !defined DILL_DISABLE_SOCKETS && __has_include(<canopy/net/dill_protocols.h>)
#include <canopy/net/dill_protocols.h>
#endif

#endif
