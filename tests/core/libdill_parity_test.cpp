// libdill 2.x's contract where Canopy once differed: go() handles are
// bundles, handles of the wrong kind get ENOTSUP, yield after a close in the
// ready queue, and misuse that must fail cleanly (bundle_go(-1), misaligned
// memory, a descendant closing its ancestor).
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "canopy/runtime/event.hpp"

using Record = std::vector<std::string>;

namespace {

// Spawns, and what the trace says about objects.
struct Recorder final : canopy::runtime::Observer {
  Record lines;
  void record(const canopy::runtime::Event& e) override {
    using canopy::runtime::EventKind;
    if (e.kind == EventKind::spawn) {
      lines.push_back("spawn " + std::to_string(e.coroutine) + " by " + std::to_string(e.other) +
                      " " + canopy::runtime::to_string(e.object_kind) + " " + e.site.function);
    } else if (e.kind == EventKind::object_open || e.kind == EventKind::object_close) {
      lines.push_back(std::string(canopy::runtime::to_string(e.kind)) + " " +
                      canopy::runtime::to_string(e.object_kind));
    } else if (e.kind == EventKind::cancel) {
      lines.push_back("cancel " + std::to_string(e.coroutine) + " through " +
                      std::to_string(e.object));
    }
  }
};

}  // namespace

// After the observer: the raw name `coroutine` would rewrite Event's field.
#include <libdill.h>

using canopy::testing::run_virtual;

namespace {
Record record;

coroutine void sleeper(const char* name, int64_t ms) {
  int rc = msleep(now() + ms);
  record.push_back(std::string(name) + (rc == 0 ? " woke at " : " cancelled at ") +
                   std::to_string(now()));
}

// Leaves errno set before each call that switches out, and records errno
// after it returns.
coroutine void errno_after_switches(const char* name) {
  errno = EBADF;
  int rc = yield();
  record.push_back(std::string(name) + " yield " + std::to_string(rc) + " errno " + std::to_string(errno));
  errno = EBADF;
  rc = msleep(now() + 10);
  record.push_back(std::string(name) + " msleep " + std::to_string(rc) + " errno " + std::to_string(errno));
}

}  // namespace

TEST_CASE("bundle_go adds a coroutine beside go's own and bundle_wait waits for both") {
  record.clear();
  auto run = run_virtual([] {
    int h = go(sleeper("first", 100));
    REQUIRE(h >= 0);
    CHECK(bundle_go(h, sleeper("second", 300)) == 0);
    CHECK(bundle_wait(h, now() + 50) == -1);
    CHECK(errno == ETIMEDOUT);
    CHECK(bundle_wait(h, -1) == 0);
    record.push_back("wait returned at " + std::to_string(now()));
    CHECK(bundle_wait(h, 0) == 0);
    CHECK(hclose(h) == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
  CHECK(run.live_after == 0);
  CHECK(record == Record{"first woke at 1100", "second woke at 1300", "wait returned at 1300"});
}

TEST_CASE("bundle_wait on a go handle whose coroutine already finished returns 0 at once") {
  record.clear();
  auto run = run_virtual([] {
    int h = go(sleeper("quick", 0));
    REQUIRE(h >= 0);
    CHECK(msleep(now() + 10) == 0);
    CHECK(bundle_wait(h, 0) == 0);
    CHECK(bundle_go(h, sleeper("late", 5)) == 0);
    CHECK(bundle_wait(h, -1) == 0);
    CHECK(hclose(h) == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
  CHECK(record == Record{"quick woke at 1000", "late woke at 1015"});
}

TEST_CASE("hclose on a go handle used as a bundle cancels every coroutine in it, in spawn order") {
  record.clear();
  auto run = run_virtual([] {
    int h = go(sleeper("first", 1000));
    bundle_go(h, sleeper("second", 1000));
    bundle_go(h, sleeper("third", 1000));
    CHECK(msleep(now() + 5) == 0);
    CHECK(hclose(h) == 0);
    CHECK(hclose(h) == -1);
    CHECK(errno == EBADF);
  });
  CHECK(run.finished);
  CHECK(run.live_after == 0);
  CHECK(record ==
        Record{"first cancelled at 1005", "second cancelled at 1005", "third cancelled at 1005"});
}

TEST_CASE("a go handle used as a bundle adds no bundle to the trace and keeps spawns as plain children") {
  Recorder recorder;
  record.clear();
  auto run = run_virtual(
      [] {
        int h = go(sleeper("a", 10));
        CHECK(bundle_go(h, sleeper("b", 10)) == 0);
        CHECK(msleep(now() + 1) == 0);
        CHECK(hclose(h) == 0);
      },
      1000, &recorder);
  CHECK(run.finished);
  CHECK(recorder.lines == Record{"spawn 1 by 0 none sleeper(\"a\", 10)",
                                 "spawn 2 by 0 none sleeper(\"b\", 10)", "cancel 1 through 1",
                                 "cancel 2 through 1"});
}

TEST_CASE("bundle_go with the handle -1 fails with EBADF and spawns nothing") {
  record.clear();
  auto run = run_virtual([] {
    CHECK(bundle_go(-1, sleeper("never", 1)) == -1);
    CHECK(errno == EBADF);
    CHECK(bundle_go_mem(-1, sleeper("never", 1), nullptr, 0) == -1);
    CHECK(errno == EBADF);
    CHECK(msleep(now() + 10) == 0);
  });
  CHECK(run.finished);
  CHECK(run.live_after == 0);
  CHECK(run.handles_after == 0);
  CHECK(record.empty());
}

TEST_CASE("calls on a handle of the wrong kind fail with ENOTSUP and on a missing handle with EBADF") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int b = bundle();
    int g = go(sleeper("g", 1));
    int v = 0;
    CHECK(chsend(g, &v, sizeof v, 0) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(chrecv(b, &v, sizeof v, 0) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(chdone(b) == -1);
    CHECK(errno == ENOTSUP);
    struct chclause clauses[2] = {{CHRECV, ch[0], &v, sizeof v}, {CHSEND, g, &v, sizeof v}};
    CHECK(choose(clauses, 2, 0) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(bundle_go(ch[0], sleeper("never", 1)) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(bundle_wait(ch[1], 0) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(hdone(b, -1) == -1);
    CHECK(errno == ENOTSUP);
    int missing = 1 << 29;
    CHECK(chsend(missing, &v, sizeof v, 0) == -1);
    CHECK(errno == EBADF);
    CHECK(chdone(missing) == -1);
    CHECK(errno == EBADF);
    CHECK(bundle_wait(missing, 0) == -1);
    CHECK(errno == EBADF);
    CHECK(hclose(g) == 0);
    CHECK(hclose(b) == 0);
    CHECK(hclose(ch[0]) == 0);
    CHECK(hclose(ch[1]) == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
  CHECK(record == Record{"g cancelled at 1000"});
}

namespace {
coroutine void yield_then_block() {
  int rc = yield();
  record.push_back("yield " + std::to_string(rc));
  rc = msleep(now() + 100);
  record.push_back(std::string("msleep ") + (rc == 0 ? "0" : errno == ECANCELED ? "ECANCELED" : "?"));
}

}  // namespace

TEST_CASE("yield in a coroutine closed while it waits in the ready queue returns 0 and the next blocking call fails with ECANCELED") {
  record.clear();
  auto run = run_virtual([] {
    // The child yields at once and waits in the ready queue behind main.
    int target = go(yield_then_block());
    record.push_back("main closes");
    CHECK(hclose(target) == 0);
    record.push_back("main closed");
  });
  CHECK(run.finished);
  CHECK(record == Record{"main closes", "yield 0", "msleep ECANCELED", "main closed"});
}

TEST_CASE("chmake_mem and bundle_mem refuse misaligned memory with EINVAL") {
  auto run = run_virtual([] {
    alignas(16) static char raw[sizeof(struct chstorage) + 16];
    int ch[2];
    CHECK(chmake_mem(reinterpret_cast<struct chstorage*>(raw + 1), ch) == -1);
    CHECK(errno == EINVAL);
    CHECK(bundle_mem(reinterpret_cast<struct bundle_storage*>(raw + 4)) == -1);
    CHECK(errno == EINVAL);
    // Aligned memory of the storage types works.
    struct chstorage chmem;
    REQUIRE(chmake_mem(&chmem, ch) == 0);
    CHECK(hclose(ch[0]) == 0);
    CHECK(hclose(ch[1]) == 0);
    struct bundle_storage bmem;
    int b = bundle_mem(&bmem);
    REQUIRE(b >= 0);
    CHECK(hclose(b) == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

namespace {
int ancestor = -1;
int ancestor_bundle = -1;
int close_rc = 0;
int close_errno = 0;

coroutine void descendant(int depth) {
  if (depth > 0) {
    int h = go(descendant(depth - 1));
    msleep(-1);
    hclose(h);
    return;
  }
  // The chain runs before go() returns to main: wait until the handle is known.
  msleep(now() + 1);
  close_rc = hclose(ancestor);
  close_errno = errno;
  record.push_back("descendant tried");
}

coroutine void ancestor_body() {
  int h = go(descendant(2));
  msleep(-1);
  hclose(h);
  record.push_back("ancestor done");
}

coroutine void bundle_member_body() {
  int h = go(descendant(1));
  msleep(-1);
  hclose(h);
}
}  // namespace

TEST_CASE("a descendant closing its own ancestor fails with EINVAL instead of deadlocking") {
  record.clear();
  close_rc = 0;
  auto run = run_virtual([] {
    ancestor = go(ancestor_body());
    REQUIRE(ancestor >= 0);
    CHECK(msleep(now() + 5) == 0);
    // The great-grandchild tried to close it: refused.
    CHECK(close_rc == -1);
    CHECK(close_errno == EINVAL);
    CHECK(hclose(ancestor) == 0);
  });
  CHECK(run.finished);
  CHECK(run.deadlock.empty());
  CHECK(run.live_after == 0);
  CHECK(record == Record{"descendant tried", "ancestor done"});
}

TEST_CASE("a coroutine under a bundle's member closing that bundle fails with EINVAL") {
  record.clear();
  close_rc = 0;
  auto run = run_virtual([] {
    ancestor_bundle = bundle();
    ancestor = ancestor_bundle;
    CHECK(bundle_go(ancestor_bundle, bundle_member_body()) == 0);
    CHECK(msleep(now() + 5) == 0);
    CHECK(close_rc == -1);
    CHECK(close_errno == EINVAL);
    CHECK(hclose(ancestor_bundle) == 0);
  });
  CHECK(run.finished);
  CHECK(run.deadlock.empty());
  CHECK(run.live_after == 0);
}

namespace {
coroutine void does_nothing() {}

coroutine void spawns_after_cancel(int* first, int* second, int* err) {
  // Blocks until closed; the close makes the next go() fail.
  *first = msleep(now() + 1000);
  int h = go(does_nothing());
  *second = h;
  *err = errno;
  if (h >= 0) hclose(h);
}
}  // namespace

TEST_CASE("go in a coroutine that is being closed fails with ECANCELED and starts nothing") {
  auto run = run_virtual([] {
    int first = 0, second = 0, err = 0;
    int h = go(spawns_after_cancel(&first, &second, &err));
    REQUIRE(h >= 0);
    REQUIRE(hclose(h) == 0);
    CHECK(first == -1);
    CHECK(second == -1);
    CHECK(err == ECANCELED);
  });
  CHECK(run.finished);
}

TEST_CASE("a coroutine resumes from a call that switched out with errno 0, as libdill's do") {
  record.clear();
  auto run = run_virtual([] {
    int a = go(errno_after_switches("a"));
    int b = go(errno_after_switches("b"));
    msleep(now() + 20);
    hclose(a);
    hclose(b);
  });
  CHECK(run.finished);
  CHECK(record == Record{"a yield 0 errno 0", "b yield 0 errno 0", "a msleep 0 errno 0", "b msleep 0 errno 0"});
}
