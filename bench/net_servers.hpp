// The peers of the network benchmark: echo servers written without any
// coroutine library, to compare net_echo.c's coroutine-per-connection server
// with (bench_net.cpp). Each runs on the calling thread of a process of its
// own until `stop_fd` is readable, and follows net_echo_serve's contract:
// listen on 127.0.0.1 with `backlog`, write the port (an int) to `ready_fd`,
// echo every NET_ECHO_MESSAGE_BYTES bytes read. 0, or -1 if it could not.
#pragma once

namespace canopy::bench {

/// One blocking thread per connection (64 KiB stacks).
int serve_thread_per_connection(int ready_fd, int stop_fd, int backlog);

/// One thread, non-blocking sockets and an epoll loop written by hand.
int serve_epoll_loop(int ready_fd, int stop_fd, int backlog);

}  // namespace canopy::bench
