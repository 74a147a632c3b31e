#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>

coroutine void foo(void) {
    void *resource = malloc(1000);
    while(1) {
        int rc = msleep(now() + 100);
        if(rc == -1 && errno == ECANCELED) {
            free(resource);
            return;
        }
    }
}

int main(void) {
    int h = go(foo());
    msleep(now() + 250);
    hclose(h);
    return 0;
}
