/* An unmodified libdill program: two workers sleep, main waits for them
 * with a grace period. Under CANOPY_SEED it prints exact virtual times. */
#include <libdill.h>
#include <stdio.h>

static int64_t start;

coroutine void worker(int id, int ms) {
    msleep(now() + ms);
    printf("worker %d woke at %lld ms\n", id, (long long)(now() - start));
}

int main(void) {
    start = now();
    int b = bundle();
    bundle_go(b, worker(1, 1500));
    bundle_go(b, worker(2, 30000));
    int rc = bundle_wait(b, now() + 60000);
    printf("bundle_wait returned %d at %lld ms\n", rc, (long long)(now() - start));
    hclose(b);
    return 0;
}
