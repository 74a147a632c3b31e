/* An asynchronous object as a node of the tree: a connection owns a sender
 * and a receiver coroutine; closing the object stops both. (000, 001) */
#include <libdill.h>

#include "canopy/scenarios/scenario.h"

struct tcp_connection {
    int sender;
    int receiver;
    int wire[2];                 /* stands in for the network */
    struct scenario_env *env;
};

coroutine static void tcp_sender(struct tcp_connection *self) {
    int seq = 0;
    while(1) {
        int rc = msleep(now() + 10 + scenario_random(self->env) % 90);
        if(rc < 0 && errno == ECANCELED) break;
        rc = chsend(self->wire[1], &seq, sizeof(seq), -1);
        if(rc < 0 && errno == ECANCELED) break;
        ++seq;
    }
    scenario_note(self->env, "sender-stopped", "the connection's sender was stopped");
}

coroutine static void tcp_receiver(struct tcp_connection *self) {
    int received = 0;
    while(1) {
        int seq;
        int rc = chrecv(self->wire[0], &seq, sizeof(seq), -1);
        if(rc < 0 && errno == ECANCELED) break;
        ++received;
    }
    scenario_note(self->env, "receiver-stopped", "the connection's receiver was stopped");
}

static int tcp_connection_open(struct tcp_connection *self) {
    if(chmake(self->wire) != 0) return -1;
    self->sender = go(tcp_sender(self));
    self->receiver = go(tcp_receiver(self));
    return self->sender >= 0 && self->receiver >= 0 ? 0 : -1;
}

static void tcp_connection_close(struct tcp_connection *self) {
    hclose(self->sender);
    hclose(self->receiver);
    hclose(self->wire[1]);
    hclose(self->wire[0]);
}

static int run(struct scenario_env *env) {
    struct tcp_connection conn;
    conn.env = env;
    if(tcp_connection_open(&conn) != 0) return -1;
    scenario_note(env, "open", "main opened the connection");
    msleep(now() + 1000);
    scenario_note(env, "close", "main closes the connection");
    tcp_connection_close(&conn);
    scenario_note(env, "closed", "no coroutine of the connection is left running");
    return 0;
}

const struct scenario scenario_async_object = {
    "async-object", "An asynchronous object owns a sender and a receiver coroutine",
    "000/001: What about asynchronous objects?", run, 0, 0};
