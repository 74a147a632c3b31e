// TLS over OpenSSL 3: against OpenSSL's own s_server and s_client on
// loopback, between two ends of our own, and facing a peer that is not
// speaking TLS. The certificate is made for the test by `openssl req`.
#include "proto_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

extern char** environ;

using namespace proto_test;

namespace {

/// Runs a program with pipes on its stdin and stdout (stderr goes to
/// /dev/null); killed and reaped at the end.
struct Child {
  pid_t pid = -1;
  int to = -1;    ///< its stdin
  int from = -1;  ///< its stdout, non-blocking
  explicit Child(const std::vector<std::string>& argv) {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    REQUIRE(posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    to = in[1];
    from = out[0];
    fcntl(from, F_SETFL, O_NONBLOCK);
  }
  ~Child() {
    if (to >= 0) close(to);
    fdclean(from);
    close(from);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  /// Its output until `marker` appears (or the deadline passes).
  std::string read_until(const std::string& marker, int64_t deadline) {
    std::string got;
    while (got.find(marker) == std::string::npos) {
      if (fdin(from, deadline) != 0) break;
      char buf[256];
      ssize_t n = read(from, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

/// A self-signed certificate and its key in a fresh directory.
struct Certificate {
  std::filesystem::path dir;
  std::string cert, key;
  Certificate() {
    char tmpl[] = "/tmp/canopy-tls-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                      " -subj /CN=localhost -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  ~Certificate() { std::filesystem::remove_all(dir); }
};

coroutine void tls_echo_server(int s, const char* cert, const char* key, int* result) {
  int t = tls_attach_server(s, cert, key, soon());
  if (t < 0) {
    *result = errno;
    return;
  }
  char buf[5];
  while (brecv(t, buf, sizeof buf, soon()) == 0)
    if (bsend(t, buf, sizeof buf, soon()) != 0) break;
  *result = errno;
  int u = tls_detach(t, soon());
  if (u >= 0) hclose(u);
}

}  // namespace

TEST_CASE("our TLS client exchanges bytes with openssl s_server on loopback") {
  Certificate c;
  // A free port: bound, then let go for s_server to take.
  struct ipaddr addr;
  REQUIRE(ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) == 0);
  int probe = tcp_listen(&addr, 1);
  REQUIRE(probe >= 0);
  int port = ipaddr_port(&addr);
  hclose(probe);
  Child server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert", c.cert,
                "-key", c.key, "-naccept", "1", "-rev"});
  // Until s_server listens, connecting is refused: retried, within the deadline.
  int64_t until = soon();
  int s = -1;
  while (s < 0 && now() < until) {
    s = tcp_connect(&addr, until);
    if (s < 0) REQUIRE(msleep(now() + 10) == 0);
  }
  REQUIRE(s >= 0);
  int t = tls_attach_client(s, soon());
  REQUIRE(t >= 0);
  // s_server -rev answers each line reversed.
  REQUIRE(bsend(t, "canopy\n", 7, soon()) == 0);
  char buf[7];
  REQUIRE(brecv(t, buf, sizeof buf, soon()) == 0);
  CHECK(std::string(buf, 7) == "yponac\n");
  hclose(t);
}

TEST_CASE("openssl s_client exchanges bytes with our TLS server on loopback") {
  Certificate c;
  struct ipaddr addr;
  REQUIRE(ipaddr_local(&addr, "127.0.0.1", 0, IPADDR_IPV4) == 0);
  int listener = tcp_listen(&addr, 1);
  REQUIRE(listener >= 0);
  Child client({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(ipaddr_port(&addr)),
                "-quiet"});
  int s = tcp_accept(listener, nullptr, soon());
  REQUIRE(s >= 0);
  int result = -1;
  int h = go(tls_echo_server(s, c.cert.c_str(), c.key.c_str(), &result));
  REQUIRE(write(client.to, "ping\n", 5) == 5);
  CHECK(client.read_until("ping\n", soon()) == "ping\n");
  // s_client -quiet ignores the end of its input: it goes away when killed.
  kill(client.pid, SIGKILL);
  CHECK(bundle_wait(h, soon()) == 0);
  CHECK((result == EPIPE || result == ECONNRESET));
  hclose(h);
  hclose(listener);
}

TEST_CASE("two ends of our own shake hands, echo, and detach back to the plain stream both ways") {
  Certificate c;
  StreamPair p;
  int result = -1;
  int h = go(tls_echo_server(p.take(1), c.cert.c_str(), c.key.c_str(), &result));
  struct tls_storage mem;
  int t = tls_attach_client_mem(p.take(0), &mem, soon());
  REQUIRE(t >= 0);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(bsend(t, "hello", 5, soon()) == 0);
    char buf[5];
    REQUIRE(brecv(t, buf, 5, soon()) == 0);
    CHECK(std::string(buf, 5) == "hello");
  }
  int u = tls_detach(t, soon());
  REQUIRE(u >= 0);
  CHECK(bundle_wait(h, soon()) == 0);
  CHECK(result == EPIPE);
  hclose(h);
  hclose(u);
}

TEST_CASE("bytes sent after tls_done are EPIPE and the peer reading them gets EPIPE") {
  Certificate c;
  StreamPair p;
  int server = -1;
  int h = go([&] { server = tls_attach_server(p.s[1], c.cert.c_str(), c.key.c_str(), soon()); }());
  int t = tls_attach_client(p.take(0), soon());
  REQUIRE(t >= 0);
  CHECK(bundle_wait(h, soon()) == 0);
  hclose(h);
  REQUIRE(server >= 0);
  p.s[1] = -1;  // taken over by the TLS server
  REQUIRE(tls_done(t, soon()) == 0);
  CHECK(bsend(t, "x", 1, soon()) == -1);
  CHECK(errno == EPIPE);
  char buf[1];
  CHECK(brecv(server, buf, 1, soon()) == -1);
  CHECK(errno == EPIPE);
  hclose(t);
  hclose(server);
}

TEST_CASE("a peer that does not speak TLS makes the handshake fail with EPROTO, not hang") {
  Certificate c;
  StreamPair p;
  send_raw(p.s[1], "GET / HTTP/1.1\r\n\r\n");
  CHECK(tls_attach_server(p.take(0), c.cert.c_str(), c.key.c_str(), soon()) == -1);
  CHECK(errno == EPROTO);
}

TEST_CASE("a peer that hangs up during the handshake gives ECONNRESET or EPIPE") {
  StreamPair p;
  hclose(p.take(1));
  CHECK(tls_attach_client(p.take(0), soon()) == -1);
  CHECK((errno == ECONNRESET || errno == EPIPE));
}

TEST_CASE("a missing certificate file is EINVAL and a handshake with no peer ends at its deadline") {
  StreamPair p;
  CHECK(tls_attach_server(p.take(0), "/nonexistent/cert.pem", "/nonexistent/key.pem", soon()) == -1);
  CHECK(errno == EINVAL);
  StreamPair silent;
  CHECK(tls_attach_client(silent.take(0), now() + 20) == -1);
  CHECK(errno == ETIMEDOUT);
}
