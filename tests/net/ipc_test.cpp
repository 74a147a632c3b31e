// UNIX-domain sockets (IPC) in a temporary directory, and descriptor passing.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <string>

#include "net_support.hpp"

using nettest::soon;

namespace {
coroutine void receive_into(int s, char* buf, size_t len, int* rc, int* err) {
  *rc = brecv(s, buf, len, soon());
  *err = *rc ? errno : 0;
}
}  // namespace

TEST_CASE("ipc_listen, ipc_connect and ipc_accept connect over a path") {
  nettest::TempDir dir;
  std::string path = dir.file("s");
  int l = ipc_listen(path.c_str(), 4);
  REQUIRE(l >= 0);
  int c = ipc_connect(path.c_str(), soon());
  REQUIRE(c >= 0);
  int a = ipc_accept(l, soon());
  REQUIRE(a >= 0);
  REQUIRE(bsend(c, "unix", 4, soon()) == 0);
  char buf[4];
  CHECK(brecv(a, buf, 4, soon()) == 0);
  CHECK(std::string(buf, 4) == "unix");
  REQUIRE(ipc_done(a, soon()) == 0);
  CHECK(brecv(c, buf, 1, soon()) == -1);
  CHECK(errno == EPIPE);
  CHECK(ipc_close(c, soon()) == 0);
  hclose(a);
  hclose(l);
}

TEST_CASE("ipc_listen on a path that exists fails with EADDRINUSE; a too long one with ENAMETOOLONG") {
  nettest::TempDir dir;
  std::string path = dir.file("s");
  int l = ipc_listen(path.c_str(), 4);
  REQUIRE(l >= 0);
  CHECK(ipc_listen(path.c_str(), 4) == -1);
  CHECK(errno == EADDRINUSE);
  std::string long_path = dir.path + "/" + std::string(200, 'x');
  CHECK(ipc_listen(long_path.c_str(), 4) == -1);
  CHECK(errno == ENAMETOOLONG);
  CHECK(ipc_connect(long_path.c_str(), soon()) == -1);
  CHECK(errno == ENAMETOOLONG);
  CHECK(ipc_listen(nullptr, 4) == -1);
  CHECK(errno == EINVAL);
  hclose(l);
}

TEST_CASE("ipc_connect to a missing path fails with ENOENT, to a dead socket with ECONNREFUSED") {
  nettest::TempDir dir;
  std::string path = dir.file("s");
  CHECK(ipc_connect(path.c_str(), soon()) == -1);
  CHECK(errno == ENOENT);
  int l = ipc_listen(path.c_str(), 4);
  REQUIRE(l >= 0);
  hclose(l);  // the path stays, nobody listens
  CHECK(ipc_connect(path.c_str(), soon()) == -1);
  CHECK(errno == ECONNREFUSED);
}

TEST_CASE("closing a coroutine blocked in ipc_accept makes it fail with ECANCELED") {
  nettest::TempDir dir;
  std::string path = dir.file("s");
  int l = ipc_listen(path.c_str(), 4);
  REQUIRE(l >= 0);
  int rc = 0, err = 0;
  int cr = go(([&] {
    rc = ipc_accept(l, soon());
    err = errno;
  }()));
  REQUIRE(msleep(now() + 10) == 0);
  CHECK(hclose(cr) == 0);
  CHECK(rc == -1);
  CHECK(err == ECANCELED);
  hclose(l);
}

TEST_CASE("an ipc pair carries bytes, and a skipped range is dropped") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  REQUIRE(bsend(s[0], "ABCDEFGHIJ", 10, soon()) == 0);
  char buf[3];
  REQUIRE(brecv(s[1], buf, 3, soon()) == 0);
  CHECK(std::string(buf, 3) == "ABC");
  REQUIRE(brecv(s[1], nullptr, 3, soon()) == 0);
  REQUIRE(brecv(s[1], buf, 3, soon()) == 0);
  CHECK(std::string(buf, 3) == "GHI");
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("ipc_sendfd passes a descriptor in order with the bytes around it") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  int sp[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
  REQUIRE(bsend(s[0], "ABC", 3, soon()) == 0);
  REQUIRE(ipc_sendfd(s[0], sp[0], soon()) == 0);
  REQUIRE(bsend(s[0], "DEF", 3, soon()) == 0);
  char buf[3];
  REQUIRE(brecv(s[1], buf, 3, soon()) == 0);
  CHECK(std::string(buf, 3) == "ABC");
  int passed = ipc_recvfd(s[1], soon());
  REQUIRE(passed >= 0);
  REQUIRE(brecv(s[1], buf, 3, soon()) == 0);
  CHECK(std::string(buf, 3) == "DEF");
  // The passed descriptor is the same socket as sp[0].
  REQUIRE(write(passed, "!", 1) == 1);
  char c = 0;
  REQUIRE(read(sp[1], &c, 1) == 1);
  CHECK(c == '!');
  close(passed);
  close(sp[0]);
  close(sp[1]);
  CHECK(ipc_sendfd(s[0], -1, soon()) == -1);
  CHECK(errno == EINVAL);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("ipc_recvfd where the next byte carries no descriptor fails with EPROTO") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  REQUIRE(bsend(s[0], "x", 1, soon()) == 0);
  CHECK(ipc_recvfd(s[1], soon()) == -1);
  CHECK(errno == EPROTO);
  hclose(s[0]);
  hclose(s[1]);
}

TEST_CASE("ipc calls on a TCP handle fail with ENOTSUP") {
  struct ipaddr where;
  int l = nettest::loopback_listener(where);
  REQUIRE(l >= 0);
  int c = tcp_connect(&where, soon());
  REQUIRE(c >= 0);
  CHECK(ipc_sendfd(c, 0, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(ipc_close(c, soon()) == -1);
  CHECK(errno == ENOTSUP);
  CHECK(ipc_accept(l, soon()) == -1);
  CHECK(errno == ENOTSUP);
  hclose(c);
  hclose(l);
}

TEST_CASE("ipc_close gives ECONNRESET after the peer vanished while we sent") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  REQUIRE(bsend(s[1], "pending", 7, soon()) == 0);
  hclose(s[1]);
  char block[4096] = {};
  int rc = 0;
  for (int i = 0; i != 1000 && rc == 0; ++i) rc = bsend(s[0], block, sizeof block, soon());
  CHECK(rc == -1);
  CHECK(errno == ECONNRESET);
  CHECK(ipc_close(s[0], soon()) == -1);
  CHECK(errno == ECONNRESET);
}

TEST_CASE("ipc_close with a deadline gives ETIMEDOUT while the peer keeps sending") {
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  bool stop = false;
  int sender = go(([&] {
    char block[512] = {};
    while (!stop && bsend(s[1], block, sizeof block, soon()) == 0) msleep(now() + 1);
  }()));
  CHECK(ipc_close(s[0], now() + 50) == -1);
  CHECK(errno == ETIMEDOUT);
  stop = true;
  hclose(sender);
  hclose(s[1]);
}

TEST_CASE("ipc_fromfd adopts one end of a socketpair; a TCP socket is EINVAL") {
  int sp[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
  int s = ipc_fromfd(sp[0]);
  REQUIRE(s >= 0);
  REQUIRE(write(sp[1], "fd", 2) == 2);
  char buf[2];
  CHECK(brecv(s, buf, 2, soon()) == 0);
  CHECK(std::string(buf, 2) == "fd");
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(ipc_fromfd(tcp) == -1);
  CHECK(errno == EINVAL);
  close(tcp);
  hclose(s);
  close(sp[1]);
}

TEST_CASE("ipc_pair_mem builds both ends in the caller's storage") {
  struct ipc_pair_storage mem;
  int s[2];
  REQUIRE(ipc_pair_mem(&mem, s) == 0);
  int rc = 1, err = 0;
  char buf[4];
  int cr = bundle();
  REQUIRE(cr >= 0);
  REQUIRE(bundle_go(cr, receive_into(s[1], buf, 4, &rc, &err)) == 0);
  REQUIRE(bsend(s[0], "pair", 4, soon()) == 0);
  REQUIRE(bundle_wait(cr, soon()) == 0);
  hclose(cr);
  CHECK(rc == 0);
  CHECK(std::string(buf, 4) == "pair");
  hclose(s[0]);
  hclose(s[1]);
}
