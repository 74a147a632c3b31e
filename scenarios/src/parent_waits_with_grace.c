/* Parent coroutine waits for child coroutine, with a grace period: chrecv
 * has a deadline; a child still busy then is closed forcefully. */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void worker(struct scenario_env *env, int ch) {
    int rc = msleep(now() + (scenario_random(env) % 2000));
    if(rc < 0 && errno == ECANCELED) {
        scenario_note(env, "7", "worker cancelled before it had a result");
        return; /* 7. */
    }
    scenario_note(env, "2", "worker computed the result"); /* 2. */
    int val = 42;
    chsend(ch, &val, sizeof(val), -1);
    scenario_note(env, "3", "worker handed the result over"); /* 3. */
}

static int run(struct scenario_env *env) {
    int ch[2];
    if(chmake(ch) != 0) return -1;
    int cr = go(worker(env, ch[1])); /* 1. */
    if(cr < 0) return -1;
    scenario_note(env, "1", "main launched the worker");
    msleep(now() + 1000);
    scenario_note(env, "4", "main waits for the result, for at most 500 ms"); /* 4. */
    int val;
    int rc = chrecv(ch[0], &val, sizeof(val), now() + 500);
    if(rc < 0 && errno == ETIMEDOUT) {
        scenario_note(env, "5a", "Timed out"); /* 5a. */
    } else if(rc == 0) {
        scenario_note(env, "5", "Success"); /* 5. */
    } else {
        return -1;
    }
    hclose(cr); /* 6. */
    scenario_note(env, "6", "main closed the worker");
    hclose(ch[1]);
    hclose(ch[0]);
    return 0;
}

const struct scenario scenario_parent_waits_with_grace = {
    "parent-waits-with-grace", "Parent coroutine waits for child coroutine, with a grace period",
    "001: Parent coroutine waits for child coroutine - with a grace period", run, 0, 0};
