// choose: the first clause that can complete, in order; blocking on all of
// them; deadlines; clause errors reported with the clause's index.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdill.h>

#include <catch2/catch.hpp>


using canopy::testing::run_virtual;

namespace {
coroutine void send_later(int ch, int value, int64_t at) {
  msleep(at);
  chsend(ch, &value, sizeof value, -1);
}
coroutine void recv_and_drop(int ch) {
  int v;
  chrecv(ch, &v, sizeof v, -1);
}
}  // namespace

TEST_CASE("choose takes the first clause that can complete now, in the caller's order") {
  auto run = run_virtual([] {
    int a[2], b[2];
    chmake(a);
    chmake(b);
    int ra = go(recv_and_drop(a[0]));
    int rb = go(recv_and_drop(b[0]));
    int x = 1, y = 2;
    struct chclause cl[] = {{CHSEND, b[1], &y, sizeof y}, {CHSEND, a[1], &x, sizeof x}};
    CHECK(choose(cl, 2, 0) == 0);
    CHECK(errno == 0);
    CHECK(choose(cl, 2, 0) == 1);
    CHECK(choose(cl, 2, 0) == -1);
    CHECK(errno == ETIMEDOUT);
    hclose(ra);
    hclose(rb);
    hclose(a[0]); hclose(a[1]); hclose(b[0]); hclose(b[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("choose blocks until any clause completes and says which") {
  auto run = run_virtual([] {
    int a[2], b[2];
    chmake(a);
    chmake(b);
    int sa = go(send_later(a[1], 10, now() + 300));
    int sb = go(send_later(b[1], 20, now() + 100));
    int va = 0, vb = 0;
    struct chclause cl[] = {{CHRECV, a[0], &va, sizeof va}, {CHRECV, b[0], &vb, sizeof vb}};
    CHECK(choose(cl, 2, -1) == 1);
    CHECK(vb == 20);
    CHECK(now() == 1100);
    CHECK(choose(cl, 2, now() + 100) == -1);
    CHECK(errno == ETIMEDOUT);
    CHECK(now() == 1200);
    CHECK(choose(cl, 2, -1) == 0);
    CHECK(va == 10);
    CHECK(now() == 1300);
    hclose(sa);
    hclose(sb);
    hclose(a[0]); hclose(a[1]); hclose(b[0]); hclose(b[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("a clause that fails returns its index with errno set") {
  auto run = run_virtual([] {
    int a[2], b[2];
    chmake(a);
    chmake(b);
    chdone(b[1]);
    int v;
    struct chclause cl[] = {{CHRECV, a[0], &v, sizeof v}, {CHRECV, b[0], &v, sizeof v}};
    CHECK(choose(cl, 2, -1) == 1);
    CHECK(errno == EPIPE);
    hclose(a[0]); hclose(a[1]); hclose(b[0]); hclose(b[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("choose rejects bad clauses before doing anything") {
  auto run = run_virtual([] {
    int a[2];
    chmake(a);
    int v;
    struct chclause bad_op[] = {{7, a[0], &v, sizeof v}};
    CHECK(choose(bad_op, 1, 0) == -1);
    CHECK(errno == EINVAL);
    struct chclause bad_handle[] = {{CHRECV, a[0], &v, sizeof v}, {CHRECV, 4242, &v, sizeof v}};
    CHECK(choose(bad_handle, 2, 0) == -1);
    CHECK(errno == EBADF);
    CHECK(choose(nullptr, -1, 0) == -1);
    CHECK(errno == EINVAL);
    // No clause at all: only the deadline can end it.
    CHECK(choose(nullptr, 0, now() + 40) == -1);
    CHECK(errno == ETIMEDOUT);
    CHECK(now() == 1040);
    hclose(a[0]); hclose(a[1]);
  });
  CHECK(run.finished);
}
