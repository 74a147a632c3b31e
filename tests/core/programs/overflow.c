/* Recurses until its coroutine's stack runs into the guard page. */
#include <libdill.h>

static int recurse(int depth) {
    volatile char pad[1024];
    pad[0] = (char)depth;
    return depth > 1000000 ? pad[0] : recurse(depth + 1) + pad[0];
}

coroutine static void overflows(int depth) { recurse(depth); }

int main(void) {
    int h = go(overflows(0));
    hclose(h);
    return 0;
}
