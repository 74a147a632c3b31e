// User handle types (<libdillimpl.h>): hmake, hquery, hown and hclose on an
// object of the program's own type, with libdill's errno contract.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdillimpl.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "canopy/runtime/event.hpp"

using canopy::testing::run_virtual;

namespace {

int interface_tag = 0;
const void* const tag = &interface_tag;

// An object of the test's own type: answers one interface and counts closes.
struct Counter {
  struct hvfs vfs;
  int closes = 0;
  int queries = 0;
  int interface = 7;
  int blocking_rc = 0;      // what a blocking call returned inside close
  int blocking_errno = 0;
  bool block_in_close = false;
  int self = -1;            // its own handle, to try closing it again from close
};

void* counter_query(struct hvfs* vfs, const void* type) {
  auto* c = reinterpret_cast<Counter*>(vfs);
  ++c->queries;
  if (type == tag) return &c->interface;
  errno = ENOTSUP;
  return nullptr;
}

void counter_close(struct hvfs* vfs) {
  auto* c = reinterpret_cast<Counter*>(vfs);
  ++c->closes;
  if (c->block_in_close) {
    c->blocking_rc = msleep(now() + 10);
    c->blocking_errno = errno;
  }
  if (c->self >= 0) {
    // Closing it again from inside its own close: already invalid.
    int rc = hclose(c->self);
    CHECK(rc == -1);
    CHECK(errno == EBADF);
  }
}

Counter make_counter() {
  Counter c;
  c.vfs.query = counter_query;
  c.vfs.close = counter_close;
  return c;
}

struct Recorder final : canopy::runtime::Observer {
  std::vector<std::string> lines;
  void record(const canopy::runtime::Event& e) override {
    if (e.kind != canopy::runtime::EventKind::object_open &&
        e.kind != canopy::runtime::EventKind::object_close) {
      return;
    }
    lines.push_back(std::string(canopy::runtime::to_string(e.kind)) + " " +
                    canopy::runtime::to_string(e.object_kind) + " " + std::to_string(e.object));
  }
};

}  // namespace

TEST_CASE("hquery returns what the object's query answers and hclose calls close exactly once") {
  auto run = run_virtual([] {
    Counter c = make_counter();
    int h = hmake(&c.vfs);
    REQUIRE(h >= 0);
    CHECK(hquery(h, tag) == &c.interface);
    CHECK(hquery(h, tag) == &c.interface);
    CHECK(c.queries == 2);
    errno = 0;
    CHECK(hquery(h, &c) == nullptr);
    CHECK(errno == ENOTSUP);
    CHECK(c.closes == 0);
    CHECK(hclose(h) == 0);
    CHECK(c.closes == 1);
    CHECK(hclose(h) == -1);
    CHECK(errno == EBADF);
    CHECK(hquery(h, tag) == nullptr);
    CHECK(errno == EBADF);
    CHECK(c.closes == 1);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

TEST_CASE("hmake refuses a null table or a table with a null function with EINVAL") {
  auto run = run_virtual([] {
    CHECK(hmake(nullptr) == -1);
    CHECK(errno == EINVAL);
    Counter c = make_counter();
    c.vfs.query = nullptr;
    CHECK(hmake(&c.vfs) == -1);
    CHECK(errno == EINVAL);
    c = make_counter();
    c.vfs.close = nullptr;
    CHECK(hmake(&c.vfs) == -1);
    CHECK(errno == EINVAL);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

namespace {
int hmake_rc_after_cancel = 0;
int hmake_errno_after_cancel = 0;
coroutine void make_after_cancel(struct hvfs* vfs) {
  msleep(-1);  // woken by the cancellation
  hmake_rc_after_cancel = hmake(vfs);
  hmake_errno_after_cancel = errno;
}
}  // namespace

TEST_CASE("hmake in a coroutine that is being cancelled fails with ECANCELED") {
  auto run = run_virtual([] {
    Counter c = make_counter();
    int h = go(make_after_cancel(&c.vfs));
    REQUIRE(h >= 0);
    CHECK(hclose(h) == 0);
    CHECK(hmake_rc_after_cancel == -1);
    CHECK(hmake_errno_after_cancel == ECANCELED);
    CHECK(c.closes == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

TEST_CASE("hquery on a handle of the runtime's own kinds fails with ENOTSUP, on a bad one with EBADF") {
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int b = bundle();
    REQUIRE(b >= 0);
    CHECK(hquery(ch[0], tag) == nullptr);
    CHECK(errno == ENOTSUP);
    CHECK(hquery(b, tag) == nullptr);
    CHECK(errno == ENOTSUP);
    for (int bad : {-1, 0, 1 << 30}) {
      CHECK(hquery(bad, tag) == nullptr);
      CHECK(errno == EBADF);
    }
    CHECK(hclose(ch[0]) == 0);
    CHECK(hclose(ch[1]) == 0);
    CHECK(hclose(b) == 0);
  });
  CHECK(run.finished);
}

TEST_CASE("hown gives a new number for the same object and the old number gets EBADF") {
  auto run = run_virtual([] {
    Counter c = make_counter();
    int h = hmake(&c.vfs);
    REQUIRE(h >= 0);
    int owned = hown(h);
    REQUIRE(owned >= 0);
    CHECK(owned != h);
    CHECK(hquery(h, tag) == nullptr);
    CHECK(errno == EBADF);
    CHECK(hquery(owned, tag) == &c.interface);
    CHECK(hclose(h) == -1);
    CHECK(errno == EBADF);
    CHECK(c.closes == 0);
    CHECK(hclose(owned) == 0);
    CHECK(c.closes == 1);
    CHECK(hown(owned) == -1);
    CHECK(errno == EBADF);

    // Channel ends keep working under their new numbers.
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int old_end = ch[0];
    ch[0] = hown(ch[0]);
    REQUIRE(ch[0] >= 0);
    CHECK(chdone(old_end) == -1);
    CHECK(errno == EBADF);
    CHECK(chdone(ch[0]) == 0);
    int value = 0;
    CHECK(chrecv(ch[1], &value, sizeof value, 0) == -1);
    CHECK(errno == EPIPE);
    CHECK(hclose(ch[0]) == 0);
    CHECK(hclose(ch[1]) == 0);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

TEST_CASE("inside a user object's close blocking calls fail with ECANCELED and the handle is already invalid") {
  auto run = run_virtual([] {
    Counter c = make_counter();
    c.block_in_close = true;
    int h = hmake(&c.vfs);
    REQUIRE(h >= 0);
    c.self = h;
    std::int64_t before = now();
    CHECK(hclose(h) == 0);
    CHECK(c.closes == 1);
    CHECK(c.blocking_rc == -1);
    CHECK(c.blocking_errno == ECANCELED);
    CHECK(now() == before);
    // The closer itself is not cancelled afterwards.
    CHECK(msleep(now() + 5) == 0);
    CHECK(now() == before + 5);
  });
  CHECK(run.finished);
  CHECK(run.handles_after == 0);
}

TEST_CASE("a user object appears in the trace as an object of kind user, opened and closed") {
  Recorder recorder;
  auto run = run_virtual(
      [] {
        int ch[2];
        REQUIRE(chmake(ch) == 0);
        Counter c = make_counter();
        int h = hmake(&c.vfs);
        REQUIRE(h >= 0);
        CHECK(hclose(h) == 0);
        CHECK(hclose(ch[0]) == 0);
        CHECK(hclose(ch[1]) == 0);
      },
      1000, &recorder);
  CHECK(run.finished);
  CHECK(recorder.lines == std::vector<std::string>{"object_open channel 1", "object_open user 2",
                                                   "object_close user 2", "object_close channel 1"});
}
