// The C++ face: RAII handles, bundles, typed channels (non-trivial types
// included), typed choose, std::chrono deadlines.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <canopy/canopy.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>


using namespace std::chrono_literals;
using canopy::testing::run_virtual;
using Record = std::vector<std::string>;

TEST_CASE("a child's handle going out of scope cancels the child and waits for it") {
  Record record;
  auto run = run_virtual([&] {
    {
      canopy::child c = canopy::go([&] {
        auto s = canopy::sleep_for(10s);
        record.push_back(s.cancelled() ? "child cancelled" : "child finished");
      });
      (void)canopy::sleep_for(100ms);
      record.push_back("scope ends");
    }
    record.push_back("after scope at " + std::to_string(canopy::clock::now().time_since_epoch().count()));
  });
  CHECK(run.finished);
  CHECK(record == Record{"scope ends", "child cancelled", "after scope at 1100"});
}

TEST_CASE("a bundle's destructor cancels its members in parallel after a grace period") {
  Record record;
  auto run = run_virtual([&] {
    canopy::bundle b;
    for (int i = 1; i <= 3; ++i) {
      b.go([&record, i] {
        auto s = canopy::sleep_for(std::chrono::milliseconds(i * 400));
        record.push_back("member " + std::to_string(i) + (s.ok() ? " done" : " cancelled"));
      });
    }
    auto w = b.wait(canopy::after(1s));
    CHECK(w.timed_out());
  });
  CHECK(run.finished);
  CHECK(record == Record{"member 1 done", "member 2 done", "member 3 cancelled"});
}

TEST_CASE("typed channels move non-trivial messages from sender to receiver") {
  std::vector<std::string> got;
  auto run = run_virtual([&] {
    canopy::channel<std::unique_ptr<std::string>> ch;
    canopy::child producer = canopy::go([tx = ch.tx()] {
      for (const char* w : {"alpha", "beta", "gamma"}) {
        if (!tx.send(std::make_unique<std::string>(w)).ok()) return;
      }
      (void)tx.done();
    });
    for (;;) {
      auto m = ch.recv();
      if (!m) {
        CHECK(m.error().ended());
        break;
      }
      got.push_back(**m);
    }
  });
  CHECK(run.finished);
  CHECK(got == std::vector<std::string>{"alpha", "beta", "gamma"});
}

TEST_CASE("typed choose runs the handler of the clause that completed") {
  Record record;
  auto run = run_virtual([&] {
    canopy::channel<int> numbers;
    canopy::channel<std::string> words;
    canopy::child c = canopy::go([&] {
      (void)canopy::sleep_for(50ms);
      (void)words.send("hello");
    });
    auto r = canopy::choose(canopy::after(1s),
        canopy::on_recv(numbers.rx(), [&](canopy::result<int>) { record.push_back("number"); }),
        canopy::on_recv(words.rx(), [&](canopy::result<std::string> w) { record.push_back("word " + *w); }));
    REQUIRE(r.ok());
    CHECK(*r == 1);
    auto t = canopy::choose(canopy::after(200ms),
        canopy::on_recv(numbers.rx(), [&](canopy::result<int>) { record.push_back("number"); }));
    CHECK(t.error().timed_out());
    record.push_back("at " + std::to_string(canopy::clock::now().time_since_epoch().count()));
  });
  CHECK(run.finished);
  CHECK(record == Record{"word hello", "at 1250"});
}

TEST_CASE("deadlines: forever, immediately, and time points on the runtime's clock") {
  auto run = run_virtual([] {
    canopy::channel<int> ch;
    CHECK(ch.recv(canopy::deadline::immediately()).error().timed_out());
    auto start = canopy::clock::now();
    CHECK(ch.recv(start + 300ms).error().timed_out());
    CHECK(canopy::clock::now() - start == 300ms);
    CHECK(canopy::deadline::forever().ms() == -1);
  });
  CHECK(run.finished);
}

TEST_CASE("go_options run a coroutine on given memory or with a given stack size") {
  auto run = run_virtual([] {
    alignas(16) static std::byte memory[32 * 1024];
    int where = 0;
    {
      canopy::child c = canopy::go([&] {
        int local = 0;
        where = (reinterpret_cast<std::byte*>(&local) >= memory &&
                 reinterpret_cast<std::byte*>(&local) < memory + sizeof memory) ? 1 : 2;
      }, {.stack_memory = memory});
    }
    CHECK(where == 1);
    canopy::child big = canopy::go([] { volatile char buf[512 * 1024]; buf[0] = 1; (void)buf; },
                                   {.stack_bytes = 1024 * 1024, .name = "big"});
  });
  CHECK(run.finished);
}

TEST_CASE("misuse is refused with a clear error instead of corrupting state") {
  auto run = run_virtual([] {
    canopy::bundle b;
    CHECK(b.close().ok());
    CHECK_THROWS_AS(b.go([] {}), std::system_error);
    canopy::child none;
    CHECK(none.close().ok());
    canopy::child bogus(4242);
    CHECK(bogus.close().error() == EBADF);
    alignas(16) static std::byte tiny[64];
    CHECK_THROWS_WITH(canopy::go([] {}, {.stack_memory = tiny}), Catch::Contains("Invalid argument"));
  });
  CHECK(run.finished);
}

TEST_CASE("a typed receive that switched out reports its deadline, then the next message, then the end") {
  std::vector<std::string> seen;
  auto run = run_virtual([&] {
    canopy::channel<int> ch;
    canopy::child receiver = canopy::go([&seen, rx = ch.rx()] {
      auto first = rx.recv(canopy::clock::now() + 100ms);
      seen.push_back(first ? "got" : first.error().timed_out() ? "timed out" : "other");
      auto second = rx.recv();
      seen.push_back(second ? "got " + std::to_string(*second) : "no message");
      auto third = rx.recv();
      seen.push_back(third ? "got" : third.error().ended() ? "ended" : "other");
    });
    (void)canopy::sleep_for(200ms);
    CHECK(ch.send(7).ok());
    CHECK(ch.done().ok());
    (void)canopy::sleep_for(10ms);
  });
  CHECK(run.finished);
  CHECK(seen == std::vector<std::string>{"timed out", "got 7", "ended"});
}

TEST_CASE("a typed choose of two that switched out reports its deadline, each clause, the end, then cancellation") {
  std::vector<std::string> seen;
  auto run = run_virtual([&] {
    canopy::channel<int> numbers, idle;
    canopy::channel<std::string> words;
    canopy::child chooser = canopy::go([&seen, n = numbers.rx(), w = words.rx(), i = idle.rx()] {
      auto number = [&](canopy::result<int> v) {
        seen.push_back(v ? "number " + std::to_string(*v) : v.error().ended() ? "numbers ended" : "other");
      };
      auto word = [&](canopy::result<std::string> v) { seen.push_back(v ? "word " + *v : "other"); };
      auto told = [&](canopy::result<std::size_t> r) {
        seen.push_back(r ? "clause " + std::to_string(*r)
                         : r.error().timed_out() ? "timed out" : r.error().cancelled() ? "cancelled" : "other");
      };
      told(canopy::choose(canopy::clock::now() + 100ms, canopy::on_recv(n, number), canopy::on_recv(w, word)));
      for (int k = 0; k < 3; ++k) {
        told(canopy::choose(canopy::deadline::forever(), canopy::on_recv(n, number), canopy::on_recv(w, word)));
      }
      told(canopy::choose(canopy::deadline::forever(), canopy::on_recv(w, word), canopy::on_recv(i, number)));
    });
    (void)canopy::sleep_for(200ms);
    CHECK(words.send("hi").ok());
    (void)canopy::sleep_for(10ms);
    CHECK(numbers.send(5).ok());
    (void)canopy::sleep_for(10ms);
    CHECK(numbers.done().ok());
    (void)canopy::sleep_for(10ms);
  });
  CHECK(run.finished);
  CHECK(seen == std::vector<std::string>{"timed out", "word hi", "clause 1", "number 5", "clause 0",
                                         "numbers ended", "clause 0", "cancelled"});
}
