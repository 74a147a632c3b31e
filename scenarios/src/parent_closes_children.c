/* Parent coroutine closes multiple child coroutines, through one bundle. */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void worker(struct scenario_env *env) {
    int rc = msleep(now() + (scenario_random(env) % 1000));
    if(rc < 0 && errno == ECANCELED) {
        scenario_note(env, "4", "worker cancelled");
        return; /* 4. */
    }
    scenario_note(env, "2", "worker finished"); /* 2. */
}

static int run(struct scenario_env *env) {
    int b = bundle();
    if(b < 0) return -1;
    int i;
    for(i = 0; i != 3; i++)
        if(bundle_go(b, worker(env)) != 0) return -1; /* 1. */
    scenario_note(env, "1", "main launched 3 workers in a bundle");
    msleep(now() + 500);
    scenario_note(env, "3", "main closes the bundle");
    if(hclose(b) != 0) return -1; /* 3. */
    scenario_note(env, "3", "hclose returned: every worker has exited");
    return 0;
}

const struct scenario scenario_parent_closes_children = {
    "parent-closes-children", "Parent coroutine closes multiple child coroutines",
    "001: Parent coroutine closes multiple child coroutines", run, 0, 0};
