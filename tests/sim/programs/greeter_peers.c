/* The greeter's clients, as peers (canopy/sim/peers.h): three coroutines
 * that connect (again, while the server is not listening yet), give a name
 * and check the greeting. Port from GREETER_PORT (5555 by default);
 * GREETER_NO_PEERS makes canopy_peers() fail; with GREETER_STOP, once all
 * three are answered, the peers stop the server (canopy_peers_end). */
#include <libdill.h>
#include <canopy/sim/peers.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int port(void) {
    const char* p = getenv("GREETER_PORT");
    return p != NULL ? atoi(p) : 5555;
}

coroutine void client(const char* name) {
    struct ipaddr addr;
    if (ipaddr_remote(&addr, "127.0.0.1", port(), IPADDR_IPV4, -1) != 0) { perror("ipaddr_remote"); abort(); }
    int s = -1;
    for (int attempt = 0; s < 0; ++attempt) {
        s = tcp_connect(&addr, now() + 1000);
        if (s >= 0) break;
        if (errno == ECANCELED) return;
        if (errno != ECONNREFUSED || attempt == 100) { perror("tcp_connect"); abort(); }
        if (msleep(now() + 10) != 0) return;
    }
    s = suffix_attach(s, "\r\n", 2);
    char buf[96];
    ssize_t n = mrecv(s, buf, sizeof buf, -1);
    if (n != 5 || memcmp(buf, "name?", 5) != 0) { fprintf(stderr, "%s: no question\n", name); abort(); }
    if (msend(s, name, strlen(name), -1) != 0) { perror("msend"); abort(); }
    n = mrecv(s, buf, sizeof buf - 1, -1);
    if (n < 0) { perror("mrecv"); abort(); }
    buf[n] = 0;
    printf("%s heard \"%s\"\n", name, buf);
    hclose(s);
}

coroutine void stopper(int clients) {
    if (bundle_wait(clients, -1) != 0) return;
    printf("stopping the server\n");
    canopy_peers_end(0);
}

int canopy_peers(void) {
    if (getenv("GREETER_NO_PEERS") != NULL) {  /* how a test sees a failed start */
        errno = EADDRNOTAVAIL;
        return -1;
    }
    int b = bundle();
    if (b < 0) return -1;
    if (bundle_go(b, client("ada")) != 0 || bundle_go(b, client("bob")) != 0 || bundle_go(b, client("cy")) != 0)
        return -1;
    if (getenv("GREETER_STOP") != NULL) {
        int all = bundle();
        if (all < 0 || bundle_go(all, stopper(b)) != 0) return -1;
        return all;
    }
    return b;
}
