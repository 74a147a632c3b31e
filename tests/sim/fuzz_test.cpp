// Fuzz inputs as the source of a run's choices (canopy/sim/fuzz.hpp): the
// input's run converts to an ordinary replay line that repeats it event for
// event, and shrinks like any other.
#include <catch2/catch.hpp>

#include <canopy/sim/check.hpp>
#include <canopy/sim/fuzz.hpp>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "fuzz/latent_order.hpp"
#include "support.hpp"

namespace sim = canopy::sim;
using Catch::Contains;

namespace {

// Three coroutines that sleep, yield and talk over a channel: decisions,
// timers with equal deadlines and blocking calls to inject at.
void busy_body() {
  canopy::channel<int> ch;
  canopy::bundle b;
  for (int i = 0; i < 3; ++i) {
    b.go([&ch, i] {
      (void)canopy::sleep_for(std::chrono::milliseconds(10));
      (void)canopy::yield();
      (void)ch.send(i);
    });
  }
  for (int i = 0; i < 3; ++i) (void)ch.recv();
}

sim::options recording() {
  sim::options o;
  o.record_events = true;
  return o;
}

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

sim::outcome replay_of(const sim::outcome& r, bool record = true) {
  std::string error;
  auto o = sim::options::from_replay(r.replay, error);
  REQUIRE(o);
  o->record_events = record;
  return sim::run(*o, busy_body);
}

}  // namespace

TEST_CASE("a fuzz input's first eight bytes are the seed, little-endian, and the rest its choices") {
  sim::options o = sim::input_options({}, bytes({0x2a, 1, 0, 0, 0, 0, 0, 0, 7, 9}));
  CHECK(o.seed == 0x12a);
  CHECK(o.strategy == sim::strategy::replay);
  REQUIRE(o.fuzz_choices);
  CHECK(*o.fuzz_choices == bytes({7, 9}));
  // Short inputs: the seed is padded with zeros, and there are no choices.
  sim::options short_one = sim::input_options({}, bytes({5}));
  CHECK(short_one.seed == 5);
  CHECK(short_one.fuzz_choices->empty());
}

TEST_CASE("a fuzz input's run converts to a replay line that repeats it event for event") {
  for (const auto& input : {bytes({}), bytes({3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 1, 0, 2, 1, 1, 255, 17}),
                            bytes({9, 9, 9, 9, 9, 9, 9, 9, 200, 13, 77, 5, 6, 1, 1, 1, 1, 2})}) {
    sim::outcome r = sim::run_input(recording(), input, busy_body);
    REQUIRE(r.passed);
    CHECK_THAT(r.replay, Contains(";strategy=replay"));
    CHECK(r.replay.find("fuzz") == std::string::npos);
    sim::outcome again = replay_of(r);
    CHECK(again.passed);
    CHECK(again.trace_hash == r.trace_hash);
    CHECK(again.events == r.events);
    CHECK(again.decisions == r.decisions);
  }
}

TEST_CASE("the choice bytes decide the schedule: the same input runs the same, another input another way") {
  auto input = bytes({1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 0, 1, 2, 2, 1});
  sim::outcome a = sim::run_input(recording(), input, busy_body);
  sim::outcome b = sim::run_input(recording(), input, busy_body);
  CHECK(a.events == b.events);
  auto other = input;
  other[8] = 1;
  sim::outcome c = sim::run_input(recording(), other, busy_body);
  CHECK(c.decisions != a.decisions);
  // A byte is taken modulo the number ready: 2 and 5 of 3 choose alike.
  CHECK(a.decisions[0] == 2);
  auto same = input;
  same[8] = 5;
  CHECK(sim::run_input(recording(), same, busy_body).events == a.events);
}

TEST_CASE("with more than 256 coroutines ready, a decision reads two bytes, little-endian") {
  // 300 sleepers wake together: the first decision has 300 ready (main waits).
  auto many = [] {
    canopy::bundle b;
    for (int i = 0; i < 300; ++i) b.go([] { (void)canopy::sleep_for(std::chrono::milliseconds(10)); });
    (void)b.wait(canopy::deadline::forever());
  };
  std::vector<std::uint8_t> input(8, 0);
  input.push_back(0x05);
  input.push_back(0x01);  // 0x0105 = 261, below 300: taken as it is
  input.push_back(0x02);  // the second decision, 299 ready: two bytes again,
  input.push_back(0x00);  // 2
  sim::outcome r = sim::run_input({}, input, many);
  REQUIRE(r.passed);
  REQUIRE(r.decisions.size() >= 2);
  CHECK(r.decisions[0] == 261);
  CHECK(r.decisions[1] == 2);
  CHECK(r.replay == "v1:seed=0;strategy=replay;decisions=261,2");
}

TEST_CASE("past the end of its bytes a fuzz input's run is fifo, as a replay past the end of its list") {
  sim::outcome r = sim::run_input(recording(), bytes({4}), busy_body);
  REQUIRE(r.stats.decisions > 0);
  for (std::uint32_t d : r.decisions) CHECK(d == 0);
  CHECK(r.replay == "v1:seed=4;strategy=replay");
}

TEST_CASE("with what-if injection on, a fuzz input chooses the injections and the line lists them") {
  sim::options base = recording();
  base.whatif_cancel = true;
  base.whatif_timeout = true;
  base.whatif_per_mille = 1000;
  // Every blocking call reads a byte; 1000 per mille injects at each, the
  // low bit choosing ETIMEDOUT (1) or ECANCELED (0) where both may happen.
  std::vector<std::uint8_t> input(8, 0);
  for (int i = 0; i < 40; ++i) input.push_back(static_cast<std::uint8_t>(i));
  sim::outcome r = sim::run_input(base, input, busy_body);
  REQUIRE(!r.injections.empty());
  CHECK_THAT(r.replay, Contains(";injections="));
  sim::outcome again = replay_of(r);
  CHECK(again.trace_hash == r.trace_hash);
  CHECK(again.events == r.events);
  CHECK(again.injections == r.injections);
  // Below 50 per mille of 256 (0..12) injects, 13 and above do not.
  base.whatif_per_mille = 50;
  std::vector<std::uint8_t> quiet(8, 0);
  quiet.resize(60, 13);
  CHECK(sim::run_input(base, quiet, busy_body).injections.empty());
  std::vector<std::uint8_t> loud(8, 0);
  loud.resize(60, 12);
  CHECK(!sim::run_input(base, loud, busy_body).injections.empty());
}

TEST_CASE("with slow steps on, a fuzz input chooses them and the line lists them") {
  sim::options base = recording();
  base.slow_ms = 20;
  // Every step reads a byte (0 modulo 4: slow) and a slow one a byte for how slow.
  std::vector<std::uint8_t> input(8, 0);
  for (int i = 0; i < 60; ++i) input.push_back(static_cast<std::uint8_t>(i % 2 == 0 ? 4 * i : 9));
  sim::outcome r = sim::run_input(base, input, busy_body);
  REQUIRE(!r.slow_steps.empty());
  CHECK_THAT(r.replay, Contains(";slow_steps="));
  sim::outcome again = replay_of(r);
  CHECK(again.trace_hash == r.trace_hash);
  CHECK(again.events == r.events);
  CHECK(again.slow_steps == r.slow_steps);
  // Bytes that are never 0 modulo 4 make no step slow.
  std::vector<std::uint8_t> quick(8, 0);
  quick.resize(80, 1);
  CHECK(sim::run_input(base, quick, busy_body).slow_steps.empty());
}

TEST_CASE("a failing fuzz input's line fails the same way and shrinks like any other") {
  // Search the inputs of two choice bytes for the latent bug's.
  std::optional<sim::outcome> failed;
  std::vector<std::uint8_t> input(8, 0);
  input.resize(8 + 12);
  for (int trial = 0; trial < 4000 && !failed; ++trial) {
    for (std::size_t i = 8; i < input.size(); ++i) input[i] = static_cast<std::uint8_t>((trial >> (i % 12)) & 3);
    input[8 + trial % 12] = static_cast<std::uint8_t>(trial);
    sim::outcome r = sim::run_input({}, input, sim_test::latent_order<3>);
    if (!r.passed) failed = r;
  }
  REQUIRE(failed);
  CHECK(failed->kind == sim::failure_kind::body_failed);
  CHECK(failed->report == "the workers finished longest first");
  std::string error;
  auto o = sim::options::from_replay(failed->replay, error);
  REQUIRE(o);
  sim::outcome again = sim::run(*o, sim_test::latent_order<3>);
  CHECK(!again.passed);
  CHECK(again.trace_hash == failed->trace_hash);
  sim::outcome small = sim::shrink(*o, again, sim_test::latent_order<3>);
  CHECK(!small.passed);
  CHECK(small.report == failed->report);
  CHECK(small.decisions.size() <= again.decisions.size());
}

TEST_CASE("the body the libFuzzer target fuzzes fails under canopy::sim::check too") {
  sim::check_settings settings;
  settings.seeds = 200;
  sim::outcome r = sim::check(settings, sim_test::latent_order<3>);
  CHECK(!r.passed);
  CHECK_THAT(r.report, Catch::StartsWith("the workers finished longest first"));
}

TEST_CASE("a fuzz input file that cannot be read or is too long is refused with a sentence") {
  std::string error;
  CHECK(!sim::read_input_file("/nonexistent/canopy-input", error));
  CHECK_THAT(error, Contains("cannot read the fuzz input /nonexistent/canopy-input"));
  char path[] = "/tmp/canopy-fuzz-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::FILE* f = fdopen(fd, "wb");
  std::vector<char> big(sim::max_fuzz_input_bytes + 1, 'x');
  std::fwrite(big.data(), 1, big.size(), f);
  std::fclose(f);
  error.clear();
  CHECK(!sim::read_input_file(path, error));
  CHECK_THAT(error, Contains("is longer than 1048576 bytes"));
  std::remove(path);
}
