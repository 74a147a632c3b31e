// Bundles: cancelled in parallel, bundle_wait's three outcomes, and grace
// periods that nest.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdill.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>


using canopy::testing::run_virtual;
using Record = std::vector<std::string>;

namespace {
Record record;

coroutine void sleeper(const char* name, int64_t ms) {
  int rc = msleep(now() + ms);
  record.push_back(std::string(name) + (rc == 0 ? " woke at " : " cancelled at ") + std::to_string(now()));
}

}  // namespace

TEST_CASE("bundle_wait returns at once for an empty bundle and after the last member otherwise") {
  record.clear();
  auto run = run_virtual([] {
    int b = bundle();
    CHECK(bundle_wait(b, -1) == 0);
    CHECK(bundle_wait(b, 0) == 0);
    bundle_go(b, sleeper("a", 100));
    bundle_go(b, sleeper("b", 300));
    CHECK(bundle_wait(b, -1) == 0);
    record.push_back("wait returned at " + std::to_string(now()));
    CHECK(hclose(b) == 0);
  });
  CHECK(run.finished);
  CHECK(record == Record{"a woke at 1100", "b woke at 1300", "wait returned at 1300"});
}

TEST_CASE("bundle_wait fails with ETIMEDOUT at its deadline and hclose then cancels the rest") {
  record.clear();
  auto run = run_virtual([] {
    int b = bundle();
    bundle_go(b, sleeper("a", 100));
    bundle_go(b, sleeper("b", 900));
    bundle_go(b, sleeper("c", 700));
    int rc = bundle_wait(b, now() + 500);
    CHECK(rc == -1);
    CHECK(errno == ETIMEDOUT);
    record.push_back("timed out at " + std::to_string(now()));
    CHECK(bundle_wait(b, 0) == -1);
    CHECK(errno == ETIMEDOUT);
    hclose(b);
    record.push_back("closed at " + std::to_string(now()));
  });
  CHECK(run.finished);
  // b and c are cancelled together, in spawn order, with no time passing.
  CHECK(record == Record{"a woke at 1100", "timed out at 1500", "b cancelled at 1500",
                         "c cancelled at 1500", "closed at 1500"});
}

TEST_CASE("closing a bundle cancels every member before waiting for any") {
  record.clear();
  auto run = run_virtual([] {
    int b = bundle();
    for (int i = 0; i < 100; ++i) bundle_go(b, sleeper("m", 30000));
    hclose(b);
    record.push_back("closed at " + std::to_string(now()));
  });
  CHECK(run.finished);
  REQUIRE(record.size() == 101);
  CHECK(record.front() == "m cancelled at 1000");
  CHECK(record.back() == "closed at 1000");
}

namespace {
coroutine void waits_on_bundle(int b) {
  int rc = bundle_wait(b, -1);
  record.push_back(std::string("bundle_wait: ") + (rc == 0 ? "ok" : errno == ECANCELED ? "ECANCELED" : "other"));
}

coroutine void bar(void) {
  int rc = msleep(now() + 5000);  // would need 5 s
  record.push_back(std::string("bar ") + (rc == 0 ? "finished" : "cancelled") + " at " + std::to_string(now()));
}

coroutine void foo(void) {
  int b = bundle();
  bundle_go(b, bar());
  msleep(now() + 100);
  record.push_back("foo gives bar 1000 ms at " + std::to_string(now()));
  int rc = bundle_wait(b, now() + 1000);
  record.push_back(std::string("foo's bundle_wait: ") + (errno == ECANCELED && rc == -1 ? "ECANCELED" : "other") +
                   " at " + std::to_string(now()));
  hclose(b);
  record.push_back("foo exits at " + std::to_string(now()));
}
}  // namespace

TEST_CASE("bundle_wait fails with ECANCELED when the waiter is cancelled") {
  record.clear();
  auto run = run_virtual([] {
    int inner = bundle();
    bundle_go(inner, sleeper("x", 10000));
    int h = go(waits_on_bundle(inner));
    msleep(now() + 50);
    hclose(h);
    hclose(inner);
  });
  CHECK(run.finished);
  CHECK(record == Record{"bundle_wait: ECANCELED", "x cancelled at 1050"});
}

TEST_CASE("grace periods nest: a parent's shorter grace period cuts its child's short") {
  // main gives foo 500 ms while foo gives bar 1000 ms: bar's grace is cut
  // short, bar exits before foo, and main is done 500 ms after it began.
  record.clear();
  auto run = run_virtual([] {
    int b = bundle();
    bundle_go(b, foo());
    msleep(now() + 200);
    record.push_back("main gives foo 500 ms at " + std::to_string(now()));
    int rc = bundle_wait(b, now() + 500);
    CHECK(rc == -1);
    CHECK(errno == ETIMEDOUT);
    hclose(b);
    record.push_back("main done at " + std::to_string(now()));
  });
  CHECK(run.finished);
  CHECK(record == Record{"foo gives bar 1000 ms at 1100", "main gives foo 500 ms at 1200",
                         "foo's bundle_wait: ECANCELED at 1700", "bar cancelled at 1700",
                         "foo exits at 1700", "main done at 1700"});
}

TEST_CASE("bundle errors: bad handles, closed bundles, a member closing its own bundle") {
  auto run = run_virtual([] {
    CHECK(bundle_wait(12345, -1) == -1);
    CHECK(errno == EBADF);
    CHECK(bundle_go(12345, sleeper("never", 1)) == -1);
    CHECK(errno == EBADF);
    int b = bundle();
    hclose(b);
    CHECK(bundle_go(b, sleeper("never", 1)) == -1);
    CHECK(errno == EBADF);
    int ch[2];
    chmake(ch);
    // A handle of another kind is not a bad handle: ENOTSUP, as libdill.
    CHECK(bundle_wait(ch[0], -1) == -1);
    CHECK(errno == ENOTSUP);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("bundle_mem places the bundle in the caller's memory") {
  record.clear();
  auto run = run_virtual([] {
    struct bundle_storage mem;
    int b = bundle_mem(&mem);
    REQUIRE(b >= 0);
    bundle_go(b, sleeper("a", 10));
    CHECK(bundle_wait(b, -1) == 0);
    CHECK(hclose(b) == 0);
    CHECK(bundle_mem(nullptr) == -1);
    CHECK(errno == EINVAL);
  });
  CHECK(run.finished);
  CHECK(record == Record{"a woke at 1010"});
}
