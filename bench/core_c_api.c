/* The C-API side of the core benchmarks, compiled as C so that go() takes the
 * path a C program takes (the statement-expression macro that switches the
 * stack pointer inline), not the C++ lambda path.
 *
 * Every "run" function performs `n` operations of its benchmark and is called
 * from bench_core.cpp in batches, so the benchmark loop costs nothing per
 * operation. */
#include <libdill.h>

/* go() saves the parent's context with a returns_twice call, so GCC warns
 * that loop counters "might be clobbered"; they are not (the saved context
 * restores them, and nothing changes them between save and resume). */
#pragma GCC diagnostic ignored "-Wclobbered"

#include "core_c_api.h"

/* ---- 1. context switch: yield ping-pong ---------------------------------- */

static coroutine void yielder(void) {
  while (yield() == 0) {
  }
}

int cb_switch_begin(void) { return go(yielder()); }

/* One yield from main is two switches: main -> yielder -> main. */
void cb_switch_run(long switches) {
  for (long i = 0; i < switches; i += 2) yield();
}

/* ---- 2. go + hclose of a coroutine that returns at once ------------------ */

static coroutine void noop(void) {}

int cb_go_hclose_run(long n) {
  for (long i = 0; i < n; ++i) {
    int h = go(noop());
    if (h < 0) return -1;
    if (hclose(h) != 0) return -1;
  }
  return 0;
}

/* ---- 3. channel message --------------------------------------------------- */

static coroutine void sender(int ch) {
  int i = 0;
  while (chsend(ch, &i, sizeof i, -1) == 0) ++i;
}

int cb_chan_begin(int ch[2]) {
  if (chmake(ch) != 0) return -1;
  return go(sender(ch[1]));
}

int cb_chan_run(int ch, long n) {
  int v;
  for (long i = 0; i < n; ++i) {
    if (chrecv(ch, &v, sizeof v, -1) != 0) return -1;
  }
  return 0;
}

void cb_end(int coroutine_handle, const int ch[2]) {
  if (coroutine_handle >= 0) hclose(coroutine_handle);
  if (ch != NULL) {
    hclose(ch[0]);
    hclose(ch[1]);
  }
}

/* ---- 4. choose with two clauses, one completes ---------------------------- */

/* idle[0] never has a sender; busy[1] is fed by a sender coroutine. The
 * completing clause is the second one, so choose looks at both. */
int cb_choose_begin(int idle[2], int busy[2]) {
  if (chmake(idle) != 0) return -1;
  return cb_chan_begin(busy);
}

int cb_choose_run(int idle, int busy, long n) {
  int a, b;
  struct chclause cl[2] = {{CHRECV, idle, &a, sizeof a}, {CHRECV, busy, &b, sizeof b}};
  for (long i = 0; i < n; ++i) {
    if (choose(cl, 2, -1) != 1) return -1;
  }
  return 0;
}

/* No partner and no switch: the second clause is a receive from a channel
 * whose sending side is done, so it completes at once with EPIPE. This is
 * choose's own overhead. */
int cb_choose_ready_begin(int idle[2], int ended[2]) {
  if (chmake(idle) != 0 || chmake(ended) != 0) return -1;
  return chdone(ended[1]);
}

int cb_choose_ready_run(int idle, int ended, long n) {
  int a, b;
  struct chclause cl[2] = {{CHRECV, idle, &a, sizeof a}, {CHRECV, ended, &b, sizeof b}};
  for (long i = 0; i < n; ++i) {
    if (choose(cl, 2, -1) != 1) return -1;
  }
  return 0;
}

/* ---- 5. many sleeping coroutines in a bundle ------------------------------ */

static coroutine void sleeper(void) { msleep(now() + 1000000); }

int cb_bundle_begin(void) { return bundle(); }

int cb_bundle_spawn_sleepers(int b, long n) {
  for (long i = 0; i < n; ++i) {
    if (bundle_go(b, sleeper()) != 0) return -1;
  }
  return 0;
}

int cb_hclose(int h) { return hclose(h); }
