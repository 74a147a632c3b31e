/* An unmodified libdill program that talks between its own coroutines over
 * a real pipe; given "stdin", it waits on standard input instead, which is
 * connected to the outside; given "stdin-then-hang", it then waits on a
 * channel nobody sends on (a deadlock). */
#include <fcntl.h>
#include <libdill.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

coroutine void writer(int fd, int ms) {
    msleep(now() + ms);
    char c = 'x';
    if (write(fd, &c, 1) != 1) perror("write");
}

int main(int argc, char** argv) {
    int64_t start = now();
    if (argc > 1 && strncmp(argv[1], "stdin", 5) == 0) {
        if (fdin(0, -1) != 0) { perror("fdin"); return 1; }
        char buf[64];
        ssize_t n = read(0, buf, sizeof buf);
        printf("stdin gave %d bytes\n", (int)n);
        if (strcmp(argv[1], "stdin-then-hang") == 0) {
            int ch[2];
            chmake(ch);
            char c;
            chrecv(ch[0], &c, 1, -1);
        }
        return 0;
    }
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); return 1; }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    int b = bundle();
    bundle_go(b, writer(p[1], 30));
    if (fdin(p[0], now() + 1000) != 0) { perror("fdin"); return 1; }
    char c;
    ssize_t n = read(p[0], &c, 1);
    printf("read %d byte from the pipe at %lld ms\n", (int)n, (long long)(now() - start));
    bundle_wait(b, -1);
    hclose(b);
    fdclean(p[0]);
    fdclean(p[1]);
    close(p[0]);
    close(p[1]);
    return 0;
}
