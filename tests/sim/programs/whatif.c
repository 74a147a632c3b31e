/* A cleanup path only a what-if reaches: nobody closes the worker while it
 * sleeps, so a real run never takes the ECANCELED branch. Under
 * CANOPY_WHATIF=cancel it does, and the program's own failure report is
 * followed by the simulator's what-if line. */
#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>

coroutine void sleeper(int *state) {
    if(msleep(now() + 10) < 0 && errno == ECANCELED) {
        *state = -1;
        return;
    }
    *state = 1;
}

int main(void) {
    int state = 0;
    int b = bundle();
    bundle_go(b, sleeper(&state));
    bundle_wait(b, -1);
    hclose(b);
    if(state != 1) {
        fprintf(stderr, "the sleeper's cleanup path ran: state %d\n", state);
        exit(1);
    }
    printf("slept\n");
    return 0;
}
