// choose: the first clause that can complete, in order; blocking on all of
// them; deadlines; clause errors reported with the clause's index.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <libdill.h>

#include <canopy/runtime/event.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <vector>


using canopy::testing::run_virtual;
using Record = std::vector<std::string>;

namespace {
coroutine void send_later(int ch, int value, int64_t at) {
  msleep(at);
  chsend(ch, &value, sizeof value, -1);
}
coroutine void recv_and_drop(int ch) {
  int v;
  chrecv(ch, &v, sizeof v, -1);
}

Record record;

std::string err_name(int e) {
  switch (e) {
    case 0: return "0";
    case EPIPE: return "EPIPE";
    case ECANCELED: return "ECANCELED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EBADF: return "EBADF";
    default: return std::to_string(e);
  }
}

// A choose that receives on `a`, and on `b` too unless it is -1, blocks
// (another coroutine is ready, so it switches out with no frame of its
// own) and records how it ended.
coroutine void choose_recv(int a, int b, int64_t deadline) {
  int values[2] = {0, 0};
  struct chclause cl[] = {{CHRECV, a, &values[0], sizeof(int)}, {CHRECV, b, &values[1], sizeof(int)}};
  int rc = choose(cl, b < 0 ? 1 : 2, deadline);
  int e = errno;
  record.push_back("chooser " + std::to_string(rc) + (rc >= 0 ? " got " + std::to_string(values[rc]) : "") +
                   " errno " + err_name(e) + " at " + std::to_string(now()));
}

// Sends to a waiting receiver, which makes it ready, then leaves errno set
// for whoever runs next.
coroutine void send_then_clobber_errno(int ch, int value) {
  chsend(ch, &value, sizeof value, -1);
  errno = EBADF;
  record.push_back("sender set EBADF");
}

coroutine void sleep_then_clobber_errno(int64_t deadline) {
  msleep(deadline);
  errno = EBADF;
  record.push_back("sleeper set EBADF");
}

// Ignores every event: observed, the runtime takes its general paths, on
// which a blocked call waits in a frame of its own instead of parking.
struct IgnoreEvents final : canopy::runtime::Observer {
  void record(const canopy::runtime::Event&) override {}
};

// The record of a choose_recv of `clauses` (1 or 2) on new channels, with
// a deadline `deadline_after_ms` from now (-1: none) and `before` started
// first, while main does `then` with the channels (int[2][2]); main then
// closes the chooser. Run unobserved (the chooser parks) and observed (it
// waits in a frame): the two records must agree.
template <class Before, class Then>
Record blocked_chooser_story(int clauses, int64_t deadline_after_ms, Before before, Then then) {
  Record records[2];
  for (bool observed : {false, true}) {
    CAPTURE(observed);
    record.clear();
    IgnoreEvents ignore;
    auto run = run_virtual(
        [&] {
          int ch[2][2];
          REQUIRE(chmake(ch[0]) == 0);
          REQUIRE(chmake(ch[1]) == 0);
          int first = before();
          int chooser = go(choose_recv(ch[0][0], clauses == 2 ? ch[1][0] : -1,
                                       deadline_after_ms < 0 ? -1 : now() + deadline_after_ms));
          then(ch);
          if (first >= 0) hclose(first);
          hclose(chooser);
          record.push_back("chooser closed");
          for (auto& c : ch) {
            hclose(c[0]);
            hclose(c[1]);
          }
        },
        1000, observed ? &ignore : nullptr);
    CHECK(run.finished);
    records[observed] = record;
  }
  CHECK(records[0] == records[1]);
  return records[0];
}

constexpr auto nothing_first = [] { return -1; };
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

// A choose of one or two clauses that blocks while another coroutine is
// ready switches out with no frame of its own; these check that what it
// returns, and errno, are as if it had waited in a frame.

TEST_CASE("a choose that switched out returns its clause's index with errno 0 though its waker set errno") {
  for (int clauses : {1, 2}) {
    CAPTURE(clauses);
    int last = clauses - 1;
    Record r = blocked_chooser_story(clauses, -1, nothing_first, [last](int ch[2][2]) {
      msleep(now() + 10);
      int sender = go(send_then_clobber_errno(ch[last][1], 7));
      msleep(now() + 10);
      hclose(sender);
    });
    CHECK(r == Record{"sender set EBADF", "chooser " + std::to_string(last) + " got 7 errno 0 at 1010",
                      "chooser closed"});
  }
}

TEST_CASE("a choose of two that switched out and completed leaves no clause queued") {
  // The clause on the first channel went away with the call: a send there
  // finds no receiver.
  Record r = blocked_chooser_story(2, -1, nothing_first, [](int ch[2][2]) {
    msleep(now() + 10);
    int value = 3;
    CHECK(chsend(ch[1][1], &value, sizeof value, -1) == 0);
    msleep(now() + 10);
    CHECK(chsend(ch[0][1], &value, sizeof value, 0) == -1);
    CHECK(errno == ETIMEDOUT);
  });
  CHECK(r == Record{"chooser 1 got 3 errno 0 at 1010", "chooser closed"});
}

TEST_CASE("a choose that switched out reports its done channel as the clause's index with EPIPE") {
  for (int clauses : {1, 2}) {
    CAPTURE(clauses);
    int last = clauses - 1;
    Record r = blocked_chooser_story(clauses, -1, nothing_first, [last](int ch[2][2]) {
      msleep(now() + 10);
      CHECK(chdone(ch[last][1]) == 0);
      errno = EBADF;
      msleep(now() + 10);
    });
    CHECK(r == Record{"chooser " + std::to_string(last) + " got 0 errno EPIPE at 1010", "chooser closed"});
  }
}

TEST_CASE("a choose that switched out and times out sets errno when it resumes, not when woken") {
  // Both deadlines fire in one poll; the sleeper, armed first, runs first and
  // writes errno after the chooser was woken but before it resumes.
  for (int clauses : {1, 2}) {
    CAPTURE(clauses);
    Record r = blocked_chooser_story(
        clauses, 100, [] { return go(sleep_then_clobber_errno(now() + 100)); },
        [](int(*)[2]) { msleep(now() + 200); });
    CHECK(r == Record{"sleeper set EBADF", "chooser -1 errno ETIMEDOUT at 1100", "chooser closed"});
  }
}

TEST_CASE("a choose that switched out and is cancelled fails with ECANCELED") {
  for (int clauses : {1, 2}) {
    CAPTURE(clauses);
    Record r = blocked_chooser_story(clauses, -1, nothing_first, [](int(*)[2]) { msleep(now() + 30); });
    CHECK(r == Record{"chooser -1 errno ECANCELED at 1030", "chooser closed"});
  }
}

namespace {
coroutine void send_with_deadline(int ch, int value, int64_t deadline) {
  int rc = chsend(ch, &value, sizeof value, deadline);
  record.push_back("sender " + std::to_string(rc) + " errno " + err_name(rc == 0 ? 0 : errno) + " at " +
                   std::to_string(now()));
}

template <size_t Bytes>
struct Message {
  unsigned char bytes[Bytes];
};

template <size_t Bytes>
coroutine void send_message(int ch, Message<Bytes> m) {
  chsend(ch, &m, sizeof m, -1);
}

// A choose of two receiving, on the second of two channels, a message of
// `Bytes` bytes from a sender already waiting: it arrives whole.
template <size_t Bytes>
void choose_two_receives_whole() {
  auto run = run_virtual([] {
    int idle[2], ch[2];
    REQUIRE(chmake(idle) == 0);
    REQUIRE(chmake(ch) == 0);
    Message<Bytes> sent;
    for (size_t i = 0; i < Bytes; ++i) sent.bytes[i] = static_cast<unsigned char>(i + 1);
    int sender = go(send_message<Bytes>(ch[1], sent));
    Message<Bytes> got{};
    Message<Bytes> never{};
    struct chclause cl[] = {{CHRECV, idle[0], &never, sizeof never}, {CHRECV, ch[0], &got, sizeof got}};
    CHECK(choose(cl, 2, -1) == 1);
    CHECK(errno == 0);
    for (size_t i = 0; i < Bytes; ++i) CHECK(got.bytes[i] == sent.bytes[i]);
    hclose(sender);
    hclose(idle[0]); hclose(idle[1]); hclose(ch[0]); hclose(ch[1]);
  });
  CHECK(run.finished);
}
}  // namespace

TEST_CASE("a choose of two served by a sender waiting with a deadline stops that sender's timer") {
  record.clear();
  auto run = run_virtual([] {
    int idle[2], ch[2];
    REQUIRE(chmake(idle) == 0);
    REQUIRE(chmake(ch) == 0);
    int sender = go(send_with_deadline(ch[1], 7, now() + 100));
    msleep(now() + 10);
    int a = 0, b = 0;
    struct chclause cl[] = {{CHRECV, idle[0], &a, sizeof a}, {CHRECV, ch[0], &b, sizeof b}};
    int rc = choose(cl, 2, -1);
    record.push_back("chooser " + std::to_string(rc) + " got " + std::to_string(b) + " at " + std::to_string(now()));
    msleep(now() + 200);
    record.push_back("main at " + std::to_string(now()));
    hclose(sender);
    hclose(idle[0]); hclose(idle[1]); hclose(ch[0]); hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"chooser 1 got 7 at 1010", "sender 0 errno 0 at 1010", "main at 1210"});
}

TEST_CASE("a choose of two receives messages of every size whole from a waiting sender") {
  choose_two_receives_whole<1>();
  choose_two_receives_whole<2>();
  choose_two_receives_whole<4>();
  choose_two_receives_whole<6>();
  choose_two_receives_whole<8>();
  choose_two_receives_whole<9>();
  choose_two_receives_whole<64>();
}
