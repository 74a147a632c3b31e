// The order in which coroutines run, recorded and compared exactly: go runs
// the child at once, the parent resumes after the child's first block, and
// the ready queue is FIFO. These are libdill's rules; code ported from
// libdill relies on them.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"
#include "canopy/runtime/embedding.hpp"

#include <libdill.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>


using canopy::testing::run_virtual;
using Record = std::vector<std::string>;

namespace {
Record record;
coroutine void child(const char* name) {
  record.push_back(std::string(name) + " starts");
  yield();
  record.push_back(std::string(name) + " resumes");
}
}  // namespace

TEST_CASE("go runs the child at once and the parent resumes after the child first blocks") {
  record.clear();
  auto run = run_virtual([] {
    int h = go(child("a"));
    record.push_back("parent after go");
    hclose(h);
  });
  REQUIRE(run.finished);
  // hclose cancels: the child's yield returns ECANCELED, it still runs to its end.
  CHECK(record == Record{"a starts", "parent after go", "a resumes"});
}

TEST_CASE("the ready queue is served first in, first out") {
  record.clear();
  auto run = run_virtual([] {
    int a = go(child("a"));
    int b = go(child("b"));
    int c = go(child("c"));
    record.push_back("parent yields");
    yield();
    record.push_back("parent back");
    hclose(a);
    hclose(b);
    hclose(c);
  });
  REQUIRE(run.finished);
  // go(a) queues the parent and runs a; a's yield queues a behind the
  // parent, so the parent's next go(b) comes before a resumes, and so on.
  CHECK(record == Record{"a starts", "b starts", "a resumes", "c starts", "b resumes",
                         "parent yields", "c resumes", "parent back"});
}

TEST_CASE("a finished child's handle still needs closing and closing it only frees it") {
  record.clear();
  auto run = run_virtual([] {
    int h = go(child("a"));
    msleep(now() + 10);  // the child finishes meanwhile
    CHECK(record == Record{"a starts", "a resumes"});
    CHECK(hclose(h) == 0);
    CHECK(hclose(h) == -1);
    CHECK(errno == EBADF);
  });
  CHECK(run.finished);
  CHECK(run.live_after == 0);
  CHECK(run.handles_after == 0);
  CHECK(run.stacks_after == 0);
}

TEST_CASE("a finished child holds its stack until its handle is closed, and closing it gives the stack up") {
  record.clear();
  std::vector<std::size_t> stacks;
  std::vector<std::uint64_t> live;
  auto sample = [&] {
    const canopy::runtime::SchedulerCounters c = canopy::runtime::current_counters();
    stacks.push_back(c.stacks_in_use);
    live.push_back(c.live_coroutines);
  };
  auto run = run_virtual([&] {
    int h = go(child("a"));
    sample();                  // a waits in its yield
    msleep(now() + 10);        // a finishes meanwhile
    sample();                  // finished, its handle open: the stack is still held
    CHECK(hclose(h) == 0);
    sample();                  // closed: kept for reuse, held by nobody
    int again = go(child("b"));
    sample();                  // b runs on a stack again
    CHECK(hclose(again) == 0);
    sample();
  });
  REQUIRE(run.finished);
  CHECK(stacks == std::vector<std::size_t>{1, 1, 0, 1, 0});
  CHECK(live == std::vector<std::uint64_t>{1, 0, 0, 1, 0});
  CHECK(record == Record{"a starts", "a resumes", "b starts", "b resumes"});
  CHECK(run.stacks_after == 0);
}
