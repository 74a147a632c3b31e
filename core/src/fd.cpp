// Waiting for file descriptors: fdin, fdout, fdclean.
#include <cerrno>

#include "scheduler.hpp"

namespace canopy::core {

int Scheduler::fd_wait(int fd, runtime::Direction direction, std::int64_t deadline_ms) {
  if (fd < 0) return -EBADF;
  if (refuse_if_cancelled()) return -ECANCELED;
  runtime::BlockReason reason =
      direction == runtime::Direction::in ? runtime::BlockReason::fdin : runtime::BlockReason::fdout;
  if (int injected = injected_failure(reason, deadline_ms)) return injected;
  // The platform seam reports positive errno values.
  if (int err = platform_.poller->watch(fd, direction)) return -err;
  Wait w;
  w.reason = reason;
  w.object = static_cast<runtime::ObjectId>(fd);
  w.fd = fd;
  w.direction = direction;
  fd_waiters_.set(fd, direction, current_);
  // A deadline of 0 still looks once: the timer fires at the next poll,
  // after the poller has reported what is ready.
  return block(w, deadline_ms);
}

int Scheduler::fd_clean(int fd) {
  if (fd < 0) return -EBADF;
  return -platform_.poller->clean(fd);
}

}  // namespace canopy::core
