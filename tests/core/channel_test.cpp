// Unbuffered channels: rendezvous, lengths, deadlines, FIFO service of
// waiters, and ending a channel with chdone/hdone.
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

std::string err_name(int e) {
  switch (e) {
    case EPIPE: return "EPIPE";
    case ECANCELED: return "ECANCELED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EMSGSIZE: return "EMSGSIZE";
    case EBADF: return "EBADF";
    default: return std::to_string(e);
  }
}

coroutine void send_one(const char* name, int ch, int value) {
  int rc = chsend(ch, &value, sizeof value, -1);
  record.push_back(std::string(name) + (rc == 0 ? " sent" : " send " + err_name(errno)));
}

coroutine void recv_one(const char* name, int ch) {
  int value = 0;
  int rc = chrecv(ch, &value, sizeof value, -1);
  record.push_back(std::string(name) + (rc == 0 ? " got " + std::to_string(value) : " recv " + err_name(errno)) +
                   " at " + std::to_string(now()));
}
}  // namespace

TEST_CASE("a message goes from one end to the other only when both sides meet") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int s = go(send_one("s", ch[1], 7));
    record.push_back("sender blocked");
    msleep(now() + 100);
    int v = 0;
    CHECK(chrecv(ch[0], &v, sizeof v, -1) == 0);
    CHECK(v == 7);
    // And the other direction: ends are symmetric.
    int r = go(recv_one("r", ch[1]));
    int w = 9;
    CHECK(chsend(ch[0], &w, sizeof w, -1) == 0);
    yield();
    hclose(s);
    hclose(r);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"sender blocked", "s sent", "r got 9 at 1100"});
}

TEST_CASE("deadline 0 succeeds only if the peer already waits, else ETIMEDOUT") {
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    int v = 1;
    CHECK(chsend(ch[1], &v, sizeof v, 0) == -1);
    CHECK(errno == ETIMEDOUT);
    CHECK(chrecv(ch[0], &v, sizeof v, 0) == -1);
    CHECK(errno == ETIMEDOUT);
    int s = go(send_one("s", ch[1], 5));
    CHECK(chrecv(ch[0], &v, sizeof v, 0) == 0);
    CHECK(v == 5);
    hclose(s);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("a receive with a deadline times out exactly then") {
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    int v;
    CHECK(chrecv(ch[0], &v, sizeof v, now() + 250) == -1);
    CHECK(errno == ETIMEDOUT);
    CHECK(now() == 1250);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("waiting senders and receivers are served first in, first out") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    int a = go(recv_one("a", ch[0]));
    int b = go(recv_one("b", ch[0]));
    int c = go(recv_one("c", ch[0]));
    for (int i = 1; i <= 3; ++i) {
      CHECK(chsend(ch[1], &i, sizeof i, -1) == 0);
    }
    msleep(now() + 1);
    hclose(a);
    hclose(b);
    hclose(c);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"a got 1 at 1000", "b got 2 at 1000", "c got 3 at 1000"});
}

TEST_CASE("a length mismatch fails both sides with EMSGSIZE") {
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    record.clear();
    int r = go(recv_one("r", ch[0]));
    long big = 1;
    CHECK(chsend(ch[1], &big, sizeof big, -1) == -1);
    CHECK(errno == EMSGSIZE);
    yield();
    CHECK(record == Record{"r recv EMSGSIZE at 1000"});
    hclose(r);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("chdone ends the channel from one side: EPIPE for every receiver, blocked or later") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    int a = go(recv_one("a", ch[0]));
    int b = go(recv_one("b", ch[0]));
    msleep(now() + 10);
    CHECK(chdone(ch[1]) == 0);
    yield();
    record.push_back("later");
    int v;
    CHECK(chrecv(ch[0], &v, sizeof v, -1) == -1);
    CHECK(errno == EPIPE);
    // Sends from the ended side fail too; the other direction still works
    // until it is ended as well.
    CHECK(chsend(ch[1], &v, sizeof v, 0) == -1);
    CHECK(errno == EPIPE);
    CHECK(chsend(ch[0], &v, sizeof v, 0) == -1);
    CHECK(errno == ETIMEDOUT);
    CHECK(chdone(ch[1]) == -1);
    CHECK(errno == EPIPE);
    hclose(a);
    hclose(b);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"a recv EPIPE at 1010", "b recv EPIPE at 1010", "later"});
}

TEST_CASE("hdone as the seed documents spell it ends a channel; other handles get ENOTSUP") {
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    CHECK(hdone(ch[1], -1) == 0);
    int v;
    CHECK(chrecv(ch[0], &v, sizeof v, 0) == -1);
    CHECK(errno == EPIPE);
    int b = bundle();
    CHECK(hdone(b, -1) == -1);
    CHECK(errno == ENOTSUP);
    CHECK(hdone(-5, -1) == -1);
    CHECK(errno == EBADF);
    hclose(b);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
}

TEST_CASE("closing one end wakes everyone waiting on the channel with EPIPE") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    chmake(ch);
    int r = go(recv_one("r", ch[0]));
    int s = go(send_one("s", ch[0], 3));
    hclose(ch[1]);
    yield();
    int v;
    CHECK(chrecv(ch[0], &v, sizeof v, -1) == -1);
    CHECK(errno == EPIPE);
    CHECK(chrecv(ch[1], &v, sizeof v, -1) == -1);
    CHECK(errno == EBADF);
    hclose(r);
    hclose(s);
    hclose(ch[0]);
  });
  CHECK(run.finished);
  // Senders into the closed end are woken before receivers from it.
  CHECK(record == Record{"s send EPIPE", "r recv EPIPE at 1000"});
}

TEST_CASE("chmake_mem places the channel in the caller's memory; bad arguments get EINVAL") {
  auto run = run_virtual([] {
    struct chstorage mem;
    int ch[2];
    REQUIRE(chmake_mem(&mem, ch) == 0);
    int s = go(send_one("s", ch[1], 11));
    int v = 0;
    CHECK(chrecv(ch[0], &v, sizeof v, -1) == 0);
    CHECK(v == 11);
    hclose(s);
    hclose(ch[0]);
    hclose(ch[1]);
    CHECK(chmake(nullptr) == -1);
    CHECK(errno == EINVAL);
    CHECK(chmake_mem(nullptr, ch) == -1);
    CHECK(errno == EINVAL);
    CHECK(chsend(999, &v, sizeof v, -1) == -1);
    CHECK(errno == EBADF);
  });
  CHECK(run.finished);
}

namespace {
coroutine void sleep_then_clobber_errno(int64_t deadline) {
  msleep(deadline);
  errno = EBADF;
  record.push_back("sleeper set EBADF");
}

coroutine void recv_until(int ch, int64_t deadline) {
  int value = 0;
  int rc = chrecv(ch, &value, sizeof value, deadline);
  record.push_back(std::string("receiver ") + (rc == 0 ? "got" : err_name(errno)) + " at " +
                   std::to_string(now()));
}
}  // namespace

TEST_CASE("a receive that switched out and times out sets errno when it resumes, not when woken") {
  // Both deadlines fire in one poll; the sleeper, armed first, runs first and
  // writes errno after the receiver was woken but before it resumes.
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int sleeper = go(sleep_then_clobber_errno(now() + 100));
    int receiver = go(recv_until(ch[0], now() + 100));
    msleep(now() + 200);
    hclose(sleeper);
    hclose(receiver);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"sleeper set EBADF", "receiver ETIMEDOUT at 1100"});
}

TEST_CASE("a receive that switched out and is cancelled fails with ECANCELED") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int receiver = go(recv_one("r", ch[0]));
    msleep(now() + 30);
    hclose(receiver);
    record.push_back("closed");
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"r recv ECANCELED at 1030", "closed"});
}

TEST_CASE("a send that switched out fails with EPIPE when its channel is done") {
  record.clear();
  auto run = run_virtual([] {
    int ch[2];
    REQUIRE(chmake(ch) == 0);
    int sender = go(send_one("s", ch[1], 5));
    msleep(now() + 10);
    CHECK(chdone(ch[1]) == 0);
    msleep(now() + 10);
    hclose(sender);
    hclose(ch[0]);
    hclose(ch[1]);
  });
  CHECK(run.finished);
  CHECK(record == Record{"s send EPIPE"});
}
