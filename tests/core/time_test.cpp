// Time: deadlines are absolute milliseconds on the runtime's clock.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdill.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <ctime>


using canopy::testing::run_virtual;

TEST_CASE("msleep wakes exactly at its deadline and a past or zero deadline returns at once") {
  auto run = run_virtual([] {
    CHECK(now() == 1000);
    CHECK(msleep(now() + 30000) == 0);
    CHECK(now() == 31000);
    CHECK(msleep(0) == 0);
    CHECK(msleep(now() - 5) == 0);
    CHECK(now() == 31000);
  });
  CHECK(run.finished);
}

TEST_CASE("timers with equal deadlines fire in the order they were set") {
  static std::vector<int> order;
  order.clear();
  struct F {
    static coroutine void at(int id, int64_t deadline) {
      msleep(deadline);
      order.push_back(id);
    }
  };
  auto run = run_virtual([] {
    int64_t d = now() + 100;
    int hs[4];
    for (int i = 0; i < 4; ++i) hs[i] = go(F::at(i, d));
    msleep(d + 1);
    for (int h : hs) hclose(h);
  });
  CHECK(run.finished);
  CHECK(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("the real clock is monotonic, in milliseconds, and finer than libdill's 4 ms steps") {
  // Runs on the real runtime: no virtual platform here.
  int64_t a = now();
  int64_t b = now();
  CHECK(b >= a);
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t mono = int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
  CHECK(std::llabs(mono - now()) <= 1);
  // A 1 ms sleep really is about 1 ms, not rounded to a coarse tick.
  int64_t start = now();
  CHECK(msleep(start + 1) == 0);
  CHECK(now() - start >= 1);
}
