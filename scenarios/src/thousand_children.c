/* 1000 children with 30-second grace periods, cancelled in parallel: the
 * shutdown takes at most 30 s, not 30,000 s. (002) */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

#define CHILDREN 1000

coroutine static void bar(struct scenario_env *env, int shutdown, int64_t work_ms) {
    while(1) {
        int rc = msleep(now() + work_ms);
        if(rc < 0 && errno == ECANCELED) return;
        rc = chrecv(shutdown, NULL, 0, 0);
        if(rc < 0 && errno == EPIPE) return;
    }
    (void)env;
}

static int run(struct scenario_env *env) {
    int ch[2];
    if(chmake(ch) != 0) return -1;
    int b = bundle();
    if(b < 0) return -1;
    int i;
    for(i = 0; i != CHILDREN; ++i) {
        /* Units of work of up to 60 s: some finish within the grace period, some do not. */
        int64_t work_ms = 1 + scenario_random(env) % 60000;
        if(bundle_go(b, bar(env, ch[0], work_ms)) != 0) return -1;
    }
    scenario_note(env, "1", "main launched 1000 children");
    msleep(now() + 1000);
    int64_t start = now();
    scenario_note(env, "2", "main shuts down and gives every child 30 s, all at once");
    hdone(ch[1], -1);
    int rc = bundle_wait(b, now() + 30000);
    if(rc < 0 && errno == ETIMEDOUT)
        scenario_note(env, "3", "30 s are over: the children still working are cancelled");
    hclose(b);
    scenario_note(env, "4", "all 1000 children have exited");
    hclose(ch[1]);
    hclose(ch[0]);
    return now() - start <= 30000 + 100 ? 0 : -1;
}

const struct scenario scenario_thousand_children = {
    "thousand-children", "1000 children cancelled in parallel with 30 s grace periods",
    "002: cancelling 1000 children in parallel", run, 0, 0};
