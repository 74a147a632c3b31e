// Simulated descriptors and the poller that moves virtual time.
//
// wait() is the only place where virtual time passes. When something is
// ready it reports it without moving the clock; otherwise it jumps the clock
// to the earlier of the scheduler's next timer (the timeout) and the next
// in-flight delivery. With no timeout and nothing in flight, nothing can ever
// happen again: that is a deadlock, reported rather than waited out.
//
// Real descriptors are served too. In-process ones (real_fd.hpp) are polled
// without blocking whenever the scheduler polls, before virtual time moves,
// so a pipe between two coroutines behaves the same in every run of a seed;
// one that nothing can make ready any more is a deadlock like a simulated
// one. Outside ones are waited on for real when nothing else is ready, for
// at most the virtual time until the next timer (or for ever), and mark the
// run as not reproducible.
#include <poll.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>

#include "canopy/runtime/embedding.hpp"
#include "real_fd.hpp"
#include "simulation.hpp"

namespace canopy::sim::detail {

namespace {
constexpr std::int64_t never_ns = std::numeric_limits<std::int64_t>::max();
}

SimPoller::SimPoller(Simulation& sim)
    : sim_(sim) {}

Endpoint* SimPoller::find(int fd) {
  if (fd < first_fd) return nullptr;
  auto index = static_cast<std::size_t>(fd - first_fd);
  if (index >= endpoints_.size() || !endpoints_[index].open) return nullptr;
  Endpoint& slot = endpoints_[index];
  return slot.alias_of < 0 ? &slot : &endpoints_[static_cast<std::size_t>(slot.alias_of)];
}

int SimPoller::watch(int fd, runtime::Direction direction) {
  if (fd >= 0 && fd < first_fd) {
    RealFd real = classify_real_fd(fd);
    if (real.err != 0) return real.err;
    if (real.outside) sim_.note_outside(fd, real.what);
    if (watched_.count({fd, static_cast<int>(direction)}) != 0) return EBUSY;
    real_[fd] = real.outside;
    watched_.insert({fd, static_cast<int>(direction)});
    return 0;
  }
  if (find(fd) == nullptr) return EBADF;
  auto [it, inserted] = watched_.insert({fd, static_cast<int>(direction)});
  (void)it;
  return inserted ? 0 : EBUSY;
}

void SimPoller::unwatch(int fd, runtime::Direction direction) {
  watched_.erase({fd, static_cast<int>(direction)});
  if (fd < first_fd && watched_.count({fd, 0}) == 0 && watched_.count({fd, 1}) == 0) real_.erase(fd);
}

int SimPoller::clean(int fd) {
  if (watched_.count({fd, 0}) != 0 || watched_.count({fd, 1}) != 0) return EBUSY;
  return 0;
}

bool SimPoller::watching_outside() const {
  return std::any_of(real_.begin(), real_.end(), [](const auto& entry) { return entry.second; });
}

std::size_t SimPoller::report_real(runtime::ReadinessSink& sink, int timeout_ms) {
  if (real_.empty()) return 0;
  std::vector<pollfd> fds;
  std::vector<std::pair<int, int>> asked;
  for (const auto& [fd, direction] : watched_) {
    if (fd >= first_fd) break;  // the set is ordered: real ones come first
    fds.push_back({fd, static_cast<short>(direction == 0 ? POLLIN : POLLOUT), 0});
    asked.push_back({fd, direction});
  }
  // EINTR (a signal) counts as nothing ready: the scheduler polls again.
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return 0;
  std::vector<std::pair<int, int>> due;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents != 0) due.push_back(asked[i]);
  }
  // Several descriptors ready at once wake in the seed's order, as any
  // order is one a real kernel could report.
  for (std::size_t i = due.size(); i > 1; --i) {
    std::swap(due[i - 1], due[sim_.choices().below(stream::real_fds, i)]);
  }
  for (const auto& [fd, direction] : due) sink.fd_ready(fd, static_cast<runtime::Direction>(direction), 0);
  return due.size();
}

bool SimPoller::at_end(const Endpoint& e) const {
  // The writer closed and everything it wrote has arrived.
  return (e.peer_closed || e.peer_shut_write) &&
         (e.peer < 0 || endpoints_[static_cast<std::size_t>(e.peer)].in_flight.empty());
}

bool SimPoller::ready(const Endpoint& e, runtime::Direction d) const {
  if (e.pending_error != 0) return true;
  if (e.socket) return sim_.network.ready(index_of(e), d);
  return stream_ready(e, d);
}

bool SimPoller::stream_ready(const Endpoint& e, runtime::Direction d) const {
  if (d == runtime::Direction::in) return !e.can_read || !e.buffer.empty() || at_end(e);
  if (!e.can_write || e.peer_closed || e.shut_write || e.peer < 0) return true;
  const Endpoint& p = endpoints_[static_cast<std::size_t>(e.peer)];
  return p.buffer.size() + e.in_flight_bytes < e.capacity_bytes;
}

void SimPoller::deliver_due(std::int64_t now_ns) {
  sim_.network.deliver_due(now_ns);
  // Only endpoints with bytes in flight matter; there are few, and walking
  // them in descriptor order keeps delivery deterministic.
  for (Endpoint& e : endpoints_) {
    while (!e.in_flight.empty() && e.in_flight.front().deliver_ns <= now_ns) {
      Endpoint::Segment& s = e.in_flight.front();
      e.in_flight_bytes -= s.bytes.size();
      if (e.peer >= 0 && endpoints_[static_cast<std::size_t>(e.peer)].alive) {
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
  next = std::min(next, sim_.network.next_event_ns());
  return next == never_ns ? -1 : next;
}

std::size_t SimPoller::report_ready(runtime::ReadinessSink& sink) {
  // Copy first: waking a waiter unwatches it, which edits the set.
  std::vector<std::pair<int, int>> due;
  for (const auto& [fd, direction] : watched_) {
    if (fd < first_fd) continue;
    const Endpoint* e = find(fd);
    if (e != nullptr && ready(*e, static_cast<runtime::Direction>(direction))) due.push_back({fd, direction});
  }
  for (const auto& [fd, direction] : due) sink.fd_ready(fd, static_cast<runtime::Direction>(direction), 0);
  return due.size() + report_real(sink, 0);
}

void SimPoller::wait(std::int64_t timeout_ns, runtime::ReadinessSink& sink) {
  std::int64_t now = sim_.clock.now_ns();
  deliver_due(now);
  if (report_ready(sink) != 0 || timeout_ns == 0) return;
  std::int64_t next = next_delivery_ns();
  std::int64_t target;
  if (timeout_ns < 0) {
    if (next < 0) {
      // The outside may still write: wait for it, as the real runtime would.
      if (watching_outside()) {
        report_real(sink, -1);
        return;
      }
      sim_.failures.deadlock(runtime::describe_blocked() +
                             "\n  (the descriptors waited on are simulated or in-process, none is "
                             "ready, and no bytes are in flight to any of them)");
    }
    target = next;
  } else {
    target = now + timeout_ns;
    if (next >= 0 && next < target) target = next;
  }
  if (watching_outside()) {
    // Give the outside until the next virtual event, in real time; if it
    // answers, virtual time stays where it is.
    std::int64_t wait_ms = (target - now + 999'999) / 1'000'000;
    if (report_real(sink, static_cast<int>(std::min<std::int64_t>(wait_ms, 1 << 30))) != 0) return;
  }
  check_time_budget(target);
  sim_.clock.advance_to(target);
  sim_.stats.virtual_ms = sim_.clock.now_ns() / 1'000'000 - epoch_ms;
  deliver_due(target);
  report_ready(sink);
}

void SimPoller::check_time_budget(std::int64_t target_ns) {
  std::int64_t budget_ms = sim_.opts().max_virtual_ms;
  if (budget_ms > 0 && target_ns > (epoch_ms + budget_ms) * 1'000'000) {
    sim_.fail(failure_kind::time_budget,
              "virtual time budget exceeded: the run wanted to go past " +
                  std::to_string(budget_ms) +
                  " virtual ms without finishing (a livelock, or a program that sleeps forever "
                  "in a loop); raise options::max_virtual_ms / CANOPY_MAX_VIRTUAL_MS if that is "
                  "expected");
  }
}

// ---------------------------------------------------------------------------
// The descriptor API

int SimPoller::open_endpoint(bool socket) {
  if (endpoints_.size() + 1 > max_descriptors) return -1;
  Endpoint e;
  e.socket = socket;
  endpoints_.push_back(std::move(e));
  return fd_of(static_cast<int>(endpoints_.size() - 1));
}

int SimPoller::alias(int fd) {
  Endpoint* target = find(fd);
  if (target == nullptr || endpoints_.size() + 1 > max_descriptors) return -1;
  int index = index_of(*target);
  ++target->refs;
  Endpoint slot;
  slot.alias_of = index;
  slot.refs = 0;
  endpoints_.push_back(std::move(slot));  // may move `target`: not used after this
  return fd_of(static_cast<int>(endpoints_.size() - 1));
}

void SimPoller::join(int a, int b) {
  at(a).peer = b;
  at(b).peer = a;
}

int SimPoller::make_pair(int fds[2], bool two_way) {
  if (endpoints_.size() + 2 > max_descriptors) return EMFILE;
  int a = open_endpoint(false);
  int b = open_endpoint(false);
  join(a - first_fd, b - first_fd);
  if (!two_way) {
    at(a - first_fd).can_write = false;  // fds[0] reads
    at(b - first_fd).can_read = false;   // fds[1] writes
  }
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
  return read_end(*e, buffer, bytes, false, err);
}

long SimPoller::read_end(Endpoint& e, void* buffer, std::size_t bytes, bool peek, int& err) {
  if (e.pending_error != 0) {
    err = std::exchange(e.pending_error, 0);
    return -1;
  }
  if (e.buffer.empty()) {
    if (at_end(e) || !e.can_read) return 0;
    err = EAGAIN;
    return -1;
  }
  std::size_t n = std::min(bytes, e.buffer.size());
  std::memcpy(buffer, e.buffer.data(), n);
  if (!peek) {
    e.buffer.erase(0, n);
    e.received_bytes += n;
  }
  return static_cast<long>(n);
}

long SimPoller::write(int fd, const void* buffer, std::size_t bytes, int& err) {
  Endpoint* e = find(fd);
  if (e == nullptr || !e->can_write) {
    err = EBADF;
    return -1;
  }
  return write_end(*e, buffer, bytes, err);
}

long SimPoller::write_end(Endpoint& e, const void* buffer, std::size_t bytes, int& err) {
  if (e.pending_error != 0) {
    err = std::exchange(e.pending_error, 0);
    return -1;
  }
  if (e.peer_closed || e.shut_write || e.peer < 0) {
    err = EPIPE;
    return -1;
  }
  Endpoint& p = endpoints_[static_cast<std::size_t>(e.peer)];
  std::size_t used = p.buffer.size() + e.in_flight_bytes;
  if (used >= e.capacity_bytes) {
    err = EAGAIN;
    return -1;
  }
  std::size_t n = std::min(bytes, e.capacity_bytes - used);
  e.sent_bytes += n;
  std::int64_t now = sim_.clock.now_ns();
  bool held = e.outgoing.partitioned || e.partitioned_until_ns > now;
  // Seeded cuts: the peer may see this write arrive in up to max_pieces reads.
  std::size_t pieces = 1;
  if (e.max_pieces > 1 && n > 1) {
    pieces = 1 + static_cast<std::size_t>(sim_.choices().below(stream::network, std::min<std::uint64_t>(e.max_pieces, n)));
  }
  std::size_t offset = 0;
  for (std::size_t piece = 0; piece < pieces; ++piece) {
    std::size_t left = n - offset;
    std::size_t size = piece + 1 == pieces ? left
                                           : 1 + static_cast<std::size_t>(
                                                     sim_.choices().below(stream::network, left - (pieces - piece - 1)));
    std::int64_t delay_ms = e.outgoing.latency_ms;
    if (e.outgoing.jitter_ms > 0) {
      delay_ms += static_cast<std::int64_t>(
          sim_.choices().below(stream::network, static_cast<std::uint64_t>(e.outgoing.jitter_ms) + 1));
    }
    bool copies = e.copy_ns_per_write != 0 || e.copy_ns_per_kib != 0;
    if (pieces == 1 && delay_ms == 0 && !held && e.in_flight.empty() && !copies) {
      p.buffer.append(static_cast<const char*>(buffer), n);
      return static_cast<long>(n);
    }
    std::int64_t leaves = std::max(now, e.partitioned_until_ns);
    std::int64_t arrives = e.outgoing.partitioned ? never_ns : leaves + delay_ms * 1'000'000;
    // A stream keeps its order: nothing overtakes what was written before.
    if (!e.in_flight.empty()) arrives = std::max(arrives, e.in_flight.back().deliver_ns);
    // A copy starts once the one before it is done.
    if (copies && arrives != never_ns) {
      arrives += e.copy_ns_per_write + static_cast<std::int64_t>(size) * e.copy_ns_per_kib / 1024;
    }
    e.in_flight.push_back({arrives, std::string(static_cast<const char*>(buffer) + offset, size)});
    offset += size;
  }
  e.in_flight_bytes += n;
  return static_cast<long>(n);
}

void SimPoller::release(Endpoint& e) {
  e.alive = false;
  e.buffer.clear();
  if (e.peer >= 0) endpoints_[static_cast<std::size_t>(e.peer)].peer_closed = true;
  // Bytes already on their way still arrive; the peer reads them, then EOF.
}

void SimPoller::discard(int index) {
  Endpoint& e = at(index);
  e.open = false;
  e.refs = 0;
  release(e);
}

void SimPoller::break_connection(Endpoint& e, int err) {
  for (Endpoint* end : {&e, e.peer >= 0 ? &endpoints_[static_cast<std::size_t>(e.peer)] : nullptr}) {
    if (end == nullptr || !end->alive) continue;
    end->in_flight.clear();
    end->in_flight_bytes = 0;
    end->buffer.clear();
    end->pending_error = err;
    end->peer_closed = true;
  }
}

int SimPoller::close(int fd) {
  Endpoint* e = find(fd);
  if (e == nullptr) return EBADF;
  if (watched_.count({fd, 0}) != 0 || watched_.count({fd, 1}) != 0) return EBUSY;
  Endpoint& slot = endpoints_[static_cast<std::size_t>(fd - first_fd)];
  slot.open = false;
  if (--e->refs > 0) return 0;
  if (e->socket) sim_.network.closing(index_of(*e));
  release(*e);
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
