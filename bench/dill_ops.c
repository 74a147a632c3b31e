/* The side-by-side benchmark's operations, written against libdill 2.x's C
 * API only, so that the same source builds against Canopy and against
 * libdill (bench/CMakeLists.txt, CANOPY_LIBDILL_DIR). Nothing here may use a
 * Canopy extension. */
#include <libdill.h>

#include "dill_ops.h"

/* go() saves the parent's context with a returns_twice call, so GCC warns
 * that loop counters "might be clobbered"; they are not. */
#pragma GCC diagnostic ignored "-Wclobbered"

/* How many timers are pending at once in dill_ops_timers_run: enough that
 * the timer structure holds many distinct deadlines, few enough that a
 * batch costs no memory worth measuring. */
enum { dill_ops_timer_width = 1000 };

void dill_ops_end(struct dill_ops_state *s) {
  if (s->partner >= 0) hclose(s->partner);
  if (s->ch[0] >= 0) hclose(s->ch[0]);
  if (s->ch[1] >= 0) hclose(s->ch[1]);
  if (s->idle[0] >= 0) hclose(s->idle[0]);
  if (s->idle[1] >= 0) hclose(s->idle[1]);
  s->partner = s->ch[0] = s->ch[1] = s->idle[0] = s->idle[1] = -1;
}

/* ---- context switch: a yield ping-pong ------------------------------------ */

static coroutine void yielder(void) {
  while (yield() == 0) {
  }
}

int dill_ops_switch_begin(struct dill_ops_state *s) {
  s->partner = go(yielder());
  return s->partner < 0 ? -1 : 0;
}

/* One yield from main is two switches (main -> yielder -> main): `n`
 * counts switches. */
int dill_ops_switch_run(struct dill_ops_state *s, long n) {
  (void)s;
  for (long i = 0; i < n; i += 2) {
    if (yield() != 0) return -1;
  }
  return 0;
}

/* ---- go + hclose of a coroutine that returns at once ---------------------- */

static coroutine void returns_at_once(void) {}

int dill_ops_go_hclose_run(struct dill_ops_state *s, long n) {
  (void)s;
  for (long i = 0; i < n; ++i) {
    int h = go(returns_at_once());
    if (h < 0 || hclose(h) != 0) return -1;
  }
  return 0;
}

/* ---- channel message: a sender coroutine, main receives ------------------- */

static coroutine void sender(int ch) {
  int value = 0;
  while (chsend(ch, &value, sizeof value, -1) == 0) ++value;
}

int dill_ops_channel_begin(struct dill_ops_state *s) {
  if (chmake(s->ch) != 0) return -1;
  s->partner = go(sender(s->ch[1]));
  return s->partner < 0 ? -1 : 0;
}

int dill_ops_channel_run(struct dill_ops_state *s, long n) {
  int value;
  for (long i = 0; i < n; ++i) {
    if (chrecv(s->ch[0], &value, sizeof value, -1) != 0) return -1;
  }
  return 0;
}

/* ---- choose: one clause, and two of which the second completes ------------ */

int dill_ops_choose1_run(struct dill_ops_state *s, long n) {
  int value;
  struct chclause clauses[1] = {{CHRECV, s->ch[0], &value, sizeof value}};
  for (long i = 0; i < n; ++i) {
    if (choose(clauses, 1, -1) != 0) return -1;
  }
  return 0;
}

int dill_ops_choose2_begin(struct dill_ops_state *s) {
  if (chmake(s->idle) != 0) return -1;
  return dill_ops_channel_begin(s);
}

int dill_ops_choose2_run(struct dill_ops_state *s, long n) {
  int a, b;
  struct chclause clauses[2] = {{CHRECV, s->idle[0], &a, sizeof a},
                                {CHRECV, s->ch[0], &b, sizeof b}};
  for (long i = 0; i < n; ++i) {
    if (choose(clauses, 2, -1) != 1) return -1;
  }
  return 0;
}

/* ---- many sleeping coroutines in a bundle, then close --------------------- */

static coroutine void sleeper(void) { msleep(now() + 1000000000); }

int dill_ops_spawn_sleeping_run(struct dill_ops_state *s, long n) {
  (void)s;
  int b = bundle();
  if (b < 0) return -1;
  for (long i = 0; i < n; ++i) {
    if (bundle_go(b, sleeper()) != 0) {
      hclose(b);
      return -1;
    }
  }
  return hclose(b);
}

/* ---- timers: distinct deadlines armed and fired --------------------------- */

/* Each member sleeps until a deadline already in the past, distinct from
 * every other pending one: the timer is armed, and fires at the scheduler's
 * next look at the clock. `dill_ops_timer_width` members sleep at once, so
 * the timer structure holds that many distinct deadlines. Deadlines stay in
 * 1..past-1 (a negative one would mean "never"). */
static coroutine void past_sleeper(int64_t past, long member, long rounds) {
  for (long r = 0; r < rounds; ++r) {
    int64_t deadline = 1 + (member + r * dill_ops_timer_width) % (past - 1);
    if (msleep(deadline) != 0) return;
  }
}

int dill_ops_timers_run(struct dill_ops_state *s, long n) {
  (void)s;
  long rounds = n / dill_ops_timer_width;
  if (rounds < 1) rounds = 1;
  int64_t past = now() - 1;
  if (past < 2) return -1;
  int b = bundle();
  if (b < 0) return -1;
  for (long i = 0; i < dill_ops_timer_width; ++i) {
    if (bundle_go(b, past_sleeper(past, i, rounds)) != 0) {
      hclose(b);
      return -1;
    }
  }
  if (bundle_wait(b, -1) != 0) {
    hclose(b);
    return -1;
  }
  return hclose(b);
}

/* ---- now() ---------------------------------------------------------------- */

int dill_ops_now_run(struct dill_ops_state *s, long n) {
  (void)s;
  int64_t sum = 0;
  for (long i = 0; i < n; ++i) sum += now();
  return sum == 0 ? -1 : 0;
}
