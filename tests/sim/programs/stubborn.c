/* An unmodified libdill program whose worker ignores ECANCELED. */
#include <libdill.h>

coroutine void stubborn(void) {
    for(;;) msleep(now() + 10); /* never looks at the result */
}

int main(void) {
    int h = go(stubborn());
    msleep(now() + 15);
    hclose(h); /* waits forever on the real runtime */
    return 0;
}
