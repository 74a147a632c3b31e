/* Grace periods nest: main gives foo 500 ms, foo gives bar 1000 ms. When
 * main's grace period ends first, foo's bundle_wait fails with ECANCELED,
 * foo cancels bar at once, bar exits before foo, and main is done 500 ms
 * after it began to cancel. (002, the most complex case.) */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void bar(struct scenario_env *env, int shutdown) {
    while(1) {
        /* One unit of work takes longer than any grace period. */
        int rc = msleep(now() + 2000);
        if(rc < 0 && errno == ECANCELED) {
            scenario_note(env, "bar-cancelled", "bar cancelled: its grace period was cut short");
            return;
        }
        rc = chrecv(shutdown, NULL, 0, 0);
        if(rc < 0 && errno == EPIPE) {
            scenario_note(env, "bar-done", "bar finished its work and shut down");
            return;
        }
    }
}

coroutine static void foo(struct scenario_env *env, int shutdown) {
    int ch[2];
    if(chmake(ch) != 0) return;
    int b = bundle();
    if(b < 0) return;
    bundle_go(b, bar(env, ch[0]));
    /* Idle until main asks us to shut down (or cancels us outright). */
    chrecv(shutdown, NULL, 0, -1);
    scenario_note(env, "foo-grace", "foo shuts down and gives bar 1000 ms");
    hdone(ch[1], -1);
    int rc = bundle_wait(b, now() + 1000);
    if(rc < 0 && errno == ECANCELED)
        scenario_note(env, "foo-cut-short", "foo's own grace period ended first: bundle_wait failed with ECANCELED");
    hclose(b);
    scenario_note(env, "foo-exit", "foo closed bar and exits");
    hclose(ch[1]);
    hclose(ch[0]);
}

static int run(struct scenario_env *env) {
    int ch[2];
    if(chmake(ch) != 0) return -1;
    int b = bundle();
    if(b < 0) return -1;
    if(bundle_go(b, foo(env, ch[0])) != 0) return -1;
    msleep(now() + 100 + scenario_random(env) % 1000);
    int64_t start = now();
    scenario_note(env, "main-grace", "main shuts down and gives foo 500 ms");
    hdone(ch[1], -1);
    int rc = bundle_wait(b, now() + 500);
    if(rc < 0 && errno == ETIMEDOUT)
        scenario_note(env, "main-timeout", "foo did not finish within 500 ms: main cancels it");
    hclose(b);
    scenario_note(env, "main-done", "main's hclose returned: foo and bar have exited");
    hclose(ch[1]);
    hclose(ch[0]);
    /* The promise of the document: main is done 500 ms after it began. */
    return now() - start <= 500 + 50 ? 0 : -1;
}

const struct scenario scenario_nested_grace_periods = {
    "nested-grace-periods", "Grace periods nest: a parent's shorter grace period cuts its child's short",
    "002: the most complex case (main -> foo -> bar)", run, 0, 0};
