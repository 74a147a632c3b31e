// Simulated descriptors: latency, order, EOF, injected errors, partitions,
// deadlocks on descriptors nobody will write.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "canopy/sim/fd.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
namespace sim = canopy::sim;
using sim_test::t;

namespace {
// Reads until `bytes` arrived or the stream ends; records when each read returned data.
std::string read_all(int fd, std::size_t bytes, sim_test::log* times = nullptr) {
  std::string got;
  while (got.size() < bytes) {
    char buf[64];
    ssize_t n = sim::read(fd, buf, sizeof buf);
    if (n > 0) {
      got.append(buf, static_cast<std::size_t>(n));
      if (times != nullptr) times->push_back(std::to_string(n) + "B@" + std::to_string(t()));
      continue;
    }
    if (n == 0) break;
    REQUIRE(errno == EAGAIN);
    REQUIRE(canopy::wait_readable(fd).ok());
  }
  return got;
}
}  // namespace

TEST_CASE("simulated descriptors are numbered far above real ones and only exist inside a run") {
  int fds[2];
  CHECK(sim::pipe(fds) == -1);
  CHECK(errno == ENOTSUP);
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    REQUIRE(sim::pipe(fds) == 0);
    CHECK(fds[0] == sim::first_fd);
    CHECK(fds[1] == sim::first_fd + 1);
    REQUIRE(sim::close(fds[0]) == 0);
    REQUIRE(sim::close(fds[1]) == 0);
  });
  CHECK(r.passed);
}

TEST_CASE("bytes written to a pipe with 50 ms latency become readable exactly 50 virtual ms later") {
  sim_test::log times;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    int fds[2];
    REQUIRE(sim::pipe(fds) == 0);
    REQUIRE(sim::set_link(fds[1], {.latency_ms = 50}) == 0);
    canopy::child writer = canopy::go([&] {
      REQUIRE(sim::write(fds[1], "hello", 5) == 5);
      (void)canopy::sleep_for(20ms);
      REQUIRE(sim::write(fds[1], " world", 6) == 6);
      REQUIRE(sim::close(fds[1]) == 0);
    });
    CHECK(read_all(fds[0], 100, &times) == "hello world");
    REQUIRE(sim::close(fds[0]) == 0);
  });
  REQUIRE(r.passed);
  CHECK(times == sim_test::log{"5B@50", "6B@70"});
  CHECK(r.stats.virtual_ms == 70);
}

TEST_CASE("a socket pair echoes in both directions with seeded jitter but in order") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    sim::outcome r = sim::run(sim_test::with(sim::strategy::random, seed), [&] {
      int fds[2];
      REQUIRE(sim::socketpair(fds) == 0);
      REQUIRE(sim::set_link(fds[0], {.latency_ms = 10, .jitter_ms = 30}) == 0);
      REQUIRE(sim::set_link(fds[1], {.latency_ms = 10, .jitter_ms = 30}) == 0);
      canopy::child echo = canopy::go([&] {
        std::string in = read_all(fds[1], 6);
        REQUIRE(sim::write(fds[1], in.data(), in.size()) == 6);
      });
      for (const char* part : {"ab", "cd", "ef"}) REQUIRE(sim::write(fds[0], part, 2) == 2);
      CHECK(read_all(fds[0], 6) == "abcdef");
      CHECK(t() >= 20);
      CHECK(t() <= 80);
      echo.close().throw_if_error("closing echo");
      REQUIRE(sim::close(fds[0]) == 0);
      REQUIRE(sim::close(fds[1]) == 0);
    });
    CHECK(r.passed);
  }
}

TEST_CASE("an injected ECONNRESET wakes the reader and fails its read") {
  int err = 0;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    int fds[2];
    REQUIRE(sim::socketpair(fds) == 0);
    canopy::child breaker = canopy::go([&] {
      (void)canopy::sleep_for(30ms);
      REQUIRE(sim::inject_error(fds[0], ECONNRESET) == 0);
    });
    REQUIRE(canopy::wait_readable(fds[0]).ok());
    char c;
    CHECK(sim::read(fds[0], &c, 1) == -1);
    err = errno;
    CHECK(t() == 30);
    REQUIRE(sim::close(fds[0]) == 0);
    REQUIRE(sim::close(fds[1]) == 0);
  });
  REQUIRE(r.passed);
  CHECK(err == ECONNRESET);
}

TEST_CASE("writing to a pipe whose reader closed fails with EPIPE, and the reader sees end of stream") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    int fds[2];
    REQUIRE(sim::pipe(fds) == 0);
    REQUIRE(sim::write(fds[1], "x", 1) == 1);
    REQUIRE(sim::close(fds[1]) == 0);
    CHECK(read_all(fds[0], 100) == "x");
    int more[2];
    REQUIRE(sim::pipe(more) == 0);
    REQUIRE(sim::close(more[0]) == 0);
    CHECK(sim::write(more[1], "y", 1) == -1);
    CHECK(errno == EPIPE);
    REQUIRE(sim::close(fds[0]) == 0);
    REQUIRE(sim::close(more[1]) == 0);
  });
  CHECK(r.passed);
}

TEST_CASE("bytes sent into a partition arrive after it heals, at heal time plus latency") {
  sim_test::log times;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    int fds[2];
    REQUIRE(sim::socketpair(fds) == 0);
    REQUIRE(sim::set_link(fds[0], {.latency_ms = 5, .partitioned = true}) == 0);
    REQUIRE(sim::write(fds[0], "late", 4) == 4);
    canopy::child healer = canopy::go([&] {
      (void)canopy::sleep_for(100ms);
      REQUIRE(sim::set_link(fds[0], {.latency_ms = 5}) == 0);
    });
    CHECK(read_all(fds[1], 4, &times) == "late");
    REQUIRE(sim::close(fds[0]) == 0);
    REQUIRE(sim::close(fds[1]) == 0);
  });
  REQUIRE(r.passed);
  CHECK(times == sim_test::log{"4B@105"});
}

TEST_CASE("a reader waiting on a simulated pipe nobody will write to is a deadlock") {
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    int fds[2];
    REQUIRE(sim::pipe(fds) == 0);
    (void)canopy::wait_readable(fds[0]);
  });
  REQUIRE_FALSE(r.passed);
  CHECK(r.kind == sim::failure_kind::deadlock);
  CHECK_THAT(r.report, Catch::Contains("main blocked in fdin on fd 1073741824") &&
                           Catch::Contains("no bytes are in flight"));
}
