// Sound exploration, measured on a corpus (support/corpus.c): no realizable
// mode flags a correct program; every latent bug is found within 300 seeds
// by a realizable mode, with a report naming its cause and a shrunk replay
// line; a bug only a what-if reaches is found by the what-if and labelled.
#include <catch2/catch.hpp>

#include <canopy/canopy.hpp>
#include <canopy/sim/check.hpp>
#include <canopy/sim/coverage.hpp>
#include <canopy/sim/run.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/corpus.h"
#include "support/modes.hpp"

namespace sim = canopy::sim;
using Catch::Contains;
using Catch::StartsWith;

extern "C" void corpus_fail(const char* why) { sim::fail(why); }

namespace {

sim::outcome run_program(const corpus_program& p, sim::options o) {
  return sim::run(o, [&] { p.body(); });
}

/// The first seed in 1..limit at which `p` fails under `o`, or 0.
std::uint64_t first_failing_seed(const corpus_program& p, sim::options o, std::uint64_t limit, sim::outcome& failed) {
  for (o.seed = 1; o.seed <= limit; ++o.seed) {
    failed = run_program(p, o);
    if (!failed.passed) return o.seed;
  }
  return 0;
}

}  // namespace

TEST_CASE("no realizable mode flags a correct program of the corpus over 60 seeds each") {
  std::uint64_t runs = 0;
  for (const corpus_program* p = corpus_correct; p->name != nullptr; ++p) {
    for (const sim_modes::mode& m : sim_modes::realizable()) {
      std::uint64_t seeds = m.options.strategy == sim::strategy::fifo ? 1 : 60;
      sim::options o = m.options;
      for (o.seed = 1; o.seed <= seeds; ++o.seed) {
        sim::outcome r = run_program(*p, o);
        ++runs;
        if (!r.passed) FAIL(p->name << " flagged under " << m.name << ":\n" << r.describe());
      }
    }
  }
  CHECK(runs == 10 * (1 + 8 * 60));
}

TEST_CASE("every latent bug of the corpus passes under fifo and is found within 300 seeds, named and shrunk") {
  for (const corpus_program* p = corpus_bugs; p->name != nullptr; ++p) {
    INFO(p->name);
    sim::options fifo;
    fifo.strategy = sim::strategy::fifo;
    CHECK(run_program(*p, fifo).passed);  // latent: the real runtime's own order does not show it
    bool found = false;
    for (const sim_modes::mode& m : sim_modes::realizable()) {
      if (m.options.strategy == sim::strategy::fifo) continue;
      sim::outcome failed;
      std::uint64_t seed = first_failing_seed(*p, m.options, 300, failed);
      if (seed == 0) continue;
      found = true;
      INFO(m.name << " seed " << seed << ": " << failed.describe());
      CHECK(failed.whatif.empty());
      CHECK_THAT(failed.report, Contains(p->cause));
      sim::options at = m.options;
      at.seed = seed;
      sim::outcome small = sim::shrink(at, failed, [&] { p->body(); });
      CHECK(small.kind == failed.kind);
      CHECK_THAT(small.report, Contains(p->cause));
      // The shrunk line replays the same failure.
      std::string error;
      auto line = sim::options::from_replay(small.replay, error);
      REQUIRE(line);
      sim::outcome again = run_program(*p, *line);
      CHECK(again.kind == failed.kind);
      CHECK(again.trace_hash == small.trace_hash);
      break;
    }
    CHECK(found);
  }
}

TEST_CASE("a bug only a what-if reaches passes every realizable mode and is found by the what-if, labelled") {
  for (const sim_modes::mode& m : sim_modes::realizable()) {
    sim::outcome failed;
    CHECK(first_failing_seed(corpus_whatif_only, m.options, 100, failed) == 0);
  }
  sim::options o;
  o.whatif_cancel = true;
  o.whatif_per_mille = 1000;
  sim::outcome r = run_program(corpus_whatif_only, o);
  REQUIRE_FALSE(r.passed);
  CHECK_THAT(r.whatif, StartsWith("ECANCELED injected into coroutine 1 at blocking call 0, ") &&
                           Contains("though nobody closed it") && Contains("may be a consequence"));
  CHECK_THAT(r.describe(), StartsWith("what-if: ECANCELED injected"));
  CHECK_THAT(r.replay, Contains("whatif=cancel;whatif_per_mille=1000"));
}

TEST_CASE("sweep and check count what-if failures apart from real ones") {
  sim::options o;
  o.whatif_cancel = true;
  o.whatif_per_mille = 500;
  sim::outcome r = sim::sweep(o, 1, 40, [] { corpus_whatif_only.body(); });
  REQUIRE_FALSE(r.passed);
  CHECK_FALSE(r.whatif.empty());
  CHECK(r.whatif_failures > 5);
  CHECK(r.whatif_failures < 40);

  // A real failure wins over what-if ones, and the count still comes along.
  const corpus_program* order = &corpus_bugs[0];
  sim::outcome real = sim::sweep(o, 1, 300, [&] {
    corpus_whatif_only.body();
    order->body();
  });
  REQUIRE_FALSE(real.passed);
  CHECK(real.whatif.empty());
  CHECK_THAT(real.report, Contains("wrong order assumption"));
}

TEST_CASE("directed cancellation steers a real close into the retry loop that slow or late timing reaches") {
  const corpus_program& retried = corpus_bugs[3];
  REQUIRE(std::string(retried.name) == "ecanceled-retried");
  sim::options o;
  o.directed_cancel = true;
  sim::outcome failed;
  std::uint64_t seed = first_failing_seed(retried, o, 300, failed);
  REQUIRE(seed != 0);
  CHECK_THAT(failed.report, Contains("ECANCELED retried forever"));
  CHECK(failed.injections.empty());  // nothing injected: a real close landed there
  CHECK_THAT(failed.replay, Contains("inject=cancel"));
  // Without steering, random scheduling alone never moves the close.
  sim::options plain;
  CHECK(first_failing_seed(retried, plain, 300, failed) == 0);
}

TEST_CASE("coverage counts where real closes landed, over runs, and names the call sites none reached") {
  sim::cancellation_coverage table;
  sim::options o;
  o.directed_cancel = true;
  o.coverage = &table;
  for (o.seed = 1; o.seed <= 50; ++o.seed) REQUIRE(run_program(corpus_correct[1], o).passed);
  CHECK(table.runs() == 50);
  std::uint64_t closes = 0, reached = 0;
  for (const auto& [site, t] : table.sites()) {
    closes += t.closes;
    reached += t.runs_closed != 0;
    CHECK(t.runs_closed <= t.runs_reached);
    CHECK(t.whatif == 0);
  }
  CHECK(closes == 50);  // one close per run, each landing somewhere
  CHECK(reached >= 2);  // the sleep and the yield of the worker, over seeds
  CHECK(table.unreached() >= 1);  // main's sleep: nobody closes main

  std::string error;
  auto back = sim::cancellation_coverage::from_json(table.json(), error);
  REQUIRE(back);
  CHECK(*back == table);
  CHECK_THAT(table.text(), StartsWith("cancellation coverage: 50 runs, ") && Contains("<- no close reached this call"));
  CHECK_FALSE(sim::cancellation_coverage::from_json("{\"format\":\"other\"}", error));
  CHECK_THAT(error, Contains("not a canopy-cancellation-coverage file"));
}

TEST_CASE("slow steps move virtual time, repeat from their line, and shrink away when they do not matter") {
  sim::options o;
  o.slow_ms = 20;
  o.seed = 4;
  sim::outcome r = run_program(corpus_correct[0], o);
  REQUIRE(r.passed);
  REQUIRE_FALSE(r.slow_steps.empty());
  CHECK(r.stats.virtual_ms > 0);  // ping-pong never sleeps: all of it is slow steps
  CHECK_THAT(r.replay, Contains("slow_ms=20"));

  sim::options planned = o;
  planned.slow_steps = r.slow_steps;
  sim::outcome same = run_program(corpus_correct[0], planned);
  CHECK(same.trace_hash == r.trace_hash);
  CHECK(same.slow_steps == r.slow_steps);

  // A failure that does not need them loses its slow steps when shrunk.
  const corpus_program& lost = corpus_bugs[2];
  sim::options slow;
  slow.slow_ms = 5;
  sim::outcome failed;
  std::uint64_t seed = first_failing_seed(lost, slow, 300, failed);
  REQUIRE(seed != 0);
  slow.seed = seed;
  sim::outcome small = sim::shrink(slow, failed, [&] { lost.body(); });
  CHECK(small.kind == failed.kind);
  CHECK(small.slow_steps.empty());
  CHECK_THAT(small.replay, Contains("slow_steps=;") || Contains("slow_steps="));
}

TEST_CASE("coroutines that stay ready while waiting for time to pass do not stop virtual time") {
  sim::options o;
  o.strategy = sim::strategy::fifo;
  sim::outcome r = run_program(corpus_correct[5], o);
  REQUIRE(r.passed);
  CHECK(r.stats.virtual_ms == 2);  // the spinners' deadline, reached by the tick rule alone
  CHECK(r.stats.steps > 4096 * 2);
  CHECK(r.stats.steps < 4096 * 3);
}

TEST_CASE("fifo and random and pct all move time one ms after 4096 steps at one instant") {
  // Two coroutines yield until virtual time moves, which only the tick rule
  // can do here; every strategy counts the same steps to it, whichever
  // coroutine each step runs (random and pct take their picks' short paths).
  for (sim::strategy strategy : {sim::strategy::fifo, sim::strategy::random, sim::strategy::pct}) {
    for (std::uint64_t seed : {1, 2, 3}) {
      sim::options o;
      o.strategy = strategy;
      o.seed = seed;
      using ms = std::chrono::milliseconds;
      canopy::clock::time_point start;
      canopy::clock::time_point end;
      int yields = 0;
      sim::outcome r = sim::run(o, [&] {
        start = canopy::clock::now();
        canopy::child other = canopy::go([&] {
          while (canopy::clock::now() == start) {
            ++yields;
            (void)canopy::yield();
          }
        });
        while (canopy::clock::now() == start) {
          ++yields;
          (void)canopy::yield();
        }
        end = canopy::clock::now();
      });
      INFO("strategy " << static_cast<int>(strategy) << ", seed " << seed << ": " << r.describe());
      REQUIRE(r.passed);
      CHECK(end - start == ms(1));
      // Each yield is a step; the first at an instant starts the count and
      // the 4096th after it moves time.
      CHECK(yields == 4097);
    }
  }
}

TEST_CASE("strategy auto picks per seed, and its replay lines name what it picked") {
  sim::options o;
  o.strategy = sim::strategy::automatic;
  int pct = 0, random = 0, jitter = 0, slow = 0, directed = 0;
  for (o.seed = 1; o.seed <= 40; ++o.seed) {
    sim::options picked = o.resolved();
    CHECK(picked.strategy != sim::strategy::automatic);
    pct += picked.strategy == sim::strategy::pct;
    random += picked.strategy == sim::strategy::random;
    jitter += picked.jitter_ms != 0;
    slow += picked.slow_ms != 0;
    directed += picked.directed_cancel;
    sim::outcome r = run_program(corpus_correct[0], o);
    CHECK(r.replay == picked.replay_line());
    CHECK_THAT(r.replay, !Contains("strategy=auto"));
  }
  CHECK(pct > 10);
  CHECK(random > 3);
  CHECK(jitter > 5);
  CHECK(slow > 5);
  CHECK(directed > 3);
  std::string error;
  auto parsed = sim::options::from_replay("v1:seed=3;strategy=auto", error);
  REQUIRE(parsed);
  CHECK(parsed->strategy == sim::strategy::automatic);
}

TEST_CASE("check() adds the cancellation coverage of its runs to the file CANOPY_COVERAGE names") {
  std::string path = "check-coverage-" + std::to_string(::getpid()) + ".json";
  std::remove(path.c_str());
  ::setenv("CANOPY_COVERAGE", path.c_str(), 1);
  sim::check_settings settings;
  settings.seeds = 5;
  settings.strategies = {sim::strategy::fifo, sim::strategy::random};
  settings.base.directed_cancel = true;
  sim::outcome r = sim::check(settings, [] { corpus_correct[1].body(); });
  ::unsetenv("CANOPY_COVERAGE");
  REQUIRE(r.passed);
  std::FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f != nullptr);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  std::remove(path.c_str());
  std::string error;
  auto table = sim::cancellation_coverage::from_json(text, error);
  REQUIRE(table);
  CHECK(table->runs() == 6);  // fifo once, five seeds of random
  std::uint64_t closes = 0;
  for (const auto& [site, t] : table->sites()) closes += t.closes;
  CHECK(closes == 6);
}
