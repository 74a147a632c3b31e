/* libdill code for the injection tests: the C API records each blocking
 * call's call site, which the coverage report names. */
#include <libdill.h>

/* Sleeps a second; on ECANCELED records that it cleaned up. */
coroutine void cleanup_worker(int *cleaned) {
    int rc = msleep(now() + 1000);
    if(rc < 0 && errno == ECANCELED) {
        *cleaned = 1;
        return;
    }
    *cleaned = 2;
}

/* Starts the worker, gives it `grace_ms`, closes it. 0 or -1. */
int run_cleanup_worker(int *cleaned, int grace_ms) {
    int h = go(cleanup_worker(cleaned));
    if(h < 0) return -1;
    if(msleep(now() + grace_ms) < 0 && errno != ETIMEDOUT) return -1;
    return hclose(h);
}

/* Waits on a channel with a deadline: the result's errno, or 0. */
int wait_with_deadline(int ms) {
    int ch[2];
    if(chmake(ch) < 0) return -1;
    int value;
    int rc = chrecv(ch[0], &value, sizeof value, now() + ms);
    int err = rc < 0 ? errno : 0;
    hclose(ch[0]);
    hclose(ch[1]);
    return err;
}

/* Sleeps in a loop and never looks at the result: ignores cancellation. */
coroutine void stubborn_worker(void) {
    for(;;) msleep(now() + 10);
}

/* Starts the stubborn worker and closes it after `closes_after_ms`. */
int run_stubborn_worker(int closes_after_ms) {
    int h = go(stubborn_worker());
    msleep(now() + closes_after_ms);
    return hclose(h);
}
