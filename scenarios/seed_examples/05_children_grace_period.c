#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>

coroutine void worker(void) {
    int rc = msleep(now() + (random() % 1000));
    if(rc < 0 && errno == ECANCELED) {
        return; /* 6 . */
    }
    /* 2. */
}

int main(void) {
    int b = bundle();
    int i;
    for(i = 0; i != 3; i++)
        bundle_go(b, worker()); /* 1. */
    /* 3. */
    bundle_wait(b, now() + 500);
    /* 4. */
    hclose(b); /* 5. */
    return 0;
}
