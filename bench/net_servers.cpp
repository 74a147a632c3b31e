// Echo servers without coroutines (net_servers.hpp): the yardsticks.
#include "net_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "net_echo.h"

namespace canopy::bench {

namespace {

/// A listening socket on 127.0.0.1, an ephemeral port; its port is written
/// to `ready_fd`. The socket, or -1.
int listen_loopback(int ready_fd, int backlog, bool non_blocking) {
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (l < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, backlog) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(l);
    return -1;
  }
  int port = ntohs(a.sin_port);
  if (::write(ready_fd, &port, sizeof port) != static_cast<ssize_t>(sizeof port)) {
    ::close(l);
    return -1;
  }
  return l;
}

/// Reads or writes exactly `bytes`, blocking: false at end of stream or error.
bool whole(int fd, char* data, std::size_t bytes, bool reading) {
  std::size_t done = 0;
  while (done < bytes) {
    ssize_t n = reading ? ::read(fd, data + done, bytes - done) : ::send(fd, data + done, bytes - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void* echo_blocking(void* argument) {
  int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(argument));
  char message[NET_ECHO_MESSAGE_BYTES];
  while (whole(fd, message, sizeof message, true) && whole(fd, message, sizeof message, false)) {
  }
  ::close(fd);
  return nullptr;
}

/// One connection of the epoll loop: a message being read, then written back.
struct Connection {
  char message[NET_ECHO_MESSAGE_BYTES];
  std::size_t have = 0;     ///< bytes of the message read so far
  std::size_t written = 0;  ///< bytes of the echo written so far (once have is full)
};

}  // namespace

int serve_thread_per_connection(int ready_fd, int stop_fd, int backlog) {
  int l = listen_loopback(ready_fd, backlog, false);
  if (l < 0) return -1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pollfd fds[2] = {{l, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  while (::poll(fds, 2, -1) >= 0 || errno == EINTR) {
    if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) break;  // the stop pipe closed
    if ((fds[0].revents & POLLIN) == 0) continue;
    int s = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) continue;
    int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_t t;
    if (pthread_create(&t, &attr, echo_blocking, reinterpret_cast<void*>(static_cast<std::intptr_t>(s))) != 0) ::close(s);
  }
  pthread_attr_destroy(&attr);
  ::close(l);
  return 0;  // the process exits next, and its threads with it
}

int serve_epoll_loop(int ready_fd, int stop_fd, int backlog) {
  int l = listen_loopback(ready_fd, backlog, true);
  if (l < 0) return -1;
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<Connection> connections(65536);  // indexed by descriptor
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = l;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  ev.data.fd = stop_fd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &ev);
  std::vector<epoll_event> ready(1024);
  for (;;) {
    int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < n; ++i) {
      int fd = ready[static_cast<std::size_t>(i)].data.fd;
      if (fd == stop_fd) {
        ::close(ep);
        ::close(l);
        return 0;
      }
      if (fd == l) {
        int s;
        while ((s = ::accept4(l, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          if (static_cast<std::size_t>(s) >= connections.size()) {
            ::close(s);
            continue;
          }
          int one = 1;
          ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          connections[static_cast<std::size_t>(s)] = Connection{};
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.fd = s;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
        }
        continue;
      }
      Connection& c = connections[static_cast<std::size_t>(fd)];
      bool gone = false;
      for (;;) {
        if (c.have < sizeof c.message) {
          ssize_t got = ::read(fd, c.message + c.have, sizeof c.message - c.have);
          if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) gone = true;
          if (got <= 0) break;
          c.have += static_cast<std::size_t>(got);
          continue;
        }
        ssize_t put = ::send(fd, c.message + c.written, sizeof c.message - c.written, MSG_NOSIGNAL);
        if (put < 0 && errno != EAGAIN && errno != EINTR) gone = true;
        if (put <= 0) break;  // EAGAIN: the client reads slowly; it reads before it writes again
        c.written += static_cast<std::size_t>(put);
        if (c.written == sizeof c.message) c = Connection{};
      }
      if (gone) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
      }
    }
  }
  ::close(ep);
  ::close(l);
  return -1;
}

}  // namespace canopy::bench
