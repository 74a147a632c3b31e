/* What structured concurrency forbids: a coroutine exits while its child
 * still runs. The runtime reports the broken structure with spawn sites,
 * the simulator counts it as a failure, and the viewer draws the orphan in
 * red. (000, the picture that "is not structured concurrency") */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

static int orphan = -1;

coroutine static void bar(struct scenario_env *env) {
    int rc = msleep(now() + 1000);
    if(rc < 0 && errno == ECANCELED) scenario_note(env, "bar-cancelled", "bar cancelled by main at last");
}

coroutine static void foo(struct scenario_env *env) {
    orphan = go(bar(env));
    msleep(now() + 100);
    scenario_note(env, "foo-exit", "foo returns without closing bar: bar outlives its parent");
}

static int run(struct scenario_env *env) {
    int f = go(foo(env));
    msleep(now() + 500);
    hclose(f);
    /* Someone has to clean up the orphan; here, main. */
    hclose(orphan);
    scenario_note(env, "main", "main closed the orphan");
    return 0;
}

const struct scenario scenario_unstructured_child = {
    "unstructured-child", "NOT structured: a child outlives its parent",
    "000: the picture that is not structured concurrency", run, 1, 0};
