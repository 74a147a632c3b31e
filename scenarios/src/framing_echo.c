/* The essay's framing protocol, for real: each message is a 32-bit size in
 * network byte order followed by the data, over TCP. An echo server serves
 * 1,000 connections at once, one coroutine each, all in one bundle; then it
 * shuts down with a 30-second grace period given to every connection at
 * once, so that those still busy finish their work and none is cut short.
 *
 * The network may fail it as real networks do (under the simulator with
 * CANOPY_NET_FAULTS=reset,refuse,partition): a client whose connection is
 * refused or reset connects again and asks for the same echo again, which
 * is harmless; once the server has stopped accepting, a client that loses
 * its connection cannot come back and says so. Nothing else is excused: a
 * wrong echo, a missed deadline or an unexpected error fails the run. */
#include <libdill.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "canopy/scenarios/scenario.h"

#define CONNECTIONS 1000
#define SIMULATED_CONNECTIONS 100 /* under the simulator: a seed in milliseconds */
#define ROUNDS 3
#define GRACE_MS 30000
#define DEADLINE_MS 10000 /* a partition heals within 2 s: this is ample */
#define ATTEMPTS 20       /* connections one client makes at most */

struct echo {
    int clients;               /* how many: CONNECTIONS, or fewer under the simulator */
    int accepted, served, live; /* the server's connections: all, finished, current */
    int ready;                 /* clients that have their first echo back */
    int held;                  /* the server's connections when the last one had it */
    int reconnects;            /* connections made again after a refusal or a reset */
    int lost;                  /* clients cut off after the server stopped accepting */
    int failures;              /* anything a correct program never does */
    int stopped;               /* the server stopped accepting */
    int gate[2];               /* done when every client has its first echo back */
};

/* What a real network does to a correct program: the peer refused, reset,
 * or hung up because its connection was reset. */
static int network_fault(int err) {
    return err == ECONNREFUSED || err == ECONNRESET || err == EPIPE;
}

coroutine static void serve(int s, struct echo *e) {
    int m = prefix_attach(s, 4, PREFIX_BIG_ENDIAN);
    if(m < 0) {e->failures++; hclose(s); return;}
    e->live++;
    char buf[64];
    while(1) {
        ssize_t n = mrecv(m, buf, sizeof(buf), -1);
        if(n >= 0 && msend(m, buf, n, -1) == 0) continue;
        /* EPIPE: the client hung up; ECONNRESET: the network; ECANCELED: no more grace */
        if(errno != EPIPE && errno != ECONNRESET && errno != ECANCELED) e->failures++;
        break;
    }
    e->live--;
    e->served++;
    hclose(m);
}

coroutine static void accept_all(int listener, int handlers, struct echo *e) {
    while(1) {
        int s = tcp_accept(listener, NULL, -1);
        if(s < 0 && errno == ECANCELED) return; /* the server stops accepting */
        if(s < 0) {e->failures++; return;}
        e->accepted++;
        if(bundle_go(handlers, serve(s, e)) < 0) {e->failures++; hclose(s);}
    }
}

coroutine static void client(const struct ipaddr *addr, int id, struct echo *e) {
    int s = -1, attempts = 0, waited = 0;
    for(int round = 0; round != ROUNDS;) {
        if(s < 0) {
            if(attempts == ATTEMPTS) {e->failures++; return;}
            if(attempts++ != 0 && msleep(now() + 10 * attempts) < 0) {e->failures++; return;}
            s = tcp_connect(addr, now() + DEADLINE_MS);
            if(s >= 0) {
                int m = prefix_attach(s, 4, PREFIX_BIG_ENDIAN);
                if(m < 0) {e->failures++; hclose(s); return;}
                s = m;
            }
            if(s < 0 && e->stopped && errno == ECONNREFUSED) {e->lost++; return;}
            if(s < 0 && !network_fault(errno)) {e->failures++; return;}
            if(s < 0) continue;
            if(attempts > 1) e->reconnects++;
        }
        char out[32], in[32];
        int len = snprintf(out, sizeof(out), "client %d round %d", id, round);
        ssize_t n = -1;
        if(msend(s, out, len, now() + DEADLINE_MS) == 0) n = mrecv(s, in, sizeof(in), now() + DEADLINE_MS);
        if(n < 0) {
            int err = errno;
            hclose(s);
            s = -1;
            if(!network_fault(err)) {e->failures++; return;}
            continue; /* the same round again, on a new connection */
        }
        if(n != len || memcmp(in, out, len) != 0) {e->failures++; break;}
        /* After the first echo, wait until all connections are open at once. */
        if(!waited) {
            waited = 1;
            if(++e->ready == e->clients) {
                e->held = e->live; /* each client's connection, and any reset one not noticed yet */
                chdone(e->gate[1]);
            }
            if(chrecv(e->gate[0], NULL, 0, now() + 60000) != -1 || errno != EPIPE) e->failures++;
        }
        round++;
    }
    if(s >= 0) hclose(s);
}

static int run(struct scenario_env *env) {
    struct echo e = {0};
    e.clients = canopy_net_simulated() ? SIMULATED_CONNECTIONS : CONNECTIONS;
    struct rlimit fds; /* two descriptors a connection: raise the soft limit */
    if(!canopy_net_simulated() && getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }
    struct ipaddr addr;
    if(ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) < 0) return -1;
    int listener = tcp_listen(&addr, e.clients);
    int handlers = bundle();
    if(listener < 0 || handlers < 0 || chmake(e.gate) < 0) return -1; /* addr has the port now */
    int acceptor = go(accept_all(listener, handlers, &e));
    int clients = bundle();
    for(volatile int id = 0; id != e.clients; id++) /* volatile: go() returns twice */
        if(bundle_go(clients, client(&addr, id, &e)) < 0) return -1;
    char text[160];
    snprintf(text, sizeof(text), "%d clients connect and send framed messages", e.clients);
    scenario_note(env, "1", text);
    if(chrecv(e.gate[0], NULL, 0, now() + 60000) != -1 || errno != EPIPE) return -1;
    if(e.held < e.clients) return -1;
    snprintf(text, sizeof(text), "the server holds all %d connections at once", e.clients);
    scenario_note(env, "2", text);
    hclose(acceptor); /* stop accepting */
    hclose(listener);
    e.stopped = 1;
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
    snprintf(text, sizeof(text), "server closed; %d connections served (%d made again after a fault, %d clients cut off by the shutdown)",
             e.served, e.reconnects, e.lost);
    scenario_note(env, "5", text);
    return e.failures == 0 && e.served == e.accepted && e.accepted >= e.clients ? 0 : -1;
}

const struct scenario scenario_framing_echo = {
    "framing-echo", "A framing echo server: 1,000 connections (100 under the simulator), then shutdown with a grace period",
    "002: the framing protocol over TCP, shut down with a grace period", run, 0, 1};
