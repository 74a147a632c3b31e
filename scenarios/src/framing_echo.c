/* The essay's framing protocol, for real: each message is a 32-bit size in
 * network byte order followed by the data, over TCP. An echo server serves
 * 1,000 connections at once, one coroutine each, all in one bundle; then it
 * shuts down with a 30-second grace period given to every connection at
 * once, so that those still busy finish their work and none is cut short. */
#include <libdill.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "canopy/scenarios/scenario.h"

#define CONNECTIONS 1000
#define ROUNDS 3
#define GRACE_MS 30000

struct echo {
    int clients, served, live, most_live, ready, failures;
    int gate[2]; /* done when every client has its first echo back */
};

coroutine static void serve(int s, struct echo *e) {
    s = prefix_attach(s, 4, PREFIX_BIG_ENDIAN);
    if(s < 0) {e->failures++; return;}
    if(++e->live > e->most_live) e->most_live = e->live;
    char buf[64];
    while(1) {
        ssize_t n = mrecv(s, buf, sizeof(buf), -1);
        if(n < 0) break; /* EPIPE: the client hung up; ECANCELED: no more grace */
        if(msend(s, buf, n, -1) < 0) break;
    }
    e->live--;
    e->served++;
    hclose(s);
}

coroutine static void accept_all(int listener, int handlers, struct echo *e) {
    while(1) {
        int s = tcp_accept(listener, NULL, -1);
        if(s < 0) return; /* ECANCELED: the server stops accepting */
        if(bundle_go(handlers, serve(s, e)) < 0) hclose(s);
    }
}

coroutine static void client(const struct ipaddr *addr, int id, struct echo *e) {
    int s = tcp_connect(addr, now() + 10000);
    if(s >= 0) s = prefix_attach(s, 4, PREFIX_BIG_ENDIAN);
    if(s < 0) {e->failures++; return;}
    for(int round = 0; round != ROUNDS; round++) {
        char out[32], in[32];
        int len = snprintf(out, sizeof(out), "client %d round %d", id, round);
        if(msend(s, out, len, now() + 10000) < 0 ||
           mrecv(s, in, sizeof(in), now() + 10000) != len || memcmp(in, out, len) != 0) {
            e->failures++;
            break;
        }
        /* After the first echo, wait until all connections are open at once. */
        if(round == 0 && ++e->ready == CONNECTIONS) chdone(e->gate[1]);
        if(round == 0 && (chrecv(e->gate[0], NULL, 0, now() + 60000) != -1 || errno != EPIPE))
            e->failures++;
    }
    hclose(s);
}

static int run(struct scenario_env *env) {
    struct echo e = {0};
    struct rlimit fds; /* two descriptors a connection: raise the soft limit */
    if(getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }
    struct ipaddr addr;
    if(ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) < 0) return -1;
    int listener = tcp_listen(&addr, CONNECTIONS);
    int handlers = bundle();
    if(listener < 0 || handlers < 0 || chmake(e.gate) < 0) return -1;
    int acceptor = go(accept_all(listener, handlers, &e));
    int clients = bundle();
    for(e.clients = 0; e.clients != CONNECTIONS; e.clients++)
        if(bundle_go(clients, client(&addr, e.clients, &e)) < 0) return -1;
    scenario_note(env, "1", "1,000 clients connect and send framed messages");
    if(chrecv(e.gate[0], NULL, 0, now() + 60000) != -1 || errno != EPIPE) return -1;
    if(e.most_live != CONNECTIONS) return -1;
    scenario_note(env, "2", "the server holds all 1,000 connections at once");
    hclose(acceptor); /* stop accepting */
    hclose(listener);
    scenario_note(env, "3", "shutdown: every connection gets a 30 s grace period at once");
    int rc = bundle_wait(handlers, now() + GRACE_MS);
    if(rc == 0) scenario_note(env, "4", "every connection finished within the grace period");
    else if(errno == ETIMEDOUT) scenario_note(env, "4", "grace period over: the rest are cancelled");
    else return -1;
    hclose(handlers); /* cancels, all at once, whoever is left */
    if(bundle_wait(clients, now() + 10000) < 0) return -1;
    hclose(clients);
    hclose(e.gate[0]);
    hclose(e.gate[1]);
    scenario_note(env, "5", "server closed; 1,000 connections served");
    return e.failures == 0 && e.served == CONNECTIONS ? 0 : -1;
}

const struct scenario scenario_framing_echo = {
    "framing-echo", "A framing echo server: 1,000 connections, then shutdown with a grace period",
    "002: the framing protocol over TCP, shut down with a grace period", run, 0};
