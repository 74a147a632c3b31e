// RapidCheck generates a workload and a schedule together; a failing
// property shrinks both.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "canopy/sim/rapidcheck.hpp"
#include "support.hpp"

namespace sim = canopy::sim;

namespace {

// Workers sleep their delay, then send their index; the collector must get
// every index exactly once.
sim::outcome collect(const std::vector<int>& delays_ms, const std::vector<int>& schedule, std::vector<int>& got) {
  return sim::run_schedule(schedule, [&] {
    canopy::channel<int> results;
    canopy::bundle workers;
    for (int i = 0; i < static_cast<int>(delays_ms.size()); ++i) {
      workers.go([&, i] {
        (void)canopy::sleep_for(std::chrono::milliseconds(delays_ms[static_cast<std::size_t>(i)]));
        (void)results.send(i);
      });
    }
    for (std::size_t i = 0; i < delays_ms.size(); ++i) {
      auto v = results.recv();
      if (!v) sim::fail("recv failed");
      got.push_back(*v);
    }
  });
}

}  // namespace

TEST_CASE("every message arrives exactly once for any workload and any schedule") {
  bool ok = rc::check("every message arrives once", [] {
    auto delays = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 20));
    auto schedule = *sim::gen::schedule();
    std::vector<int> got;
    sim::outcome r = collect(delays, schedule, got);
    RC_ASSERT(r.passed);
    std::sort(got.begin(), got.end());
    std::vector<int> want(delays.size());
    for (std::size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int>(i);
    RC_ASSERT(got == want);
  });
  CHECK(ok);
}

TEST_CASE("a property that depends on arrival order fails and shrinks workload and schedule together") {
  // Claim (false): messages arrive in index order. Equal delays (timers fire
  // in a seeded order), a non-fifo pick, or a later worker with a shorter
  // delay break it.
  std::size_t smallest_workload = 1000, smallest_preemptions = 1000;
  bool ok = rc::check("messages arrive in index order", [&] {
    auto delays = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 5));
    auto schedule = *sim::gen::schedule();
    std::vector<int> got;
    sim::outcome r = collect(delays, schedule, got);
    RC_ASSERT(r.passed);
    bool in_order = std::is_sorted(got.begin(), got.end());
    if (!in_order) {
      std::size_t preemptions = static_cast<std::size_t>(std::count_if(schedule.begin(), schedule.end(), [](int d) { return d != 0; }));
      if (delays.size() < smallest_workload ||
          (delays.size() == smallest_workload && preemptions < smallest_preemptions)) {
        smallest_workload = delays.size();
        smallest_preemptions = preemptions;
      }
    }
    RC_ASSERT(in_order);
  });
  CHECK_FALSE(ok);
  // With RapidCheck's seed fixed (main.cpp) the counterexample shrinks to
  // three zero-delay workers and an empty schedule (fifo): equal deadlines
  // fire in a seeded order, which already reorders the messages. Two
  // workers happen to fire in index order under that seed.
  CHECK(smallest_workload <= 3);
  CHECK(smallest_preemptions == 0);
}
