// Simulated descriptors and the poller that moves virtual time.
//
// wait() is the only place where virtual time passes. When something is
// ready it reports it without moving the clock; otherwise it jumps the clock
// to the earlier of the scheduler's next timer (the timeout) and the next
// in-flight delivery. With no timeout and nothing in flight, nothing can ever
// happen again: that is a deadlock, reported rather than waited out.
#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>

#include "canopy/runtime/embedding.hpp"
#include "simulation.hpp"

namespace canopy::sim::detail {

namespace {
constexpr std::int64_t never_ns = std::numeric_limits<std::int64_t>::max();
}

SimPoller::SimPoller(Simulation& sim) : sim_(sim), rng_(sim.opts().seed, stream::network) {}

Endpoint* SimPoller::find(int fd) {
  if (fd < first_fd) return nullptr;
  auto index = static_cast<std::size_t>(fd - first_fd);
  if (index >= endpoints_.size() || !endpoints_[index].open) return nullptr;
  return &endpoints_[index];
}

int SimPoller::watch(int fd, runtime::Direction direction) {
  // A real descriptor's readiness depends on the world outside the
  // simulation; waiting for it could hang a run that is meant to be exact.
  if (fd >= 0 && fd < first_fd) return ENOTSUP;
  if (find(fd) == nullptr) return EBADF;
  auto [it, inserted] = watched_.insert({fd, static_cast<int>(direction)});
  (void)it;
  return inserted ? 0 : EBUSY;
}

void SimPoller::unwatch(int fd, runtime::Direction direction) {
  watched_.erase({fd, static_cast<int>(direction)});
}

int SimPoller::clean(int fd) {
  if (fd >= 0 && fd < first_fd) return 0;  // nothing is ever known about real ones
  if (watched_.count({fd, 0}) != 0 || watched_.count({fd, 1}) != 0) return EBUSY;
  return 0;
}

bool SimPoller::at_end(const Endpoint& e) const {
  // The writer closed and everything it wrote has arrived.
  return e.peer_closed && (e.peer < 0 || endpoints_[static_cast<std::size_t>(e.peer)].in_flight.empty());
}

bool SimPoller::ready(const Endpoint& e, runtime::Direction d) const {
  if (e.pending_error != 0) return true;
  if (d == runtime::Direction::in) return !e.can_read || !e.buffer.empty() || at_end(e);
  if (!e.can_write || e.peer_closed || e.peer < 0) return true;
  const Endpoint& p = endpoints_[static_cast<std::size_t>(e.peer)];
  return p.buffer.size() + e.in_flight_bytes < link_capacity_bytes;
}

void SimPoller::deliver_due(std::int64_t now_ns) {
  // Only endpoints with bytes in flight matter; there are few, and walking
  // them in descriptor order keeps delivery deterministic.
  for (Endpoint& e : endpoints_) {
    while (!e.in_flight.empty() && e.in_flight.front().deliver_ns <= now_ns) {
      Endpoint::Segment& s = e.in_flight.front();
      e.in_flight_bytes -= s.bytes.size();
      if (e.peer >= 0 && endpoints_[static_cast<std::size_t>(e.peer)].open) {
        endpoints_[static_cast<std::size_t>(e.peer)].buffer += s.bytes;
      }
      e.in_flight.pop_front();
    }
  }
}

std::int64_t SimPoller::next_delivery_ns() const {
  std::int64_t next = never_ns;
  for (const Endpoint& e : endpoints_) {
    if (!e.in_flight.empty()) next = std::min(next, e.in_flight.front().deliver_ns);
  }
  return next == never_ns ? -1 : next;
}

std::size_t SimPoller::report_ready(runtime::ReadinessSink& sink) {
  // Copy first: waking a waiter unwatches it, which edits the set.
  std::vector<std::pair<int, int>> due;
  for (const auto& [fd, direction] : watched_) {
    const Endpoint& e = endpoints_[static_cast<std::size_t>(fd - first_fd)];
    if (ready(e, static_cast<runtime::Direction>(direction))) due.push_back({fd, direction});
  }
  for (const auto& [fd, direction] : due) sink.fd_ready(fd, static_cast<runtime::Direction>(direction), 0);
  return due.size();
}

void SimPoller::wait(std::int64_t timeout_ns, runtime::ReadinessSink& sink) {
  std::int64_t now = sim_.clock.now_ns();
  deliver_due(now);
  if (report_ready(sink) != 0 || timeout_ns == 0) return;
  std::int64_t next = next_delivery_ns();
  std::int64_t target;
  if (timeout_ns < 0) {
    if (next < 0) {
      sim_.failures.deadlock(runtime::describe_blocked() +
                             "\n  (only simulated descriptors are watched, and no bytes are in "
                             "flight to any of them)");
    }
    target = next;
  } else {
    target = now + timeout_ns;
    if (next >= 0 && next < target) target = next;
  }
  std::int64_t budget_ms = sim_.opts().max_virtual_ms;
  if (budget_ms > 0 && target > (epoch_ms + budget_ms) * 1'000'000) {
    sim_.fail(failure_kind::time_budget,
              "virtual time budget exceeded: the run wanted to go past " +
                  std::to_string(budget_ms) +
                  " virtual ms without finishing (a livelock, or a program that sleeps forever "
                  "in a loop); raise options::max_virtual_ms / CANOPY_MAX_VIRTUAL_MS if that is "
                  "expected");
  }
  sim_.clock.advance_to(target);
  sim_.stats.virtual_ms = sim_.clock.now_ns() / 1'000'000 - epoch_ms;
  deliver_due(target);
  report_ready(sink);
}

// ---------------------------------------------------------------------------
// The descriptor API

int SimPoller::make_pair(int fds[2], bool two_way) {
  if (endpoints_.size() + 2 > max_descriptors) return EMFILE;
  int a = first_fd + static_cast<int>(endpoints_.size());
  int b = a + 1;
  Endpoint ea, eb;
  ea.peer = b - first_fd;
  eb.peer = a - first_fd;
  if (!two_way) {
    ea.can_write = false;  // fds[0] reads
    eb.can_read = false;   // fds[1] writes
  }
  endpoints_.push_back(std::move(ea));
  endpoints_.push_back(std::move(eb));
  fds[0] = a;
  fds[1] = b;
  return 0;
}

long SimPoller::read(int fd, void* buffer, std::size_t bytes, int& err) {
  Endpoint* e = find(fd);
  if (e == nullptr || !e->can_read) {
    err = EBADF;
    return -1;
  }
  if (e->pending_error != 0) {
    err = std::exchange(e->pending_error, 0);
    return -1;
  }
  if (e->buffer.empty()) {
    if (at_end(*e)) return 0;
    err = EAGAIN;
    return -1;
  }
  std::size_t n = std::min(bytes, e->buffer.size());
  std::memcpy(buffer, e->buffer.data(), n);
  e->buffer.erase(0, n);
  return static_cast<long>(n);
}

long SimPoller::write(int fd, const void* buffer, std::size_t bytes, int& err) {
  Endpoint* e = find(fd);
  if (e == nullptr || !e->can_write) {
    err = EBADF;
    return -1;
  }
  if (e->pending_error != 0) {
    err = std::exchange(e->pending_error, 0);
    return -1;
  }
  if (e->peer_closed || e->peer < 0) {
    err = EPIPE;
    return -1;
  }
  Endpoint& p = endpoints_[static_cast<std::size_t>(e->peer)];
  std::size_t used = p.buffer.size() + e->in_flight_bytes;
  if (used >= link_capacity_bytes) {
    err = EAGAIN;
    return -1;
  }
  std::size_t n = std::min(bytes, link_capacity_bytes - used);
  std::string data(static_cast<const char*>(buffer), n);
  std::int64_t delay_ms = e->outgoing.latency_ms;
  if (e->outgoing.jitter_ms > 0) {
    delay_ms += static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(e->outgoing.jitter_ms) + 1));
  }
  if (delay_ms == 0 && !e->outgoing.partitioned && e->in_flight.empty()) {
    p.buffer += data;
    return static_cast<long>(n);
  }
  std::int64_t at = e->outgoing.partitioned ? never_ns : sim_.clock.now_ns() + delay_ms * 1'000'000;
  // A stream keeps its order: nothing overtakes what was written before.
  if (!e->in_flight.empty()) at = std::max(at, e->in_flight.back().deliver_ns);
  e->in_flight.push_back({at, std::move(data)});
  e->in_flight_bytes += n;
  return static_cast<long>(n);
}

int SimPoller::close(int fd) {
  Endpoint* e = find(fd);
  if (e == nullptr) return EBADF;
  if (watched_.count({fd, 0}) != 0 || watched_.count({fd, 1}) != 0) return EBUSY;
  e->open = false;
  e->buffer.clear();
  if (e->peer >= 0) endpoints_[static_cast<std::size_t>(e->peer)].peer_closed = true;
  // Bytes already on their way still arrive; the peer reads them, then EOF.
  return 0;
}

int SimPoller::set_link(int fd, const link& how) {
  Endpoint* e = find(fd);
  if (e == nullptr) return EBADF;
  if (how.latency_ms < 0 || how.jitter_ms < 0) return EINVAL;
  bool healed = e->outgoing.partitioned && !how.partitioned;
  e->outgoing = how;
  if (healed) {
    // Held bytes leave now, in order, as if just written.
    std::int64_t at = sim_.clock.now_ns() + how.latency_ms * 1'000'000;
    for (Endpoint::Segment& s : e->in_flight) {
      if (s.deliver_ns == never_ns) s.deliver_ns = at;
    }
  }
  return 0;
}

int SimPoller::inject_error(int fd, int err) {
  Endpoint* e = find(fd);
  if (e == nullptr) return EBADF;
  if (err <= 0) return EINVAL;
  e->pending_error = err;
  return 0;
}

}  // namespace canopy::sim::detail
