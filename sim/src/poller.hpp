// The simulated poller and the descriptors it serves (see canopy/sim/fd.hpp).
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "canopy/sim/fd.hpp"
#include "rng.hpp"
#include "canopy/runtime/platform.hpp"

namespace canopy::sim::detail {

class Simulation;

/// One end of a simulated pipe or socket pair.
struct Endpoint {
  bool open = true;
  bool can_read = true;
  bool can_write = true;
  int peer = -1;              ///< index of the other end, -1: none
  bool peer_closed = false;   ///< the other end is gone: EOF / EPIPE
  int pending_error = 0;      ///< injected; the next read or write fails with it
  link outgoing{};            ///< how bytes written here travel
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
  std::size_t watch_count() const override { return watched_.size(); }

  // canopy/sim/fd.hpp, with errors as errno values.
  int make_pair(int fds[2], bool two_way);
  long read(int fd, void* buffer, std::size_t bytes, int& err);
  long write(int fd, const void* buffer, std::size_t bytes, int& err);
  int close(int fd);
  int set_link(int fd, const link& how);
  int inject_error(int fd, int err);

 private:
  Endpoint* find(int fd);
  bool ready(const Endpoint& e, runtime::Direction d) const;
  bool at_end(const Endpoint& e) const;
  void deliver_due(std::int64_t now_ns);
  /// The earliest time an in-flight segment arrives, or -1.
  std::int64_t next_delivery_ns() const;
  std::size_t report_ready(runtime::ReadinessSink& sink);

  Simulation& sim_;
  Rng rng_;
  std::vector<Endpoint> endpoints_;  ///< index = fd - first_fd; numbers never reused in a run
  /// (fd, direction) pairs waited on; ordered, so reports come out in fd order.
  std::set<std::pair<int, int>> watched_;
};

}  // namespace canopy::sim::detail
