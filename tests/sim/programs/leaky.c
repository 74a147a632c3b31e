/* An unmodified libdill program that forgets to close its child. */
#include <libdill.h>

coroutine void forever(void) { msleep(-1); }

int main(void) {
    go(forever());
    msleep(now() + 10);
    return 0;
}
