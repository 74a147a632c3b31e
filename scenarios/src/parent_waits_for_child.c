/* Parent coroutine waits for child coroutine: the result comes through a
 * channel, then the parent closes the (finished) child. */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

struct args { struct scenario_env *env; int ch; };

coroutine static void worker(struct scenario_env *env, int ch) {
    msleep(now() + (scenario_random(env) % 2000));
    scenario_note(env, "2", "worker computed the result"); /* 2. */
    int val = 42;
    chsend(ch, &val, sizeof(val), -1); /* 3. */
    scenario_note(env, "3", "worker handed the result over");
}

static int run(struct scenario_env *env) {
    int ch[2];
    if(chmake(ch) != 0) return -1;
    int cr = go(worker(env, ch[1])); /* 1. */
    if(cr < 0) return -1;
    scenario_note(env, "1", "main launched the worker");
    msleep(now() + 1000);
    scenario_note(env, "4", "main needs the result"); /* 4. */
    int val = 0;
    if(chrecv(ch[0], &val, sizeof(val), -1) != 0 || val != 42) return -1;
    scenario_note(env, "5", "main received 42"); /* 5. */
    hclose(cr); /* 6. */
    scenario_note(env, "6", "main closed the worker");
    hclose(ch[1]);
    hclose(ch[0]);
    return 0;
}

const struct scenario scenario_parent_waits_for_child = {
    "parent-waits-for-child", "Parent coroutine waits for child coroutine",
    "001: Parent coroutine waits for child coroutine", run, 0, 0};
