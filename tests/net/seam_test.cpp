// Every socket call of the network layer goes through the platform's
// Sockets when it has one: that is how the simulator's network replaces the
// kernel's. Here the seam is a recorder that forwards to the kernel (and
// resolves one registered name itself), on the real clock and poller.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "canopy/runtime/embedding.hpp"
#include "canopy/runtime/sockets.hpp"
#include "net_support.hpp"

using nettest::soon;

namespace {

class RecordingSockets final : public canopy::runtime::Sockets {
 public:
  std::map<std::string, int> calls;  // how often each call was made
  std::set<int> open;                // descriptors made here and not closed

  int socket(int domain, int type, int protocol) override {
    return made("socket", ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
  }
  int socketpair(int domain, int type, int protocol, int fds[2]) override {
    ++calls["socketpair"];
    int rc = ::socketpair(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol, fds);
    if (rc == 0) open.insert({fds[0], fds[1]});
    return rc;
  }
  int bind(int fd, const sockaddr* a, socklen_t n) override { return count("bind", ::bind(fd, a, n)); }
  int listen(int fd, int backlog) override { return count("listen", ::listen(fd, backlog)); }
  int accept(int fd, sockaddr* a, socklen_t* n) override {
    return made("accept", ::accept4(fd, a, n, SOCK_NONBLOCK | SOCK_CLOEXEC));
  }
  int connect(int fd, const sockaddr* a, socklen_t n) override {
    return count("connect", ::connect(fd, a, n));
  }
  int getsockopt(int fd, int level, int name, void* v, socklen_t* n) override {
    return count("getsockopt", ::getsockopt(fd, level, name, v, n));
  }
  int setsockopt(int fd, int level, int name, const void* v, socklen_t n) override {
    return count("setsockopt", ::setsockopt(fd, level, name, v, n));
  }
  int getsockname(int fd, sockaddr* a, socklen_t* n) override {
    return count("getsockname", ::getsockname(fd, a, n));
  }
  int getpeername(int fd, sockaddr* a, socklen_t* n) override {
    return count("getpeername", ::getpeername(fd, a, n));
  }
  ssize_t sendmsg(int fd, const msghdr* m, int flags) override {
    ++calls["sendmsg"];
    return ::sendmsg(fd, m, flags | MSG_NOSIGNAL);
  }
  ssize_t recvmsg(int fd, msghdr* m, int flags) override {
    ++calls["recvmsg"];
    return ::recvmsg(fd, m, flags);
  }
  int shutdown(int fd, int how) override { return count("shutdown", ::shutdown(fd, how)); }
  int close(int fd) override {
    ++calls["close"];
    open.erase(fd);
    return ::close(fd);
  }
  int resolve(const char* name, int family, sockaddr_storage* out, int max,
              std::int64_t) override {
    ++calls["resolve"];
    if (std::string(name) != "registered.test" || family != AF_INET || max < 1)
      return errno = EADDRNOTAVAIL, -1;
    auto* v4 = reinterpret_cast<sockaddr_in*>(out);
    *v4 = {};
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 1;
  }
  int interface_address(const char* name, int family, sockaddr_storage* out) override {
    ++calls["interface_address"];
    if (std::string(name) != "seam0") return errno = ENODEV, -1;
    if (family != AF_INET) return errno = EADDRNOTAVAIL, -1;
    auto* v4 = reinterpret_cast<sockaddr_in*>(out);
    *v4 = {};
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 0;
  }
  int random_bytes(void* out, std::size_t bytes) override {
    ++calls["random_bytes"];
    std::memset(out, 0x5a, bytes);
    return 0;
  }

 private:
  int count(const char* name, int rc) {
    ++calls[name];
    return rc;
  }
  int made(const char* name, int fd) {
    ++calls[name];
    if (fd >= 0) open.insert(fd);
    return fd;
  }
};

struct Run {
  RecordingSockets* seam;
  bool finished = false;
};

void exercise(void* arg) {
  auto* run = static_cast<Run*>(arg);
  struct ipaddr where;
  // A name only the seam knows: resolution goes through it, not the DNS.
  REQUIRE(ipaddr_remote(&where, "registered.test", 0, IPADDR_IPV4, soon()) == 0);
  char text[IPADDR_MAXSTRLEN];
  CHECK(std::string(ipaddr_str(&where, text)) == "127.0.0.1");
  int l = tcp_listen(&where, 4);
  REQUIRE(l >= 0);
  int c = tcp_connect(&where, soon());
  REQUIRE(c >= 0);
  int a = tcp_accept(l, nullptr, soon());
  REQUIRE(a >= 0);
  REQUIRE(bsend(c, "seam", 4, soon()) == 0);
  char buf[4];
  REQUIRE(brecv(a, buf, 4, soon()) == 0);
  REQUIRE(tcp_done(a, soon()) == 0);
  CHECK(tcp_close(c, soon()) == 0);
  hclose(a);
  hclose(l);
  int s[2];
  REQUIRE(ipc_pair(s) == 0);
  hclose(s[0]);
  hclose(s[1]);
  struct ipaddr u;
  // An interface only the seam knows: the host's interfaces are not read.
  REQUIRE(ipaddr_local(&u, "seam0", 0, IPADDR_PREF_IPV6) == 0);
  CHECK(std::string(ipaddr_str(&u, text)) == "127.0.0.1");
  CHECK(ipaddr_local(&u, "seam0", 0, IPADDR_IPV6) == -1);
  CHECK(errno == EADDRNOTAVAIL);
  CHECK(ipaddr_local(&u, "lo", 0, 0) == -1);
  CHECK(errno == ENODEV);
  REQUIRE(ipaddr_local(&u, "127.0.0.1", 0, 0) == 0);
  int d = udp_open(&u, nullptr);
  REQUIRE(d >= 0);
  REQUIRE(udp_send(d, &u, "dgram", 5) == 0);
  CHECK(udp_recv(d, nullptr, buf, sizeof buf, soon()) == 4);  // 5 bytes, 4 fit
  hclose(d);
  run->finished = true;
}

}  // namespace

TEST_CASE("with a platform seam, every socket call and lookup goes through it") {
  (void)now();  // this thread's real scheduler exists from here on
  const canopy::runtime::Platform* real = canopy::runtime::current_platform();
  REQUIRE(real != nullptr);
  RecordingSockets seam;
  canopy::runtime::Platform platform = *real;
  platform.sockets = &seam;
  Run run{&seam};
  {
    canopy::runtime::EmbeddedScheduler scheduler(platform);
    CHECK(scheduler.run_main(exercise, &run));
  }
  CHECK(run.finished);
  for (const char* call : {"resolve", "socket", "bind", "listen", "connect", "accept", "sendmsg",
                           "recvmsg", "shutdown", "close", "socketpair", "getsockname",
                           "interface_address"})
    CHECK(seam.calls[call] > 0);
  // Every descriptor the seam made was closed through it.
  CHECK(seam.open.empty());
  CHECK(seam.calls["close"] == seam.calls["socket"] + seam.calls["accept"] +
                                   2 * seam.calls["socketpair"]);
}
