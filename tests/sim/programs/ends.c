/* An unmodified libdill program that ends the way argv[1] says, after a
 * worker and main have exchanged argv[2] messages (default 10):
 *   exit0   returns 0 having closed everything;
 *   exit1   a failed check: exit(1) with the worker still running;
 *   term    raise(SIGTERM);   kill   raise(SIGKILL);
 *   fork    forks a child that uses the runtime too, then both exit 0. */
#include <libdill.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

coroutine void echo(int ch) {
    int v;
    while(chrecv(ch, &v, sizeof v, -1) == 0) {
        if(chsend(ch, &v, sizeof v, -1) != 0) return;
    }
}

static void exchange(int ch, int count) {
    for(int i = 0; i < count; i++) {
        int v = i;
        chsend(ch, &v, sizeof v, -1);
        chrecv(ch, &v, sizeof v, -1);
    }
}

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "exit0";
    int count = argc > 2 ? atoi(argv[2]) : 10;
    int ch[2];
    chmake(ch);
    int h = go(echo(ch[1]));
    exchange(ch[0], count);
    if(strcmp(how, "exit1") == 0) {
        fprintf(stderr, "check failed: the answer was wrong\n");
        exit(1);
    }
    if(strcmp(how, "term") == 0) raise(SIGTERM);
    if(strcmp(how, "kill") == 0) raise(SIGKILL);
    if(strcmp(how, "fork") == 0) {
        fflush(NULL);
        pid_t pid = fork();
        if(pid == 0) {
            exchange(ch[0], count);
            msleep(now() + 5);
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if(!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 9;
        exchange(ch[0], 2);
    }
    hclose(h);
    hclose(ch[0]);
    hclose(ch[1]);
    return 0;
}
