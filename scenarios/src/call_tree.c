/* The call tree: main launches foo and quux, foo launches bar; every
 * lifetime nests inside its parent's. (002, the first picture) */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void bar(struct scenario_env *env) {
    msleep(now() + 100 + scenario_random(env) % 100);
    scenario_note(env, "bar", "bar finished");
}

coroutine static void foo(struct scenario_env *env) {
    int h = go(bar(env));
    msleep(now() + 300);
    hclose(h);
    scenario_note(env, "foo", "foo finished after bar");
}

coroutine static void quux(struct scenario_env *env) {
    msleep(now() + 200 + scenario_random(env) % 200);
    scenario_note(env, "quux", "quux finished");
}

static int run(struct scenario_env *env) {
    int q = go(quux(env));
    int f = go(foo(env));
    msleep(now() + 500);
    hclose(f);
    hclose(q);
    scenario_note(env, "main", "main finished last");
    return 0;
}

const struct scenario scenario_call_tree = {
    "call-tree", "The call tree: main -> foo -> bar, main -> quux",
    "002: structured concurrency as a call tree", run, 0, 0};
