/* What a careless program does to the runtime, one misuse per argument:
 *   raise-segv  raises SIGSEGV itself after the runtime started
 *   kill-segv   sends itself SIGSEGV with kill()
 *   spawn       spawns and closes one coroutine (for the environment tests)
 *   atexit      uses the API from an atexit handler, after the runtime's
 *               statics would have been destroyed
 * Prints "survived" and exits 0 when a signal did not kill it. */
#include <libdill.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

coroutine static void idles(void) { msleep(now() + 10); }

static void start_runtime(void) {
    int h = go(idles());
    if (h < 0) { perror("go"); _exit(10); }
    if (hclose(h) != 0) { perror("hclose"); _exit(11); }
}

static void uses_runtime_at_exit(void) {
    /* Every call must return (a result or -1 with errno), never hang. */
    int ch[2];
    int made = chmake(ch);
    int h = go(idles());
    int slept = msleep(now() + 1);
    printf("atexit: chmake %d go %s msleep %d\n", made, h >= 0 ? "ok" : "failed", slept);
    if (h >= 0) hclose(h);
    if (made == 0) { hclose(ch[0]); hclose(ch[1]); }
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "atexit") == 0) {
        /* Registered before the runtime starts: runs after its exit-time
         * teardown, as a handler registered early by a library would. */
        atexit(uses_runtime_at_exit);
    }
    start_runtime();
    if (strcmp(what, "raise-segv") == 0) raise(SIGSEGV);
    if (strcmp(what, "kill-segv") == 0) kill(getpid(), SIGSEGV);
    printf("survived\n");
    return 0;
}
