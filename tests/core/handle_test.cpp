// Handles: generation counts make stale handles fail with EBADF, and a
// handle never reaches another thread's object.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdill.h>

#include <catch2/catch.hpp>
#include <set>
#include <thread>


using canopy::testing::run_virtual;

TEST_CASE("a stale handle gets EBADF even after its slot was reused") {
  auto run = run_virtual([] {
    int first = bundle();
    REQUIRE(hclose(first) == 0);
    // Open enough handles to reuse every slot of the first chunk.
    std::vector<int> open;
    for (int i = 0; i < 600; ++i) open.push_back(bundle());
    CHECK(std::find(open.begin(), open.end(), first) == open.end());
    CHECK(hclose(first) == -1);
    CHECK(errno == EBADF);
    CHECK(bundle_wait(first, 0) == -1);
    CHECK(errno == EBADF);
    for (int h : open) CHECK(hclose(h) == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

TEST_CASE("handles that were never issued get EBADF, zero and negatives included") {
  auto run = run_virtual([] {
    for (int h : {0, -1, -2, 1 << 30, 12345}) {
      CHECK(hclose(h) == -1);
      CHECK(errno == EBADF);
    }
  });
  CHECK(run.finished);
}

TEST_CASE("a handle used from another thread gets EBADF, never that thread's object") {
  int b = bundle();
  REQUIRE(b >= 0);
  int seen_rc = 0, seen_errno = 0, own = -1;
  std::thread t([&] {
    // This thread has its own scheduler; make it issue handles too, so the
    // same slot numbers exist here.
    own = bundle();
    seen_rc = hclose(b);
    seen_errno = errno;
    hclose(own);
  });
  t.join();
  CHECK(seen_rc == -1);
  CHECK(seen_errno == EBADF);
  CHECK(own != b);
  CHECK(hclose(b) == 0);
}

TEST_CASE("handles are small distinct numbers while open") {
  auto run = run_virtual([] {
    std::set<int> seen;
    std::vector<int> hs;
    for (int i = 0; i < 300; ++i) {
      int h = bundle();
      CHECK(h > 0);
      CHECK(seen.insert(h).second);
      hs.push_back(h);
    }
    for (int h : hs) hclose(h);
  });
  CHECK(run.finished);
}
