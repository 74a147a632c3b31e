/* An unmodified libdill program whose worker recurses off its stack. */
#include <libdill.h>
#include <string.h>

static int deep(int n) {
    volatile char frame[1024];
    memset((char *)frame, n, sizeof frame);
    return n == 0 ? frame[0] : deep(n - 1) + frame[1];
}

coroutine void worker(void) { deep(1 << 20); }

int main(void) {
    int h = go(worker());
    hclose(h);
    return 0;
}
