// Gather/scatter lists through bsendl/brecvl, and lists that are refused.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "net_support.hpp"

using nettest::soon;

TEST_CASE("bsendl gathers pieces and brecvl scatters them, skipping pieces without a base") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  struct iolist c = {(void*)"GHIJ", 4, nullptr, 0};
  struct iolist b = {(void*)"", 0, &c, 0};
  struct iolist a = {(void*)"ABCDEF", 6, &b, 0};
  REQUIRE(bsendl(s[0], &a, &c, soon()) == 0);
  char x[2], y[5];
  struct iolist r3 = {y, sizeof y, nullptr, 0};
  struct iolist r2 = {nullptr, 3, &r3, 0};
  struct iolist r1 = {x, sizeof x, &r2, 0};
  REQUIRE(brecvl(s[1], &r1, &r3, soon()) == 0);
  CHECK(std::string(x, 2) == "AB");
  CHECK(std::string(y, 5) == "FGHIJ");
  CHECK(r2.iol_rsvd == 0);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("lists with a loop, an unreachable last piece or a null end are EINVAL, untouched") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  struct iolist a = {(void*)"A", 1, nullptr, 0};
  struct iolist b = {(void*)"B", 1, nullptr, 0};
  struct iolist c = {(void*)"C", 1, nullptr, 0};
  CHECK(bsendl(s[0], nullptr, &a, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(bsendl(s[0], &a, nullptr, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(bsendl(s[0], &a, &b, soon()) == -1);  // b is not after a
  CHECK(errno == EINVAL);
  a.iol_next = &b;
  b.iol_next = &a;  // a loop through the last piece
  CHECK(bsendl(s[0], &a, &b, soon()) == -1);
  CHECK(errno == EINVAL);
  a.iol_next = &b;
  b.iol_next = &a;  // a loop that never reaches c
  CHECK(brecvl(s[0], &a, &c, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(a.iol_rsvd == 0);
  CHECK(b.iol_rsvd == 0);
  struct iolist hole = {nullptr, 4, nullptr, 0};  // nothing to send from
  CHECK(bsendl(s[0], &hole, &hole, soon()) == -1);
  CHECK(errno == EINVAL);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("a thousand random gathers arrive as the same bytes through small scatters") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  std::string sent, received;
  unsigned seed = 12345;
  auto next = [&] { return (seed = seed * 1103515245 + 12345) >> 16; };
  int sender = bundle();
  REQUIRE(sender >= 0);
  REQUIRE(bundle_go(sender, ([&] {
    char bufs[3][32];
    for (int i = 0; i != 1000; ++i) {
      struct iolist p[3];
      for (int j = 0; j != 3; ++j) {
        size_t len = next() % 32;
        for (size_t k = 0; k != len; ++k) bufs[j][k] = static_cast<char>('a' + next() % 26);
        sent.append(bufs[j], len);
        p[j] = {bufs[j], len, j < 2 ? &p[j + 1] : nullptr, 0};
      }
      if (bsendl(s[0], &p[0], &p[2], soon()) != 0) break;
    }
    ipc_close(s[0], soon());
  }())) == 0);
  for (int guard = 0; guard != 100000; ++guard) {
    char buf[7];
    struct iolist one = {buf, sizeof buf, nullptr, 0};
    if (brecvl(s[1], &one, &one, soon()) != 0) break;
    received.append(buf, sizeof buf);
  }
  CHECK(errno == EPIPE);
  // The sender's ipc_close waits for this side to end too.
  REQUIRE(ipc_done(s[1], soon()) == 0);
  REQUIRE(bundle_wait(sender, soon()) == 0);
  hclose(sender);
  // The last partial scatter is lost with EPIPE: compare what fitted.
  CHECK(received.size() == sent.size() / 7 * 7);
  CHECK(received == sent.substr(0, received.size()));
  hclose(s[1]);
}
