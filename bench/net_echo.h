/* The echo server of the network benchmark (net_echo.c), one source written
 * against libdill 2.x's API and compiled twice: against Canopy's <libdill.h>
 * (bench_net_canopy) and, when CANOPY_LIBDILL_DIR names a libdill build,
 * against libdill's (bench_net_libdill). */
#ifndef CANOPY_BENCH_NET_ECHO_H
#define CANOPY_BENCH_NET_ECHO_H

#ifdef __cplusplus
extern "C" {
#endif

/* Every message of the benchmark: this many bytes, echoed back whole. */
#define NET_ECHO_MESSAGE_BYTES 64

/* Serves on the calling thread, one coroutine per connection, until
 * `stop_fd` becomes readable: listens on 127.0.0.1 with `backlog`, writes
 * its port (an int) to `ready_fd`, then echoes every NET_ECHO_MESSAGE_BYTES
 * bytes it reads on a connection. Returns 0, or -1 if it could not listen. */
int net_echo_serve(int ready_fd, int stop_fd, int backlog);

#ifdef __cplusplus
}
#endif

#endif
