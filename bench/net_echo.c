/* The benchmark's echo server in libdill 2.x's API only, so that the same
 * code runs on Canopy and on libdill (see net_echo.h). */
#include "net_echo.h"

#include <errno.h>
#include <libdill.h>
#include <unistd.h>

coroutine static void echo_connection(int s) {
    char message[NET_ECHO_MESSAGE_BYTES];
    while(brecv(s, message, sizeof(message), -1) == 0 &&
          bsend(s, message, sizeof(message), -1) == 0) {
    }
    hclose(s);
}

coroutine static void accept_connections(int listener, int connections) {
    while(1) {
        int s = tcp_accept(listener, NULL, -1);
        if(s < 0 && errno == ECANCELED) return;
        /* EMFILE and the like: the client sees its connection fail. */
        if(s < 0) continue;
        if(bundle_go(connections, echo_connection(s)) < 0) hclose(s);
    }
}

int net_echo_serve(int ready_fd, int stop_fd, int backlog) {
    struct ipaddr address;
    if(ipaddr_local(&address, "127.0.0.1", 0, IPADDR_IPV4) < 0) return -1;
    int listener = tcp_listen(&address, backlog);
    if(listener < 0) return -1;
    int connections = bundle();
    if(connections < 0) return -1;
    int acceptor = go(accept_connections(listener, connections));
    if(acceptor < 0) return -1;
    int port = ipaddr_port(&address);
    if(write(ready_fd, &port, sizeof(port)) != (ssize_t)sizeof(port)) return -1;
    int rc = fdin(stop_fd, -1);
    hclose(acceptor);
    hclose(connections);
    hclose(listener);
    return rc;
}
