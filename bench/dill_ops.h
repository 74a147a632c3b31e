/* The operations of the side-by-side benchmark (dill_ops.c), one source
 * compiled twice: against Canopy's <libdill.h> and against libdill's.
 *
 * Every `*_run` performs `n` operations and returns 0, or -1 when a call
 * failed (the benchmark then stops with an error instead of measuring a
 * broken loop). `*_begin` / `*_end` set up and tear down what the operations
 * need, outside the timed loop. */
#ifndef CANOPY_BENCH_DILL_OPS_H
#define CANOPY_BENCH_DILL_OPS_H

#ifdef __cplusplus
extern "C" {
#endif

/* State shared by begin, run and end of one benchmark. */
struct dill_ops_state {
  int partner;   /* the partner coroutine's handle, -1: none */
  int ch[2];     /* the channel the partner feeds, -1: none */
  int idle[2];   /* a channel nobody sends on (choose's other clause) */
};

int dill_ops_switch_begin(struct dill_ops_state *s);
int dill_ops_switch_run(struct dill_ops_state *s, long n);

int dill_ops_go_hclose_run(struct dill_ops_state *s, long n);

int dill_ops_channel_begin(struct dill_ops_state *s);
int dill_ops_channel_run(struct dill_ops_state *s, long n);

int dill_ops_choose1_run(struct dill_ops_state *s, long n);
int dill_ops_choose2_begin(struct dill_ops_state *s);
int dill_ops_choose2_run(struct dill_ops_state *s, long n);

/* Spawns `n` coroutines into one bundle, each sleeping far into the future,
 * then closes the bundle: every one is cancelled and joined. */
int dill_ops_spawn_sleeping_run(struct dill_ops_state *s, long n);

/* Arms and fires `n` timers with distinct deadlines, `dill_ops_timer_width`
 * pending at a time (see dill_ops.c). */
int dill_ops_timers_run(struct dill_ops_state *s, long n);

int dill_ops_now_run(struct dill_ops_state *s, long n);

/* Closes whatever begin opened. */
void dill_ops_end(struct dill_ops_state *s);

#ifdef __cplusplus
}
#endif

#endif
