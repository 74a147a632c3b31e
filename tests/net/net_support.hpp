// What the network tests share: loopback listeners on ports the kernel
// picks (tests run in parallel with other programs on this machine), a
// temporary directory for UNIX sockets, and deadlines that keep every
// blocking call from hanging a test.
#pragma once

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libdill.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace nettest {

/// Every blocking call in the tests gives up after this long.
constexpr std::int64_t patience_ms = 5000;
inline std::int64_t soon() { return now() + patience_ms; }

/// 127.0.0.1 on a port the kernel picks: the listener's handle, and the
/// address (with its port) in `where`.
inline int loopback_listener(struct ipaddr& where, const char* host = "127.0.0.1") {
  if (ipaddr_local(&where, host, 0, 0) != 0) return -1;
  return tcp_listen(&where, 16);
}

/// A port that nothing listens on (it was bound a moment ago, then closed).
inline int free_port() {
  struct ipaddr where;
  int l = loopback_listener(where);
  if (l < 0) return -1;
  int port = ipaddr_port(&where);
  hclose(l);
  return port;
}

/// A plain kernel socket connected to `where` (blocking, not a handle), for
/// tests that need a peer doing what the library never does, or to adopt.
inline int raw_client(const struct ipaddr& where) {
  int fd = socket(ipaddr_family(&where), SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, ipaddr_sockaddr(&where), ipaddr_len(&where)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/// A fresh directory, removed with its contents at the end of the scope.
struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/canopy-net-XXXXXX";
    if (mkdtemp(name)) path = name;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
  std::string file(const char* name) const { return path + "/" + name; }
};

}  // namespace nettest
