/* Canopy's libdill-compatible C API.
 *
 * The names, signatures and error contract of libdill 2.x: every function
 * returns -1 and sets errno on failure. Programs written for libdill compile
 * unchanged against this header and run on Canopy's runtime, including
 * under the simulator (CANOPY_SEED) and with tracing (CANOPY_TRACE).
 *
 * Also provided, as the structured-concurrency documents spell them:
 * hdone(h, deadline) (ends a channel side, like chdone) and go_stack (the
 * older name of go_mem). Usable from C11 (with GNU statement expressions, as
 * libdill requires) and from C++. */
#ifndef LIBDILL_H_INCLUDED
#define LIBDILL_H_INCLUDED

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "canopy/detail/context.h"

#if !defined __GNUC__ && !defined __clang__
#error "Canopy's <libdill.h> needs GCC or Clang (statement expressions)"
#endif

#define DILL_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/******************************************************************************/
/*  Time                                                                      */
/******************************************************************************/

/* Milliseconds on the runtime's monotonic clock (virtual under simulation).
 * Deadlines everywhere are absolute values of this clock; -1 means never,
 * 0 means "only if it can be done right now". */
DILL_EXPORT int64_t now(void);

/******************************************************************************/
/*  Handles                                                                   */
/******************************************************************************/

/* Closes a handle. For a coroutine or bundle: cancels it (every blocking
 * call in it fails with ECANCELED from now on) and returns once it has
 * exited. For a channel end: ends both directions (EPIPE for everyone
 * waiting on the channel). EBADF: not a valid handle of this thread. */
DILL_EXPORT int hclose(int h);
/* Ends a channel side, as chdone(h); the deadline is accepted for
 * compatibility and never waited on. ENOTSUP for handles of other kinds. */
DILL_EXPORT int hdone(int h, int64_t deadline);
/* Gives the object behind `h` a new handle number and invalidates `h`: the
 * new number works exactly as the old one did, and the old one gets EBADF
 * from now on. -1 with EBADF (not a valid handle), or ENOMEM, in which case
 * `h` is closed, as libdill does. */
DILL_EXPORT int dill_hown(int h);
#if !defined DILL_DISABLE_RAW_NAMES
#define hown dill_hown
#endif

/******************************************************************************/
/*  Coroutines                                                                */
/******************************************************************************/

/* Bytes of memory bundle_mem() needs. */
#define BUNDLE_SIZE 128

DILL_EXPORT int bundle(void);
DILL_EXPORT int bundle_mem(void *mem);
/* 0 once every member has finished (at once if none), -1 with ETIMEDOUT at
 * the deadline, ECANCELED if the caller is cancelled, EBADF. */
DILL_EXPORT int bundle_wait(int bndl, int64_t deadline);

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
#if !defined DILL_DISABLE_RAW_NAMES
#define coroutine dill_coroutine
#endif

DILL_EXPORT int yield(void);
/* Sleeps until the deadline: 0, or -1 with ECANCELED. */
DILL_EXPORT int msleep(int64_t deadline);
/* Forgets what the runtime keeps about fd (it stays registered with epoll
 * between waits). Call it before close(fd): otherwise a later descriptor
 * with the same number may be reported ready for the old one. */
DILL_EXPORT int fdclean(int fd);
/* Waits until fd is readable: 0, or -1 with EBADF (not an open descriptor),
 * EBUSY (another coroutine waits there), ETIMEDOUT or ECANCELED. */
DILL_EXPORT int fdin(int fd, int64_t deadline);
DILL_EXPORT int fdout(int fd, int64_t deadline);

/* The machinery behind go(); not for direct use. */
DILL_EXPORT extern int canopy_vla_bytes;
DILL_EXPORT int canopy_go_prologue(canopy_ctx **parent, void **stack_top, void *mem, size_t len,
                                   int bndl, const char *file, int line, const char *expr);
DILL_EXPORT void canopy_go_started(void);
DILL_EXPORT void canopy_go_resumed(void);
DILL_EXPORT __attribute__((noreturn)) void canopy_go_epilogue(void);
DILL_EXPORT int canopy_go_closure(void *mem, size_t len, int bndl, const char *file, int line,
                                  const char *expr, size_t closure_bytes, size_t closure_align,
                                  void (*construct)(void *dst, void *src), void *src,
                                  void (*run)(void *closure));

#ifdef __cplusplus
}
#endif

#if defined(__cplusplus)
/* In C++ a lambda carries the call onto the new stack: no stack-pointer
 * tricks are needed, and arguments are evaluated by the child before the
 * parent resumes, exactly as in C. */
#include "canopy/detail/go_expression.hpp"
#define canopy_go_(fn, mem, len, bndl)                                                  \
  (::canopy::detail::go_expression([&]() { fn; }, (mem), (len), (bndl), __FILE__, __LINE__, \
                                   #fn))
#else
#if defined(__x86_64__)
#define CANOPY_SETSP(sp) __asm__ volatile("movq %0, %%rsp" : : "r"(sp) : "memory")
#elif defined(__aarch64__)
#define CANOPY_SETSP(sp) __asm__ volatile("mov sp, %0" : : "r"(sp) : "memory")
#endif
/* How go() runs a call on a new stack in C: save the parent's context, move
 * the stack pointer, make the call, never return. The variable-length array
 * makes the compiler address the parent's locals through the frame pointer,
 * so the call's arguments are read correctly after the stack pointer moved;
 * canopy_ctx_save is returns_twice, so a write the child makes through a
 * pointer to a parent's local is seen by the parent even at -O2. */
#define canopy_go_(fn, mem, len, bndl)                                                         \
  ({                                                                                           \
    canopy_ctx *canopy_parent__;                                                               \
    void *canopy_sp__;                                                                         \
    int volatile canopy_h__ = canopy_go_prologue(&canopy_parent__, &canopy_sp__, (mem), (len), (bndl),  \
                                        __FILE__, __LINE__, #fn);                              \
    if (canopy_h__ >= 0) {                                                                     \
      char canopy_fp__[canopy_vla_bytes];                                                      \
      __asm__ volatile("" : : "r"(canopy_fp__) : "memory");                                    \
      if (!canopy_ctx_save(canopy_parent__)) {                                                 \
        CANOPY_SETSP(canopy_sp__);                                                             \
        canopy_go_started();                                                                   \
        fn;                                                                                    \
        canopy_go_epilogue();                                                                  \
      }                                                                                        \
      canopy_go_resumed();                                                                     \
    }                                                                                          \
    canopy_h__;                                                                                \
  })
#endif

/* Runs the call `fn` (e.g. worker(1, "a")) as a new coroutine at once; the
 * caller resumes when it first blocks. Returns its handle, or -1 with errno
 * (ENOMEM). */
#define go(fn) canopy_go_(fn, NULL, 0, -1)
/* As go(), on the caller's memory as stack (at least 512 bytes; no guard
 * page: an overflow corrupts what lies below). */
#define go_mem(fn, ptr, len) canopy_go_(fn, ptr, len, -1)
#define go_stack(fn, ptr, len) canopy_go_(fn, ptr, len, -1)
/* As go(), as a member of bundle `bndl`: returns 0 or -1 (EBADF). */
#define bundle_go(bndl, fn) canopy_go_(fn, NULL, 0, bndl)
#define bundle_go_mem(bndl, fn, ptr, len) canopy_go_(fn, ptr, len, bndl)

#ifdef __cplusplus
extern "C" {
#endif

/******************************************************************************/
/*  Channels                                                                  */
/******************************************************************************/

#define CHSEND 1
#define CHRECV 2

struct chclause {
  int op;        /* CHSEND or CHRECV */
  int ch;        /* channel end */
  void *val;     /* message to send, or where to receive it */
  size_t len;    /* its size: both sides must agree (else EMSGSIZE) */
};

/* Bytes of memory chmake_mem() needs. */
#define CHSIZE 320

/* Makes an unbuffered channel: what is sent into chv[1] is received from
 * chv[0] and the other way round. */
DILL_EXPORT int chmake(int chv[2]);
DILL_EXPORT int chmake_mem(void *mem, int chv[2]);
/* 0 once a receiver took the message; -1 with EPIPE (ended), EMSGSIZE,
 * ETIMEDOUT, ECANCELED, EBADF. Deadline 0: only if a receiver waits now. */
DILL_EXPORT int chsend(int ch, const void *val, size_t len, int64_t deadline);
DILL_EXPORT int chrecv(int ch, void *val, size_t len, int64_t deadline);
/* Ends the channel from this side: sends from it and receives on the other
 * side fail with EPIPE, blocked ones included. EPIPE if already ended. */
DILL_EXPORT int chdone(int ch);
/* Waits for the first clause that can complete. Returns its index, with
 * errno 0 or that clause's error (EPIPE, EMSGSIZE); or -1 with ETIMEDOUT,
 * ECANCELED, EBADF, EINVAL. */
DILL_EXPORT int choose(struct chclause *clauses, int nclauses, int64_t deadline);

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
