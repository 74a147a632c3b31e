// canopy/sim/fd.hpp: the descriptor functions find this thread's simulation.
#include <cerrno>

#include "canopy/sim/fd.hpp"
#include "simulation.hpp"

namespace canopy::sim {

namespace {
detail::SimPoller* poller() {
  detail::Simulation* s = detail::current_simulation();
  return s != nullptr ? &s->poller : nullptr;
}
int result(int err) {
  if (err == 0) return 0;
  errno = err;
  return -1;
}
}  // namespace

int pipe(int fds[2]) {
  auto* p = poller();
  return p != nullptr ? result(p->make_pair(fds, false)) : result(ENOTSUP);
}

int socketpair(int fds[2]) {
  auto* p = poller();
  return p != nullptr ? result(p->make_pair(fds, true)) : result(ENOTSUP);
}

ssize_t read(int fd, void* buffer, std::size_t bytes) {
  auto* p = poller();
  if (p == nullptr) return result(EBADF);
  int err = 0;
  long n = p->read(fd, buffer, bytes, err);
  if (n < 0) errno = err;
  return n;
}

ssize_t write(int fd, const void* buffer, std::size_t bytes) {
  auto* p = poller();
  if (p == nullptr) return result(EBADF);
  int err = 0;
  long n = p->write(fd, buffer, bytes, err);
  if (n < 0) errno = err;
  return n;
}

int close(int fd) {
  auto* p = poller();
  return p != nullptr ? result(p->close(fd)) : result(EBADF);
}

int set_link(int fd, const link& how) {
  auto* p = poller();
  return p != nullptr ? result(p->set_link(fd, how)) : result(EBADF);
}

int inject_error(int fd, int err) {
  auto* p = poller();
  return p != nullptr ? result(p->inject_error(fd, err)) : result(EBADF);
}

}  // namespace canopy::sim
