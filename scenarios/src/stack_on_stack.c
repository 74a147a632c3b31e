/* Stack-on-stack: a child runs on a stack that is a local array of its
 * parent, which is safe because the child always finishes first. (000)
 * The document's 1 KiB is enough for a child that only computes; this one
 * also sleeps and may be traced, so it gets 16 KiB. */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void child(struct scenario_env *env, int *steps) {
    while(1) {
        if(msleep(now() + 100) < 0) break;
        ++*steps;
    }
    scenario_note(env, "child-exit", "the child on its parent's stack exits");
}

coroutine static void parent(struct scenario_env *env, int *steps) {
    char stk[16384];
    int h = go_stack(child(env, steps), stk, sizeof(stk));
    if(h < 0) return;
    msleep(now() + 250 + scenario_random(env) % 500);
    hclose(h);
    scenario_note(env, "parent-exit", "the parent closed the child; its stack can go");
}

static int run(struct scenario_env *env) {
    int steps = 0;
    int h = go(parent(env, &steps));
    if(h < 0) return -1;
    msleep(now() + 1000);
    hclose(h);
    scenario_note(env, "done", "main closed the parent");
    return steps >= 2 ? 0 : -1;
}

const struct scenario scenario_stack_on_stack = {
    "stack-on-stack", "A child's stack as a local variable of its parent",
    "000: Stack-on-stack", run, 0, 0};
