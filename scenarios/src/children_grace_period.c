/* Parent coroutine closes multiple child coroutines, with a grace period:
 * bundle_wait gives them 500 ms, then hclose cancels the rest. */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void worker(struct scenario_env *env) {
    int rc = msleep(now() + (scenario_random(env) % 1000));
    if(rc < 0 && errno == ECANCELED) {
        scenario_note(env, "6", "worker cancelled after the grace period");
        return; /* 6. */
    }
    scenario_note(env, "2", "worker finished within the grace period"); /* 2. */
}

static int run(struct scenario_env *env) {
    int b = bundle();
    if(b < 0) return -1;
    int i;
    for(i = 0; i != 3; i++)
        if(bundle_go(b, worker(env)) != 0) return -1; /* 1. */
    scenario_note(env, "3", "main gives the workers 500 ms"); /* 3. */
    int rc = bundle_wait(b, now() + 500);
    if(rc == 0) {
        scenario_note(env, "4", "every worker finished in time"); /* 4. */
    } else if(errno == ETIMEDOUT) {
        scenario_note(env, "4", "grace period over with workers still running");
    } else {
        return -1;
    }
    hclose(b); /* 5. */
    scenario_note(env, "5", "main closed the bundle");
    return 0;
}

const struct scenario scenario_children_grace_period = {
    "children-grace-period", "Parent closes multiple children with a grace period",
    "001: Parent coroutine closes multiple child coroutines - with a grace period", run, 0, 0};
