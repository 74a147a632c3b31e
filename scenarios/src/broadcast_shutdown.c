/* Parent coroutine broadcasts a shutdown signal to children: hdone on one
 * end of a channel makes every receive on the other end fail with EPIPE. */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

coroutine static void worker(struct scenario_env *env, int ch) {
    while(1) {
        int rc = msleep(now() + (scenario_random(env) % 1000));
        if(rc < 0 && errno == ECANCELED) {
            scenario_note(env, "6", "worker cancelled in the middle of its work");
            return; /* 6. */
        }
        rc = chrecv(ch, NULL, 0, 0);
        if(rc == -1 && errno == EPIPE) {
            scenario_note(env, "3", "worker saw the shutdown signal and exits");
            return; /* 3. */
        }
    }
}

static int run(struct scenario_env *env) {
    int ch[2];
    if(chmake(ch) != 0) return -1;
    int b = bundle();
    if(b < 0) return -1;
    int i;
    for(i = 0; i != 3; i++)
        if(bundle_go(b, worker(env, ch[0])) != 0) return -1; /* 1. */
    scenario_note(env, "1", "main launched 3 workers");
    msleep(now() + 5000);
    scenario_note(env, "2", "main broadcasts shutdown with hdone");
    if(hdone(ch[1], -1) != 0) return -1; /* 2. */
    int rc = bundle_wait(b, now() + 500);
    if(rc < 0 && errno == ETIMEDOUT) {
        scenario_note(env, "4", "grace period over with workers still running"); /* 4. */
    } else if(rc == 0) {
        scenario_note(env, "4", "every worker shut down in time");
    } else {
        return -1;
    }
    hclose(b); /* 5. */
    scenario_note(env, "5", "main closed the bundle");
    hclose(ch[1]);
    hclose(ch[0]);
    return 0;
}

const struct scenario scenario_broadcast_shutdown = {
    "broadcast-shutdown", "Parent coroutine broadcasts a shutdown signal to children",
    "001: Parent coroutine broadcast a shutdown signal to children", run, 0, 0};
