/* An unmodified libdill TCP echo: a server coroutine echoes what one client
 * sends. Under CANOPY_SEED it runs on the simulated network, with no host
 * socket, and with CANOPY_NET_LATENCY_MS fixed its times are exact. */
#include <libdill.h>
#include <stdio.h>
#include <string.h>

static int64_t start;

coroutine void server(int listener) {
    int s = tcp_accept(listener, NULL, -1);
    if (s < 0) { perror("tcp_accept"); return; }
    char buf[5];
    if (brecv(s, buf, sizeof buf, -1) != 0) { perror("server brecv"); return; }
    printf("server got %.5s at %lld ms\n", buf, (long long)(now() - start));
    if (bsend(s, buf, sizeof buf, -1) != 0) { perror("server bsend"); return; }
    if (tcp_close(s, now() + 1000) != 0) perror("server tcp_close");
}

int main(void) {
    start = now();
    struct ipaddr addr;
    if (ipaddr_local(&addr, "127.0.0.1", 5555, IPADDR_IPV4) != 0) { perror("ipaddr_local"); return 1; }
    int listener = tcp_listen(&addr, 10);
    if (listener < 0) { perror("tcp_listen"); return 1; }
    int b = bundle();
    bundle_go(b, server(listener));
    struct ipaddr remote;
    if (ipaddr_remote(&remote, "localhost", 5555, IPADDR_IPV4, -1) != 0) { perror("ipaddr_remote"); return 1; }
    int c = tcp_connect(&remote, -1);
    if (c < 0) { perror("tcp_connect"); return 1; }
    printf("connected at %lld ms\n", (long long)(now() - start));
    if (bsend(c, "hello", 5, -1) != 0) { perror("client bsend"); return 1; }
    char buf[5];
    if (brecv(c, buf, sizeof buf, -1) != 0) { perror("client brecv"); return 1; }
    printf("client got %.5s back at %lld ms\n", buf, (long long)(now() - start));
    if (tcp_close(c, now() + 1000) != 0) perror("client tcp_close");
    bundle_wait(b, -1);
    hclose(b);
    hclose(listener);
    return 0;
}
