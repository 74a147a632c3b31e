/* Parent coroutine closes child coroutine.
 * 001, "Parent coroutine closes child coroutine": the child either finishes
 * on its own (point 2) or is cancelled by hclose (points 3, 4). */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void worker(struct scenario_env *env) {
    int rc = msleep(now() + 2000);
    if(rc < 0 && errno == ECANCELED) {
        scenario_note(env, "4", "worker cancelled: msleep failed with ECANCELED");
        return;
    }
    scenario_note(env, "2", "worker finished its 2000 ms of work");
}

static int run(struct scenario_env *env) {
    int cr = go(worker(env)); /* 1. */
    if(cr < 0) return -1;
    scenario_note(env, "1", "main launched the worker");
    msleep(now() + (scenario_random(env) % 3000));
    scenario_note(env, "3", "main closes the worker");
    if(hclose(cr) != 0) return -1; /* 3. */
    scenario_note(env, "3", "hclose returned: the worker has exited");
    return 0;
}

const struct scenario scenario_parent_closes_child = {
    "parent-closes-child", "Parent coroutine closes child coroutine",
    "001: Parent coroutine closes child coroutine", run, 0, 0};
