#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>

/* Not shown in the document: a child small enough for a 1 KiB stack. */
static int steps;
coroutine void child(void) {
    while(yield() == 0) ++steps;
}

coroutine parent(void) {
    char stk[1024];
    int h = go_stack(child(), stk, sizeof(stk));
    yield(); /* doc: "..." */
    hclose(h);
}

int main(void) {
    int h = go(parent());
    msleep(now() + 10);
    hclose(h);
    return steps > 0 ? 0 : 1;
}
