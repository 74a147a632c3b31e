// The simulated poller and the descriptors it serves (see canopy/sim/fd.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "canopy/sim/fd.hpp"
#include "rng.hpp"
#include "canopy/runtime/platform.hpp"

namespace canopy::sim::detail {

class Simulation;

/// One end of a simulated pipe, socket pair or connection. Its descriptor
/// number is first_fd + its index; a descriptor passed over a simulated
/// UNIX socket gets a slot of its own that refers to the same end.
struct Endpoint {
  bool open = true;           ///< the descriptor number is in use
  int alias_of = -1;          ///< index of the end this descriptor refers to, -1: itself
  int refs = 1;               ///< descriptors referring to this end; at 0 it is closed
  bool alive = true;          ///< refs > 0: the end exists (closing the last one clears it)
  bool socket = false;        ///< made by the simulated network: it decides readiness
  bool can_read = true;
  bool can_write = true;
  int peer = -1;              ///< index of the other end, -1: none
  bool peer_closed = false;   ///< the other end is gone: EOF / EPIPE
  bool shut_write = false;    ///< this end shut down writing (half-close): EPIPE here
  bool peer_shut_write = false;  ///< the other end shut down writing: EOF once arrived
  int pending_error = 0;      ///< injected; the next read or write fails with it
  link outgoing{};            ///< how bytes written here travel
  /// Bytes the direction out of here holds (buffered at the peer plus in
  /// flight) before write says EAGAIN: the bounded send buffer.
  std::size_t capacity_bytes = link_capacity_bytes;
  /// A write is cut into up to this many pieces, each arriving on its own
  /// (seeded cuts and delays, order kept): partial reads at the peer.
  int max_pieces = 1;
  /// A partition (fault) holds everything written here until this time.
  std::int64_t partitioned_until_ns = 0;
  /// The copy a local (UNIX) socket makes: a write arrives this long after
  /// the previous one has (ns per write, and per KiB), so that two
  /// coroutines that keep each other busy through it still see time pass.
  std::int64_t copy_ns_per_write = 0;
  std::int64_t copy_ns_per_kib = 0;
  std::uint64_t sent_bytes = 0;      ///< written here in all (trace summary, fd passing)
  std::uint64_t received_bytes = 0;  ///< read here in all
  std::string buffer;         ///< bytes arrived here, not read yet
  struct Segment {
    std::int64_t deliver_ns;  ///< when it arrives at the peer
    std::string bytes;
  };
  std::deque<Segment> in_flight;  ///< written here, not arrived at the peer yet
  std::size_t in_flight_bytes = 0;
};

class SimPoller final : public runtime::Poller {
 public:
  /// The most descriptors one run may create.
  static constexpr std::size_t max_descriptors = 65536;

  explicit SimPoller(Simulation& sim);
  int watch(int fd, runtime::Direction direction) override;
  void unwatch(int fd, runtime::Direction direction) override;
  int clean(int fd) override;
  void wait(std::int64_t timeout_ns, runtime::ReadinessSink& sink) override;
  /// Ends the run with a time-budget failure when virtual time moving to
  /// `target_ns` would pass options::max_virtual_ms.
  void check_time_budget(std::int64_t target_ns);
  std::size_t watch_count() const override { return watched_.size(); }

  // canopy/sim/fd.hpp, with errors as errno values.
  int make_pair(int fds[2], bool two_way);
  long read(int fd, void* buffer, std::size_t bytes, int& err);
  long write(int fd, const void* buffer, std::size_t bytes, int& err);
  int close(int fd);
  int set_link(int fd, const link& how);
  int inject_error(int fd, int err);

  // For the simulated network (network.cpp).
  /// A new end with no peer; its descriptor, or -1 (EMFILE).
  int open_endpoint(bool socket);
  /// A new descriptor referring to the end of `fd` (fd passing), or -1.
  int alias(int fd);
  /// The end `fd` refers to, or null when `fd` is not an open simulated descriptor.
  Endpoint* find(int fd);
  /// The descriptor of the end at `index` (the one it was made with).
  static int fd_of(int index) { return first_fd + index; }
  int index_of(const Endpoint& e) const { return static_cast<int>(&e - endpoints_.data()); }
  Endpoint& at(int index) { return endpoints_[static_cast<std::size_t>(index)]; }
  /// Connects two ends so each reads what the other writes.
  void join(int a, int b);
  /// Data semantics shared by pipes and stream sockets: read `bytes` at most
  /// (peek: leave them), write what the bounded buffer takes.
  long read_end(Endpoint& e, void* buffer, std::size_t bytes, bool peek, int& err);
  long write_end(Endpoint& e, const void* buffer, std::size_t bytes, int& err);
  bool at_end(const Endpoint& e) const;
  /// Readiness of a pipe end or connected stream socket (no pending error).
  bool stream_ready(const Endpoint& e, runtime::Direction d) const;
  /// Closes an end no descriptor refers to any more (a connection that was
  /// never accepted).
  void discard(int index);
  /// Drops both directions' bytes and makes the next call on both ends fail
  /// with `err` (a reset).
  void break_connection(Endpoint& e, int err);

 private:
  bool ready(const Endpoint& e, runtime::Direction d) const;
  /// The end is gone for good: its peer sees EOF, its bytes still arrive.
  void release(Endpoint& e);
  void deliver_due(std::int64_t now_ns);
  /// The earliest time an in-flight segment arrives, or -1.
  std::int64_t next_delivery_ns() const;
  std::size_t report_ready(runtime::ReadinessSink& sink);
  /// Polls the watched real descriptors (timeout_ms as poll(2): 0 just
  /// looks, -1 waits for ever) and reports the ready ones in a seeded order.
  std::size_t report_real(runtime::ReadinessSink& sink, int timeout_ms);
  bool watching_outside() const;

  Simulation& sim_;
  std::vector<Endpoint> endpoints_;  ///< index = fd - first_fd; numbers never reused in a run
  /// (fd, direction) pairs waited on; ordered, so reports come out in fd order.
  std::set<std::pair<int, int>> watched_;
  /// Real descriptor -> whether it is connected to the outside (real_fd.hpp),
  /// for those with a waiter; ordered so polling is in fd order.
  std::map<int, bool> real_;
};

}  // namespace canopy::sim::detail
