// SUFFIX (delimited messages) and TERM (a terminal message ending each
// direction), alone and stacked as HTTP stacks them.
#include "proto_support.hpp"

using namespace proto_test;

TEST_CASE("a suffixed message goes as its bytes then the delimiter, and comes back without it") {
  StreamPair p;
  int a = suffix_attach(p.take(0), "\r\n", 2);
  REQUIRE(a >= 0);
  REQUIRE(msend(a, "GET", 3, soon()) == 0);
  CHECK(recv_raw(p.s[1], 5) == "GET\r\n");
  send_raw(p.s[1], "line one\r\nx\r\n\r\n");
  char buf[32];
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 8);
  CHECK(std::string(buf, 8) == "line one");
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 1);
  CHECK(buf[0] == 'x');
  CHECK(mrecv(a, buf, sizeof buf, soon()) == 0);
  hclose(a);
}

TEST_CASE("a delimiter split across reads and a near-miss of it are found exactly") {
  StreamPair p;
  struct suffix_storage mem;
  int a = suffix_attach_mem(p.take(0), "ab!", 3, &mem);
  REQUIRE(a >= 0);
  send_raw(p.s[1], "xaab");
  send_raw(p.s[1], "ab!");
  char buf[16];
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 4);
  CHECK(std::string(buf, 4) == "xaab");
  hclose(a);
}

TEST_CASE("no delimiter within the receiver's buffer is EMSGSIZE, then ECONNRESET") {
  StreamPair p;
  int a = suffix_attach(p.take(0), "\n", 1);
  REQUIRE(a >= 0);
  send_raw(p.s[1], "0123456789abcdef\n");
  char buf[8];
  CHECK(mrecv(a, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EMSGSIZE);
  CHECK(mrecv(a, buf, sizeof buf, soon()) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(suffix_detach(a, soon()) == -1);
  CHECK(errno == ECONNRESET);
}

TEST_CASE("a peer hanging up before the delimiter gives EPIPE") {
  StreamPair p;
  int a = suffix_attach(p.take(0), "\n", 1);
  REQUIRE(a >= 0);
  send_raw(p.s[1], "no end");
  hclose(p.take(1));
  char buf[16];
  CHECK(mrecv(a, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EPIPE);
  hclose(a);
}

TEST_CASE("suffix_attach refuses an empty or 33-byte delimiter and a message socket below") {
  StreamPair p;
  CHECK(suffix_attach(p.take(0), "", 0) == -1);
  CHECK(errno == EINVAL);
  std::string long_suffix(33, '-');
  StreamPair q;
  CHECK(suffix_attach(q.take(0), long_suffix.data(), long_suffix.size()) == -1);
  CHECK(errno == EINVAL);
  int m = suffix_attach(p.take(1), "\n", 1);
  REQUIRE(m >= 0);
  CHECK(suffix_attach(m, "\n", 1) == -1);
  CHECK(errno == EPROTO);
}

TEST_CASE("suffix_detach returns the stream right after the last delimiter") {
  StreamPair p;
  int a = suffix_attach(p.take(0), "|", 1);
  REQUIRE(a >= 0);
  send_raw(p.s[1], "msg|raw");
  char buf[8];
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 3);
  int u = suffix_detach(a, soon());
  REQUIRE(u >= 0);
  CHECK(recv_raw(u, 3) == "raw");
  hclose(u);
}

TEST_CASE("term ends each direction with its terminal message, after which mrecv gives EPIPE") {
  StreamPair p;
  int a = term_attach(prefix_attach(p.take(0), 1, 0), "END", 3);
  int b = term_attach(prefix_attach(p.take(1), 1, 0), "END", 3);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  REQUIRE(msend(a, "data", 4, soon()) == 0);
  REQUIRE(term_done(a, soon()) == 0);
  CHECK(msend(a, "late", 4, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(term_done(a, soon()) == -1);
  CHECK(errno == EPIPE);
  char buf[8];
  REQUIRE(mrecv(b, buf, sizeof buf, soon()) == 4);
  CHECK(mrecv(b, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EPIPE);
  // b can still send: only a's direction has ended.
  REQUIRE(msend(b, "back", 4, soon()) == 0);
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 4);
  // A message like the terminal one but longer is data.
  REQUIRE(msend(b, "END!", 4, soon()) == 0);
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 4);
  int ub = term_detach(b, soon());
  REQUIRE(ub >= 0);
  int ua = term_detach(a, soon());
  REQUIRE(ua >= 0);
  hclose(ua);
  hclose(ub);
}

TEST_CASE("a terminal message longer than the receiver's buffer is still recognised") {
  StreamPair p;
  int a = term_attach(prefix_attach(p.take(0), 1, 0), "GOODBYE", 7);
  int b = term_attach(prefix_attach(p.take(1), 1, 0), "GOODBYE", 7);
  REQUIRE(msend(a, "hi", 2, soon()) == 0);
  REQUIRE(term_done(a, soon()) == 0);
  char small[2];
  REQUIRE(mrecv(b, small, sizeof small, soon()) == 2);
  CHECK(std::string(small, 2) == "hi");
  char four[4];
  CHECK(mrecv(b, four, sizeof four, soon()) == -1);
  CHECK(errno == EPIPE);
  hclose(a);
  hclose(b);
}

TEST_CASE("term_detach drops what comes until the peer's terminal message, within its deadline") {
  StreamPair p;
  int a = term_attach(prefix_attach(p.take(0), 1, 0), "", 0);
  int b = term_attach(prefix_attach(p.take(1), 1, 0), "", 0);
  REQUIRE(msend(b, "unread", 6, soon()) == 0);
  // The peer has not ended: the detach waits, and its deadline ends it.
  CHECK(term_detach(a, now() + 20) == -1);
  CHECK(errno == ETIMEDOUT);
  hclose(b);
}

TEST_CASE("term over a bytestream is EPROTO, and a terminal message over 32 bytes EINVAL") {
  StreamPair p;
  CHECK(term_attach(p.take(0), "x", 1) == -1);
  CHECK(errno == EPROTO);
  std::string long_term(33, 'x');
  CHECK(term_attach(prefix_attach(p.take(1), 1, 0), long_term.data(), long_term.size()) == -1);
  CHECK(errno == EINVAL);
}
