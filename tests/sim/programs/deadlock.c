/* An unmodified libdill program that deadlocks: main and a worker each wait
 * for a message from the other. */
#include <libdill.h>
#include <stdio.h>

coroutine void worker(int in, int out) {
    int v;
    chrecv(in, &v, sizeof v, -1);
    chsend(out, &v, sizeof v, -1);
}

int main(void) {
    int a[2], b[2];
    chmake(a);
    chmake(b);
    int h = go(worker(a[0], b[1]));
    printf("waiting for the worker\n");
    fflush(stdout);
    int v;
    chrecv(b[0], &v, sizeof v, -1);
    hclose(h);
    return 0;
}
