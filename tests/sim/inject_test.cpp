// What-if injection (CANOPY_WHATIF) and call-site coverage.
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>

#include "support.hpp"

namespace sim = canopy::sim;
using Catch::Contains;

extern "C" int run_cleanup_worker(int* cleaned, int grace_ms);
extern "C" int wait_with_deadline(int ms);

namespace {
const sim::call_site_coverage* site_in(const sim::outcome& r, const char* function) {
  for (const auto& c : r.coverage)
    if (c.site.find(function) != std::string::npos) return &c;
  return nullptr;
}
}  // namespace

TEST_CASE("without injection a worker closed early sees ECANCELED at its sleep and coverage says so") {
  int cleaned = 0;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] { REQUIRE(run_cleanup_worker(&cleaned, 10) == 0); });
  REQUIRE(r.passed);
  CHECK(cleaned == 1);
  const sim::call_site_coverage* c = site_in(r, "cleanup_worker");
  REQUIRE(c != nullptr);
  CHECK(c->calls == 1);
  CHECK(c->ecanceled == 1);
  CHECK_THAT(c->site, Catch::StartsWith("canopy_sim_tests+0x") && Contains("(cleanup_worker+0x"));
}

TEST_CASE("injection drives ECANCELED into a worker's sleep even when nobody closes it early") {
  sim::options o = sim_test::with(sim::strategy::fifo, 5);
  o.whatif_cancel = true;
  o.whatif_per_mille = 1000;
  int cleaned = 0;
  sim::outcome r = sim::run(o, [&] { REQUIRE(run_cleanup_worker(&cleaned, 5000) == 0); });
  REQUIRE(r.passed);
  CHECK(cleaned == 1);
  CHECK(r.stats.virtual_ms == 5000);
  // The main coroutine's sleep is never cancelled: main has no handle.
  REQUIRE(r.injections.size() == 1);
  CHECK(r.injections[0].call_index == 0);
  CHECK(r.injections[0].err == ECANCELED);
  CHECK_THAT(r.replay, Contains("whatif=cancel;whatif_per_mille=1000"));
  const sim::call_site_coverage* c = site_in(r, "cleanup_worker");
  REQUIRE(c != nullptr);
  CHECK(c->ecanceled == 1);
  const sim::call_site_coverage* m = site_in(r, "run_cleanup_worker");
  REQUIRE(m != nullptr);
  CHECK(m->ecanceled == 0);
}

TEST_CASE("injection delivers ETIMEDOUT early to a call with a deadline, and a planned list repeats it") {
  sim::options o = sim_test::with(sim::strategy::fifo);
  o.whatif_timeout = true;
  o.whatif_per_mille = 1000;
  int err = -1;
  sim::outcome r = sim::run(o, [&] { err = wait_with_deadline(100); });
  REQUIRE(r.passed);
  CHECK(err == ETIMEDOUT);
  CHECK(r.stats.virtual_ms == 0);  // early: no virtual time passed
  const sim::call_site_coverage* c = site_in(r, "wait_with_deadline");
  REQUIRE(c != nullptr);
  CHECK(c->etimedout == 1);
  CHECK_THAT(r.replay, Contains("whatif=timeout"));

  sim::options planned = sim_test::with(sim::strategy::fifo);
  planned.injections = std::vector<sim::injection>{};
  sim::outcome none = sim::run(planned, [&] { err = wait_with_deadline(100); });
  CHECK(err == ETIMEDOUT);
  CHECK(none.stats.virtual_ms == 100);  // on time: nothing injected
  planned.injections = r.injections;
  sim::outcome same = sim::run(planned, [&] { err = wait_with_deadline(100); });
  CHECK(same.stats.virtual_ms == 0);
  CHECK(same.replay == "v1:seed=1;strategy=fifo;injections=0t");
}

TEST_CASE("coverage output is sorted and free of raw addresses so runs can be compared") {
  int cleaned = 0;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] { REQUIRE(run_cleanup_worker(&cleaned, 10) == 0); });
  REQUIRE(r.coverage.size() >= 2);
  for (std::size_t i = 1; i < r.coverage.size(); ++i) CHECK(r.coverage[i - 1].site < r.coverage[i].site);
  for (const auto& c : r.coverage) {
    // "module+0xOFFSET": an offset inside the module, not a run-time address.
    std::size_t plus = c.site.find("+0x");
    REQUIRE(plus != std::string::npos);
    CHECK(std::stoull(c.site.substr(plus + 3), nullptr, 16) < 0x10000000ull);
  }
}

TEST_CASE("call sites of the C++ API are covered too, each blocking call at its own site") {
  sim::options o = sim_test::with(sim::strategy::fifo);
  o.whatif_cancel = true;
  o.whatif_per_mille = 1000;
  bool cancelled = false;
  sim::outcome r = sim::run(o, [&] {
    canopy::child c = canopy::go([&] { cancelled = canopy::sleep_for(std::chrono::seconds(1)).cancelled(); });
    (void)canopy::sleep_for(std::chrono::seconds(2));
  });
  REQUIRE(r.passed);
  CHECK(cancelled);
  // Two sleeps, two sites; the child's was driven to ECANCELED, main's never.
  REQUIRE(r.coverage.size() == 2);
  std::uint64_t ecanceled = 0;
  for (const auto& c : r.coverage) {
    CHECK(c.calls == 1);
    CHECK_THAT(c.site, Catch::StartsWith("canopy_sim_tests+0x"));
    ecanceled += c.ecanceled;
  }
  CHECK(ecanceled == 1);
}

extern "C" int run_stubborn_worker(int closes_after_ms);

TEST_CASE("calls refused because the caller is already cancelled count as ECANCELED at their own site") {
  sim::options o = sim_test::with(sim::strategy::fifo);
  o.cancelled_call_budget = 5;
  sim::outcome r = sim::run(o, [&] { (void)run_stubborn_worker(15); });
  REQUIRE(r.kind == sim::failure_kind::cancelled_still_running);
  const sim::call_site_coverage* c = site_in(r, "stubborn_worker");
  REQUIRE(c != nullptr);
  // One sleep woken by the close, then five refused before the budget ran out.
  CHECK(c->ecanceled == 6);
}
