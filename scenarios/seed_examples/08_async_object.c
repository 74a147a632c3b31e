#include <libdill.h>
#include <stdio.h>
#include <stdlib.h>

struct tcp_connection;
coroutine void tcp_sender(struct tcp_connection *self);
coroutine void tcp_receiver(struct tcp_connection *self);

struct tcp_connection {
    int sender;
    int receiver;
}; /* doc: the ';' is missing in the document */

void tcp_connection_open(struct tcp_connection *self) {
    self->sender = go(tcp_sender(self));
    self->receiver = go(tcp_receiver(self));
}

void tcp_connection_close(struct tcp_connection *self) {
    hclose(self->sender);
    hclose(self->receiver);
}

/* Not shown in the document: stand-ins that run until cancelled. */
coroutine void tcp_sender(struct tcp_connection *self) {
    (void)self;
    while(msleep(now() + 10) == 0) {}
}

coroutine void tcp_receiver(struct tcp_connection *self) {
    (void)self;
    while(msleep(now() + 15) == 0) {}
}

int main(void) {
    struct tcp_connection conn;
    tcp_connection_open(&conn);
    msleep(now() + 100);
    tcp_connection_close(&conn);
    return 0;
}
