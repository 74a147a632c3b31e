// Real descriptors under the simulator: pipes, socket pairs and eventfds
// between the program's own coroutines are deterministic; a descriptor
// connected to the outside works but marks the run as not reproducible.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

#include "canopy/trace/recorder.hpp"
#include "support.hpp"

namespace sim = canopy::sim;
using sim_test::t;

namespace {

struct real_pair {
  int fds[2] = {-1, -1};
  ~real_pair() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
};

void nonblocking(int fd) { REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0); }

// Three writers each send their id over one real pipe after a delay; the
// reader records what arrived when. Returns the log.
sim_test::log pipe_relay(const real_pair& p) {
  sim_test::log got;
  std::vector<canopy::child> writers;
  for (int id = 0; id < 3; ++id) {
    writers.push_back(canopy::go([&, id] {
      for (int i = 0; i < id; ++i) (void)canopy::yield();
      char c = static_cast<char>('a' + id);
      REQUIRE(::write(p.fds[1], &c, 1) == 1);
    }));
  }
  while (got.size() < 3) {
    char c;
    ssize_t n = ::read(p.fds[0], &c, 1);
    if (n == 1) {
      got.push_back(std::string(1, c) + "@" + std::to_string(t()));
      continue;
    }
    REQUIRE(errno == EAGAIN);
    REQUIRE(canopy::wait_readable(p.fds[0]).ok());
  }
  return got;
}

}  // namespace

TEST_CASE("a real pipe between coroutines works under the simulator and the run stays reproducible") {
  real_pair p;
  REQUIRE(::pipe(p.fds) == 0);
  nonblocking(p.fds[0]);
  sim_test::log got;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] { got = pipe_relay(p); });
  REQUIRE(r.passed);
  CHECK(got == sim_test::log{"a@0", "b@0", "c@0"});
  CHECK(r.reproducible);
  CHECK(r.outside.empty());
}

TEST_CASE("a real pipe between coroutines gives the same trace for a seed across repeated runs") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    real_pair p;
    REQUIRE(::pipe(p.fds) == 0);
    nonblocking(p.fds[0]);
    sim::options o = sim_test::with(sim::strategy::random, seed);
    sim::outcome first = sim::run(o, [&] { (void)pipe_relay(p); });
    sim::outcome second = sim::run(o, [&] { (void)pipe_relay(p); });
    REQUIRE(first.passed);
    REQUIRE(second.passed);
    CHECK(first.trace_hash == second.trace_hash);
  }
}

TEST_CASE("a real socket pair wakes a reader exactly when a sleeping writer sends, in virtual time") {
  real_pair p;
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p.fds) == 0);
  sim_test::log got;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::random, 3), [&] {
    canopy::child writer = canopy::go([&] {
      REQUIRE(canopy::sleep_for(std::chrono::milliseconds(50)).ok());
      REQUIRE(::send(p.fds[1], "ping", 4, 0) == 4);
    });
    // The reader waits with a deadline far away: virtual time jumps to the
    // writer's timer (50 ms), not to the reader's deadline.
    auto s = canopy::wait_readable(p.fds[0], canopy::after(std::chrono::milliseconds(1000)));
    got.push_back(std::string(s.ok() ? "readable" : "failed") + "@" + std::to_string(t()));
    char buf[8];
    got.push_back(std::to_string(::recv(p.fds[0], buf, sizeof buf, 0)) + " bytes");
  });
  REQUIRE(r.passed);
  CHECK(got == sim_test::log{"readable@50", "4 bytes"});
  CHECK(r.reproducible);
}

TEST_CASE("bytes already waiting on a real socket pair are seen before virtual time jumps to a timer") {
  real_pair p;
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p.fds) == 0);
  REQUIRE(::send(p.fds[1], "x", 1, 0) == 1);
  std::int64_t woke = -1;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    canopy::child sleeper = canopy::go([] { (void)canopy::sleep_for(std::chrono::milliseconds(500)); });
    REQUIRE(canopy::wait_readable(p.fds[0], canopy::after(std::chrono::milliseconds(1000))).ok());
    woke = t();
  });
  REQUIRE(r.passed);
  CHECK(woke == 0);
}

TEST_CASE("real pipes ready at the same time wake their readers in an order the seed decides") {
  std::set<std::string> orders;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::string runs[2];
    for (std::string& order : runs) {
      real_pair p[3];
      for (real_pair& one : p) REQUIRE(::pipe(one.fds) == 0);
      sim::outcome r = sim::run(sim_test::with(sim::strategy::random, seed), [&] {
        canopy::bundle readers;
        for (int i = 0; i < 3; ++i) {
          readers.go([&, i] {
            REQUIRE(canopy::wait_readable(p[i].fds[0]).ok());
            order += static_cast<char>('a' + i);
          });
        }
        REQUIRE(canopy::yield().ok());  // let readers start waiting (the seed decides how many do)
        for (real_pair& one : p) REQUIRE(::write(one.fds[1], "x", 1) == 1);
        REQUIRE(readers.wait(canopy::deadline::forever()).ok());
      });
      REQUIRE(r.passed);
    }
    CHECK(runs[0] == runs[1]);
    orders.insert(runs[0]);
  }
  CHECK(orders.size() > 1);
}

TEST_CASE("an eventfd signalled by one coroutine wakes another under the simulator") {
  int efd = ::eventfd(0, EFD_NONBLOCK);
  REQUIRE(efd >= 0);
  sim_test::log got;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::random, 9), [&] {
    canopy::child poster = canopy::go([&] {
      REQUIRE(canopy::sleep_for(std::chrono::milliseconds(20)).ok());
      std::uint64_t one = 1;
      REQUIRE(::write(efd, &one, sizeof one) == sizeof one);
    });
    REQUIRE(canopy::wait_readable(efd).ok());
    std::uint64_t count = 0;
    REQUIRE(::read(efd, &count, sizeof count) == sizeof count);
    got.push_back(std::to_string(count) + "@" + std::to_string(t()));
  });
  ::close(efd);
  REQUIRE(r.passed);
  CHECK(got == sim_test::log{"1@20"});
  CHECK(r.reproducible);
}

TEST_CASE("a reader waiting on a real in-process pipe nobody will write is a deadlock") {
  real_pair p;
  REQUIRE(::pipe(p.fds) == 0);
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] { (void)canopy::wait_readable(p.fds[0]); });
  CHECK(r.kind == sim::failure_kind::deadlock);
  CHECK_THAT(r.report, Catch::Contains("blocked in fdin"));
}

TEST_CASE("waiting on a real descriptor that is not open fails with EBADF under the simulator") {
  canopy::status s;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] { s = canopy::wait_readable(4093); });
  REQUIRE(r.passed);
  CHECK(s.error() == EBADF);
}

TEST_CASE("a pipe whose writer another process holds is outside: it is served and the run is marked not reproducible") {
  real_pair p;
  REQUIRE(::pipe(p.fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The other process: write once, a little later, and keep the pipe open
    // a while, so the parent sees a writer that is alive and not its own.
    ::close(p.fds[0]);
    ::usleep(100'000);
    (void)!::write(p.fds[1], "z", 1);
    ::usleep(100'000);
    ::_exit(0);
  }
  ::close(p.fds[1]);
  p.fds[1] = -1;
  std::string got;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::fifo), [&] {
    REQUIRE(canopy::wait_readable(p.fds[0]).ok());
    char c = 0;
    REQUIRE(::read(p.fds[0], &c, 1) == 1);
    got = std::string(1, c);
  });
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(r.passed);
  CHECK(got == "z");
  CHECK_FALSE(r.reproducible);
  CHECK_THAT(r.outside, Catch::Contains("descriptor " + std::to_string(p.fds[0])));
  CHECK_THAT(r.describe(), Catch::Contains("not reproducible"));
}

TEST_CASE("an outside event turns the trace header's reproducible into false, even after the header was written") {
  for (bool flush_first : {false, true}) {
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    canopy::trace::Header header;
    header.clock_is_simulated = true;
    header.program = "demo";
    {
      canopy::trace::Recorder recorder(file, header);
      canopy::runtime::Event spawn{};
      spawn.kind = canopy::runtime::EventKind::spawn;
      spawn.coroutine = 1;
      recorder.record(spawn);
      if (flush_first) REQUIRE(recorder.flush());
      canopy::runtime::Event outside{};
      outside.kind = canopy::runtime::EventKind::outside;
      outside.object = 0;
      recorder.record(outside);
    }
    std::rewind(file);
    std::string text;
    char buf[512];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) text.append(buf, n);
    std::fclose(file);
    std::string first = text.substr(0, text.find('\n'));
    CHECK_THAT(first, Catch::Contains("\"reproducible\":false,"));
    CHECK_THAT(text, Catch::Contains("\"kind\":\"outside\",\"fd\":0}"));
  }
}
