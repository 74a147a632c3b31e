/* The corpus of tests/sim/support/corpus.h: correct programs first, then
 * latent bugs, each a few lines of ordinary libdill code. */
#include "corpus.h"

#include <errno.h>
#include <libdill.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Correct programs: true under every realizable schedule and timing.        */

coroutine void ping(int ch, int rounds) {
    for(int i = 0; i < rounds; ++i) {
        int v = i;
        if(chsend(ch, &v, sizeof v, -1) < 0) return;
        if(chrecv(ch, &v, sizeof v, -1) < 0) return;
        if(v != i + 1) corpus_fail("the pong did not answer the ping it got");
    }
}

static void ping_pong(void) {
    int ch[2];
    if(chmake(ch) < 0) corpus_fail("chmake failed");
    int h = go(ping(ch[0], 10));
    for(int i = 0; i < 10; ++i) {
        int v;
        if(chrecv(ch[1], &v, sizeof v, -1) < 0) corpus_fail("a ping was lost");
        v += 1;
        if(chsend(ch[1], &v, sizeof v, -1) < 0) corpus_fail("a pong could not be sent");
    }
    hclose(h);
    hclose(ch[0]);
    hclose(ch[1]);
}

/* Every blocking call checks for ECANCELED and returns. */
coroutine void careful_worker(int *steps) {
    for(;;) {
        if(msleep(now() + 10) < 0) return;
        ++*steps;
        if(yield() < 0) return;
    }
}

static void closed_worker_cleans_up(void) {
    int steps = 0;
    int h = go(careful_worker(&steps));
    msleep(now() + 35);
    if(hclose(h) != 0) corpus_fail("hclose of a careful worker failed");
    if(steps < 0) corpus_fail("impossible");
}

coroutine void graceful(int ch, int id) {
    if(msleep(now() + 5 * id) < 0) return;
    int v = id;
    /* The collector may be gone: a failed send is a normal end. */
    chsend(ch, &v, sizeof v, now() + 100);
}

static void bundle_with_grace(void) {
    int ch[2];
    chmake(ch);
    int b = bundle();
    for(int id = 1; id <= 3; ++id) bundle_go(b, graceful(ch[0], id));
    int got = 0, v;
    while(got < 3 && chrecv(ch[1], &v, sizeof v, now() + 200) == 0) ++got;
    bundle_wait(b, now() + 20);
    hclose(b);
    hclose(ch[0]);
    hclose(ch[1]);
    if(got > 3) corpus_fail("more results than workers");
}

coroutine void producer(int ch, int n) {
    for(int i = 0; i < n; ++i)
        if(chsend(ch, &i, sizeof i, -1) < 0) return;
    chdone(ch);
}

static void producer_consumer(void) {
    int ch[2];
    chmake(ch);
    int h = go(producer(ch[0], 5));
    int expect = 0, v;
    while(chrecv(ch[1], &v, sizeof v, -1) == 0) {
        if(v != expect) corpus_fail("messages arrived out of order");
        ++expect;
    }
    if(errno != EPIPE || expect != 5) corpus_fail("the stream ended before its last message");
    hclose(h);
    hclose(ch[0]);
    hclose(ch[1]);
}

/* Workers treat the broadcast (EPIPE) as the order to stop. */
coroutine void shutdown_listener(int quit, int *stopped) {
    int v;
    int rc = chrecv(quit, &v, sizeof v, -1);
    if(rc < 0 && errno == EPIPE) ++*stopped;
}

static void broadcast_shutdown(void) {
    int quit[2];
    chmake(quit);
    int stopped = 0;
    int b = bundle();
    for(int i = 0; i < 4; ++i) bundle_go(b, shutdown_listener(quit[1], &stopped));
    msleep(now() + 10);
    chdone(quit[0]);
    if(bundle_wait(b, -1) != 0) corpus_fail("the listeners did not all stop");
    if(stopped != 4) corpus_fail("a listener missed the shutdown broadcast");
    hclose(b);
    hclose(quit[0]);
    hclose(quit[1]);
}

/* Always ready while waiting for time to pass: must not stop time. */
coroutine void spinner(int64_t until, int *spins) {
    while(now() < until)
        if(yield() < 0) return;
    ++*spins;
}

static void yield_until_deadline(void) {
    int spins = 0;
    int64_t until = now() + 2;
    int a = go(spinner(until, &spins));
    int b = go(spinner(until, &spins));
    while(spins < 2) yield();
    hclose(a);
    hclose(b);
}

coroutine void inner_worker(void) {
    while(msleep(now() + 7) == 0) {}
}

coroutine void owner_of_inner(void) {
    int b = bundle();
    bundle_go(b, inner_worker());
    bundle_go(b, inner_worker());
    /* Its own grace period, cut short when the outer one ends first. */
    bundle_wait(b, now() + 50);
    hclose(b);
}

static void nested_grace(void) {
    int outer = bundle();
    bundle_go(outer, owner_of_inner());
    bundle_go(outer, inner_worker());
    bundle_wait(outer, now() + 20);
    hclose(outer);
}

coroutine void result_sender(int ch) {
    if(msleep(now() + 40) < 0) return;
    int v = 42;
    chsend(ch, &v, sizeof v, -1);
}

/* Waits for the result itself, not for a time it is expected by. */
static void waits_for_result(void) {
    int ch[2];
    chmake(ch);
    int h = go(result_sender(ch[0]));
    int v = 0;
    if(chrecv(ch[1], &v, sizeof v, -1) != 0 || v != 42) corpus_fail("the result did not arrive");
    hclose(h);
    hclose(ch[0]);
    hclose(ch[1]);
}

/* Updates that never span a yield cannot be lost. */
static int shared_counter;
coroutine void atomic_adder(void) {
    for(int i = 0; i < 3; ++i) {
        ++shared_counter;
        if(yield() < 0) return;
    }
}

static void updates_within_a_step(void) {
    shared_counter = 0;
    int b = bundle();
    for(int i = 0; i < 3; ++i) bundle_go(b, atomic_adder());
    bundle_wait(b, -1);
    hclose(b);
    if(shared_counter != 9) corpus_fail("an update was lost");
}

coroutine void child_sleeper(int ms) {
    msleep(now() + ms);
}

static void hundred_children(void) {
    int b = bundle();
    for(int i = 0; i < 100; ++i) bundle_go(b, child_sleeper(i % 17));
    bundle_wait(b, now() + 8);
    hclose(b);
}

/* ------------------------------------------------------------------------ */
/* Latent bugs: each passes under fifo, and fails under some real execution. */

coroutine void reporter(int ch, int id) {
    yield();
    chsend(ch, &id, sizeof id, -1);
}

/* Assumes the worker started first reports first. */
static void order_assumption(void) {
    int ch[2];
    chmake(ch);
    int b = bundle();
    bundle_go(b, reporter(ch[0], 1));
    bundle_go(b, reporter(ch[0], 2));
    int first, second;
    chrecv(ch[1], &first, sizeof first, -1);
    chrecv(ch[1], &second, sizeof second, -1);
    bundle_wait(b, -1);
    hclose(b);
    hclose(ch[0]);
    hclose(ch[1]);
    if(first != 1) corpus_fail("wrong order assumption: worker 2 reported before worker 1");
}

/* The consumer checks `ready`, then announces that it waits: a yield in
 * between lets the producer see nobody waiting and skip the wake-up. */
static int lw_ready, lw_waiting;
coroutine void lw_producer(int ch) {
    yield();
    yield();
    lw_ready = 1;
    if(lw_waiting) {
        int v = 1;
        chsend(ch, &v, sizeof v, -1);
    }
}

static void lost_wakeup(void) {
    lw_ready = lw_waiting = 0;
    int ch[2];
    chmake(ch);
    int h = go(lw_producer(ch[0]));
    if(!lw_ready) {
        yield();
        lw_waiting = 1;
        int v;
        if(chrecv(ch[1], &v, sizeof v, now() + 1000) < 0)
            corpus_fail("lost wakeup: the consumer waited for a signal the producer had skipped");
    }
    hclose(h);
    hclose(ch[0]);
    hclose(ch[1]);
}

static int lu_counter;
coroutine void lu_early(void) {
    int v = lu_counter;
    yield();
    lu_counter = v + 1;
}
coroutine void lu_late(void) {
    yield();
    yield();
    int v = lu_counter;
    yield();
    lu_counter = v + 1;
}

static void lost_update(void) {
    lu_counter = 0;
    int b = bundle();
    bundle_go(b, lu_early());
    bundle_go(b, lu_late());
    bundle_wait(b, -1);
    hclose(b);
    if(lu_counter != 2) corpus_fail("lost update: a read and its write were split by a yield");
}

/* Handles ECANCELED in its first sleep, but retries its receive for ever. */
coroutine void retrier(int ch) {
    if(msleep(now() + 20) < 0) return;
    int v;
    for(int tries = 0; chrecv(ch, &v, sizeof v, -1) < 0 && errno == ECANCELED; ++tries)
        if(tries > 50) corpus_fail("ECANCELED retried forever: the receive loop ignores its cancellation");
}

static void ecanceled_retried(void) {
    int ch[2];
    chmake(ch);
    int h = go(retrier(ch[1]));
    msleep(now() + 15);
    hclose(h);
    hclose(ch[0]);
    hclose(ch[1]);
}

static int pt_flag;
coroutine void pt_setter(void) {
    if(msleep(now() + 50) == 0) pt_flag = 1;
}

/* Sleeps 5 ms longer than the worker and assumes the worker has finished. */
static void punctual_timers(void) {
    pt_flag = 0;
    int h = go(pt_setter());
    msleep(now() + 55);
    int done = pt_flag;
    hclose(h);
    if(!done) corpus_fail("timers assumed punctual: the worker's 50 ms sleep had not ended after 55 ms");
}

coroutine void gr_sender(int ch) {
    if(msleep(now() + 40) < 0) return;
    int v = 7;
    chsend(ch, &v, sizeof v, -1);
}

coroutine void gr_collector(int ch, int *got) {
    int v;
    if(chrecv(ch, &v, sizeof v, -1) == 0) *got = v;
}

/* Gives the bundle a 50 ms grace period and counts on the send at 40 ms. */
static void grace_races_send(void) {
    int ch[2];
    chmake(ch);
    int got = 0;
    int c = go(gr_collector(ch[1], &got));
    int b = bundle();
    bundle_go(b, gr_sender(ch[0]));
    bundle_wait(b, now() + 50);
    hclose(b);
    yield();
    hclose(c);
    hclose(ch[0]);
    hclose(ch[1]);
    if(got != 7) corpus_fail("grace deadline raced a send: the bundle was closed before its worker sent the result");
}

coroutine void br_sender(int ch) {
    if(msleep(now() + 10) < 0) return;
    int v = 1;
    if(chsend(ch, &v, sizeof v, -1) < 0 && errno == EPIPE)
        corpus_fail("broadcast shutdown raced a send: the send after chdone failed with EPIPE");
}

coroutine void br_receiver(int ch) {
    int v;
    chrecv(ch, &v, sizeof v, -1);
}

/* Broadcasts shutdown at 12 ms, counting on the send at 10 ms to be over. */
static void broadcast_races_send(void) {
    int ch[2];
    chmake(ch);
    int b = bundle();
    bundle_go(b, br_receiver(ch[1]));
    bundle_go(b, br_sender(ch[0]));
    msleep(now() + 12);
    chdone(ch[0]);
    bundle_wait(b, now() + 100);
    hclose(b);
    hclose(ch[0]);
    hclose(ch[1]);
}

static int deep_order[4], deep_count;
coroutine void deep_worker(int id) {
    msleep(now() + 1); /* all four start together */
    for(int i = 0; i <= id; ++i) yield();
    deep_order[deep_count++] = id;
}

/* Fails only when four coroutines finish in exactly the reverse order. */
static void deep_ordering(void) {
    deep_count = 0;
    int b = bundle();
    for(int id = 0; id < 4; ++id) bundle_go(b, deep_worker(id));
    bundle_wait(b, -1);
    hclose(b);
    if(deep_order[0] == 3 && deep_order[1] == 2 && deep_order[2] == 1 && deep_order[3] == 0)
        corpus_fail("deep ordering: four coroutines finished in the one order the program cannot handle (3, 2, 1, 0)");
}

/* ------------------------------------------------------------------------ */
/* Only a what-if reaches it: the worker is never closed while it sleeps.    */

coroutine void never_closed_while_asleep(int *state) {
    if(msleep(now() + 10) < 0 && errno == ECANCELED) {
        *state = -1; /* a cleanup path no real run takes */
        return;
    }
    *state = 1;
}

static void whatif_only(void) {
    int state = 0;
    int b = bundle();
    bundle_go(b, never_closed_while_asleep(&state));
    bundle_wait(b, -1);
    hclose(b);
    if(state != 1) corpus_fail("the sleeper's cleanup path left its state at -1");
}

const struct corpus_program corpus_correct[] = {
    {"ping-pong", NULL, ping_pong},
    {"closed-worker-cleans-up", NULL, closed_worker_cleans_up},
    {"bundle-with-grace", NULL, bundle_with_grace},
    {"producer-consumer", NULL, producer_consumer},
    {"broadcast-shutdown", NULL, broadcast_shutdown},
    {"yield-until-deadline", NULL, yield_until_deadline},
    {"nested-grace", NULL, nested_grace},
    {"waits-for-result", NULL, waits_for_result},
    {"updates-within-a-step", NULL, updates_within_a_step},
    {"hundred-children", NULL, hundred_children},
    {NULL, NULL, NULL},
};

const struct corpus_program corpus_bugs[] = {
    {"order-assumption", "wrong order assumption", order_assumption},
    {"lost-wakeup", "lost wakeup", lost_wakeup},
    {"lost-update", "lost update", lost_update},
    {"ecanceled-retried", "ECANCELED retried forever", ecanceled_retried},
    {"punctual-timers", "timers assumed punctual", punctual_timers},
    {"grace-races-send", "grace deadline raced a send", grace_races_send},
    {"broadcast-races-send", "broadcast shutdown raced a send", broadcast_races_send},
    {"deep-ordering", "deep ordering", deep_ordering},
    {NULL, NULL, NULL},
};

const struct corpus_program corpus_whatif_only = {"whatif-only", "cleanup path", whatif_only};
