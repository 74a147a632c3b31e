// PREFIX: size-prefixed messages over a bytestream, including what a
// hostile or broken peer can do to it.
#include "proto_support.hpp"

#include <vector>

using namespace proto_test;

namespace {

coroutine void echo_messages(int s, int count) {
  char buf[256];
  for (int i = 0; i < count; ++i) {
    ssize_t n = mrecv(s, buf, sizeof buf, soon());
    if (n < 0 || msend(s, buf, static_cast<size_t>(n), soon()) < 0) return;
  }
}

coroutine void blocked_receiver(int s, int* result_errno) {
  char buf[16];
  ssize_t n = mrecv(s, buf, sizeof buf, soon());
  *result_errno = n < 0 ? errno : 0;
}

}  // namespace

TEST_CASE("a message goes as its size in four big-endian bytes, then its bytes") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, PREFIX_BIG_ENDIAN);
  REQUIRE(s >= 0);
  REQUIRE(msend(s, "hello", 5, soon()) == 0);
  CHECK(recv_raw(p.s[1], 9) == std::string("\0\0\0\5hello", 9));
  hclose(s);
}

TEST_CASE("with PREFIX_LITTLE_ENDIAN the size goes least significant byte first") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 2, PREFIX_LITTLE_ENDIAN);
  REQUIRE(s >= 0);
  std::string big(300, 'x');
  REQUIRE(msend(s, big.data(), big.size(), soon()) == 0);
  CHECK(recv_raw(p.s[1], 2) == std::string("\x2c\x01", 2));
  CHECK(recv_raw(p.s[1], 300) == big);
  hclose(s);
}

TEST_CASE("messages of every size up to the buffer come back whole from an echoing peer") {
  StreamPair p;
  struct prefix_storage mem;
  int a = prefix_attach_mem(p.take(0), 4, 0, &mem);
  int b = prefix_attach(p.take(1), 4, 0);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  int echo = go(echo_messages(b, 256));
  REQUIRE(echo >= 0);
  std::vector<char> out(256), in(256);
  for (size_t len = 0; len < 256; ++len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<char>(len + i);
    REQUIRE(msend(a, out.data(), len, soon()) == 0);
    ssize_t n = mrecv(a, in.data(), in.size(), soon());
    REQUIRE(n == static_cast<ssize_t>(len));
    CHECK(std::memcmp(in.data(), out.data(), len) == 0);
  }
  CHECK(bundle_wait(echo, soon()) == 0);
  hclose(echo);
  hclose(a);
  hclose(b);
}

TEST_CASE("a message in pieces of an iolist arrives as one, scattered into the receiver's iolist") {
  StreamPair p;
  int a = prefix_attach(p.take(0), 1, 0);
  int b = prefix_attach(p.take(1), 1, 0);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  char x[] = "ab", y[] = "cde";
  struct iolist out2 = {y, 3, nullptr, 0};
  struct iolist out1 = {x, 2, &out2, 0};
  REQUIRE(msendl(a, &out1, &out2, soon()) == 0);
  char r1[1], r2[10];
  struct iolist in2 = {r2, sizeof r2, nullptr, 0};
  struct iolist in1 = {r1, sizeof r1, &in2, 0};
  REQUIRE(mrecvl(b, &in1, &in2, soon()) == 5);
  CHECK(std::string(r1, 1) + std::string(r2, 4) == "abcde");
  hclose(a);
  hclose(b);
}

TEST_CASE("a frame larger than the receiver's buffer fails with EMSGSIZE and leaves the socket broken") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, 0);
  REQUIRE(s >= 0);
  send_raw(p.s[1], std::string("\0\0\0\x20", 4) + std::string(32, 'z'));
  char buf[16];
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EMSGSIZE);
  // The stream is no longer at a frame boundary: nothing more can be read.
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == ECONNRESET);
  CHECK(prefix_detach(s) == -1);
  CHECK(errno == ECONNRESET);
}

TEST_CASE("a header announcing more than 2^63 bytes is EMSGSIZE, not an allocation or a hang") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 8, 0);
  REQUIRE(s >= 0);
  send_raw(p.s[1], std::string(8, '\xff'));
  CHECK(mrecv(s, nullptr, SIZE_MAX, soon()) == -1);
  CHECK(errno == EMSGSIZE);
  hclose(s);
}

TEST_CASE("a message whose size does not fit the header is refused with EMSGSIZE before anything is sent") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 1, 0);
  REQUIRE(s >= 0);
  std::string big(256, 'x');
  CHECK(msend(s, big.data(), big.size(), soon()) == -1);
  CHECK(errno == EMSGSIZE);
  // The socket is still usable: nothing went out.
  REQUIRE(msend(s, "ok", 2, soon()) == 0);
  CHECK(recv_raw(p.s[1], 3) == std::string("\2ok", 3));
  hclose(s);
}

TEST_CASE("a peer that hangs up in the middle of a frame gives EPIPE") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, 0);
  REQUIRE(s >= 0);
  send_raw(p.s[1], std::string("\0\0\0\x64", 4) + "only ten b");
  hclose(p.take(1));
  char buf[128];
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == ECONNRESET);
  hclose(s);
}

TEST_CASE("a peer that hangs up in the middle of a header gives EPIPE") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, 0);
  REQUIRE(s >= 0);
  send_raw(p.s[1], std::string("\0\0", 2));
  hclose(p.take(1));
  char buf[16];
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == EPIPE);
  hclose(s);
}

TEST_CASE("a TCP reset in the middle of a frame gives ECONNRESET") {
  TcpPair t;
  int s = prefix_attach(t.take(0), 4, 0);
  REQUIRE(s >= 0);
  send_raw(t.s[1], std::string("\0\0\0\x64", 4) + "partial");
  // Unread data at close makes the kernel reset the connection.
  char unread[1] = {'u'};
  REQUIRE(msend(s, unread, 1, soon()) == 0);
  REQUIRE(yield() == 0);
  hclose(t.take(1));
  char buf[128];
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == ECONNRESET);
  hclose(s);
}

TEST_CASE("a receive whose deadline passes mid-frame fails with ETIMEDOUT and the socket stays broken") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, 0);
  REQUIRE(s >= 0);
  send_raw(p.s[1], std::string("\0\0\0\x08", 4) + "half");
  char buf[16];
  CHECK(mrecv(s, buf, sizeof buf, now() + 20) == -1);
  CHECK(errno == ETIMEDOUT);
  send_raw(p.s[1], "rest");
  CHECK(mrecv(s, buf, sizeof buf, soon()) == -1);
  CHECK(errno == ECONNRESET);
  hclose(s);
}

TEST_CASE("closing a coroutine blocked in mrecv on a prefix socket cancels it with ECANCELED") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, 0);
  REQUIRE(s >= 0);
  int result = -1;
  int h = go(blocked_receiver(s, &result));
  REQUIRE(h >= 0);
  REQUIRE(hclose(h) == 0);
  CHECK(result == ECANCELED);
  hclose(s);
}

TEST_CASE("prefix_attach refuses a header of 0 or 9 bytes with EINVAL and closes the socket") {
  for (size_t bad : {size_t{0}, size_t{9}}) {
    StreamPair p;
    int u = p.take(0);
    CHECK(prefix_attach(u, bad, 0) == -1);
    CHECK(errno == EINVAL);
    // The socket was taken over and closed.
    CHECK(hclose(u) == -1);
    CHECK(errno == EBADF);
  }
}

TEST_CASE("prefix over a message socket is EPROTO, on a bad handle EBADF and without storage EINVAL") {
  StreamPair p;
  int m = prefix_attach(p.take(0), 4, 0);
  REQUIRE(m >= 0);
  CHECK(prefix_attach(m, 4, 0) == -1);
  CHECK(errno == EPROTO);
  CHECK(prefix_attach(12345, 4, 0) == -1);
  CHECK(errno == EBADF);
  CHECK(prefix_attach_mem(p.take(1), 4, 0, nullptr) == -1);
  CHECK(errno == EINVAL);
  CHECK(prefix_detach(12345) == -1);
  CHECK(errno == EBADF);
}

TEST_CASE("prefix_detach hands the bytestream back at a frame boundary, usable as before") {
  StreamPair p;
  int s = prefix_attach(p.take(0), 4, 0);
  REQUIRE(s >= 0);
  REQUIRE(msend(s, "x", 1, soon()) == 0);
  int u = prefix_detach(s);
  REQUIRE(u >= 0);
  CHECK(hclose(s) == -1);  // the prefix handle is gone
  REQUIRE(bsend(u, "raw", 3, soon()) == 0);
  CHECK(recv_raw(p.s[1], 8) == std::string("\0\0\0\1xraw", 8));
  hclose(u);
}

TEST_CASE("a round trip of prefixed messages over a loopback TCP connection") {
  TcpPair t;
  int a = prefix_attach(t.take(0), 4, 0);
  int b = prefix_attach(t.take(1), 4, 0);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  int echo = go(echo_messages(b, 1));
  REQUIRE(msend(a, "over tcp", 8, soon()) == 0);
  char buf[16];
  REQUIRE(mrecv(a, buf, sizeof buf, soon()) == 8);
  CHECK(std::string(buf, 8) == "over tcp");
  CHECK(bundle_wait(echo, soon()) == 0);
  hclose(echo);
  hclose(a);
  hclose(b);
}

TEST_CASE("mrecvl with an empty list drops one message and the next one arrives whole") {
  StreamPair p;
  int a = prefix_attach(p.take(0), 4, PREFIX_BIG_ENDIAN);
  int b = prefix_attach(p.take(1), 4, PREFIX_BIG_ENDIAN);
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  REQUIRE(msend(a, "first", 5, soon()) == 0);
  REQUIRE(msend(a, "second", 6, soon()) == 0);
  CHECK(mrecvl(b, nullptr, nullptr, soon()) == 5);
  char buf[16];
  CHECK(mrecv(b, buf, sizeof buf, soon()) == 6);
  CHECK(std::string(buf, 6) == "second");
  struct iolist only{buf, sizeof buf, nullptr, 0};
  CHECK(mrecvl(b, nullptr, &only, soon()) == -1);
  CHECK(errno == EINVAL);
  CHECK(msendl(a, nullptr, nullptr, soon()) == -1);
  CHECK(errno == EINVAL);
  hclose(a);
  hclose(b);
}
