/* An unmodified libdill program whose worker fails an assertion. */
#include <assert.h>
#include <libdill.h>
#include <stdio.h>

coroutine void worker(void) {
    msleep(now() + 250);
    assert(now() < 0 && "the worker's assertion fails on purpose");
}

int main(void) {
    int h = go(worker());
    msleep(now() + 1000);
    hclose(h);
    return 0;
}
