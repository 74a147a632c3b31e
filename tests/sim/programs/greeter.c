/* An unchanged libdill server: greets three clients, one coroutine each,
 * then shuts down with a grace period. It has no client of its own: under
 * CANOPY_SEED its clients are peers (greeter_peers.c, canopy/sim/peers.h).
 * Usage: greeter [PORT [forever]] (5555 by default); forever: it serves
 * until it is stopped, as servers do. */
#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

coroutine void greet(int s) {
    int64_t deadline = now() + 5000;
    char name[64];
    ssize_t n = -1;
    if (msend(s, "name?", 5, deadline) == 0) n = mrecv(s, name, sizeof name - 1, deadline);
    if (n >= 0) {
        char reply[96];
        int len = snprintf(reply, sizeof reply, "hello, %.*s", (int)n, name);
        if (msend(s, reply, (size_t)len, deadline) != 0) perror("msend");
    } else {
        perror("greet");
    }
    hclose(s);
}

int main(int argc, char* argv[]) {
    int port = argc > 1 ? atoi(argv[1]) : 5555;
    struct ipaddr addr;
    if (ipaddr_local(&addr, "127.0.0.1", port, IPADDR_IPV4) != 0) { perror("ipaddr_local"); return 1; }
    int listener = tcp_listen(&addr, 10);
    if (listener < 0) { perror("tcp_listen"); return 1; }
    int forever = argc > 2 && strcmp(argv[2], "forever") == 0;
    int b = bundle();
    for (int i = 0; forever || i != 3; ++i) {
        int s = tcp_accept(listener, NULL, -1);
        if (s < 0) { perror("tcp_accept"); return 1; }
        s = suffix_attach(s, "\r\n", 2);
        if (s < 0 || bundle_go(b, greet(s)) != 0) { perror("suffix_attach"); return 1; }
    }
    if (bundle_wait(b, now() + 1000) != 0) perror("bundle_wait");
    hclose(b);
    hclose(listener);
    printf("greeted 3 clients\n");
    return 0;
}
