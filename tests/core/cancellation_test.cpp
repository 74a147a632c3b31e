// hclose cancels: every blocking call in the closed coroutine fails with
// ECANCELED, at once and at every later call, and hclose returns only after
// the coroutine has exited.
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

std::string outcome(int rc) {
  if (rc == 0) return "ok";
  return errno == ECANCELED ? "ECANCELED" : errno == ETIMEDOUT ? "ETIMEDOUT" : "errno " + std::to_string(errno);
}

coroutine void stubborn(int ch) {
  // Keeps trying to block after being cancelled: every call must refuse.
  record.push_back("msleep: " + outcome(msleep(now() + 1000)));
  record.push_back("msleep again: " + outcome(msleep(now() + 1000)));
  record.push_back("yield: " + outcome(yield()));
  int v;
  record.push_back("chrecv: " + outcome(chrecv(ch, &v, sizeof v, -1)));
  record.push_back("chsend deadline 0: " + outcome(chsend(ch, &v, sizeof v, 0)));
  int b = bundle();
  record.push_back("bundle_wait: " + outcome(bundle_wait(b, -1)));
  hclose(b);
  record.push_back("exit at " + std::to_string(now()));
}
}  // namespace

TEST_CASE("after hclose every blocking call in the coroutine fails with ECANCELED") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int h = go(stubborn(ch[0]));
    msleep(now() + 300);
    record.push_back("hclose at " + std::to_string(now()));
    REQUIRE(hclose(h) == 0);
    record.push_back("hclose returned at " + std::to_string(now()));
    hclose(ch[0]);
    hclose(ch[1]);
  });
  REQUIRE(run.finished);
  // bundle_wait on an empty bundle still refuses: the caller is cancelled.
  CHECK(record == Record{"hclose at 1300", "msleep: ECANCELED", "msleep again: ECANCELED",
                         "yield: ECANCELED", "chrecv: ECANCELED", "chsend deadline 0: ECANCELED",
                         "bundle_wait: ECANCELED", "exit at 1300", "hclose returned at 1300"});
}

namespace {
coroutine void cleans_up(int* freed) {
  // The seed document's example: free resources when cancelled.
  while (1) {
    int rc = msleep(now() + 100);
    if (rc == -1 && errno == ECANCELED) {
      *freed = 1;
      return;
    }
  }
}
}  // namespace

TEST_CASE("a cancelled coroutine gets to clean up before hclose returns") {
  auto run = run_virtual([] {
    int freed = 0;
    int h = go(cleans_up(&freed));
    msleep(now() + 1050);
    CHECK(freed == 0);
    hclose(h);
    CHECK(freed == 1);
  });
  CHECK(run.finished);
}

TEST_CASE("closing one's own handle is refused instead of waiting forever") {
  auto run = run_virtual([] {
    static int self = -1;
    static int rc = 0, err = 0;
    struct F {
      static coroutine void f() {
        msleep(now() + 1);
        rc = hclose(self);
        err = errno;
      }
    };
    self = go(F::f());
    msleep(now() + 10);
    CHECK(rc == -1);
    CHECK(err == EINVAL);
    CHECK(hclose(self) == 0);
  });
  CHECK(run.finished);
}
