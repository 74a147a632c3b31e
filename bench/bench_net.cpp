// The network benchmark (issue 9): loopback echo, a round trip on one
// connection and the throughput of 1,000 and 10,000 concurrent connections,
// served by net_echo.c's coroutine per connection (on Canopy, or on libdill
// in bench_net_libdill: the same C source), by a thread per connection and by
// an epoll loop written by hand (net_servers.cpp), all in this binary.
//
// The server runs in a child process of its own, so that its memory is its
// own (`rss_mib`: the server's resident set holding every connection) and
// so that each side stays within RLIMIT_NOFILE (raised to the hard limit).
// The client is one epoll loop in this process, the same for every server:
// each iteration every connection sends a 64-byte message and reads its
// echo, all at once. `msgs_per_s` counts echoes; `us_per_round_trip` is one
// iteration's time (on one connection: the round trip). bench/net_compare.py
// runs both binaries and prints ratios.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "net_echo.h"
#include "net_servers.hpp"

#ifndef CANOPY_BENCH_NET_RUNTIME
#define CANOPY_BENCH_NET_RUNTIME "canopy"
#endif

namespace {

using Serve = int (*)(int ready_fd, int stop_fd, int backlog);

constexpr int backlog = 4096;
/// Connections being set up at once: below the listen backlog (and the
/// kernel's somaxconn), so that no SYN is dropped and retried a second later.
constexpr std::size_t connecting_at_once = 1000;

/// A server in a child process: its pid, the pipe that stops it, its port.
struct Server {
  pid_t pid = -1;
  int stop_fd = -1;
  int port = 0;
};

void raise_descriptor_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

Server start(Serve serve) {
  int ready[2], stop[2];
  Server s;
  if (pipe2(ready, O_CLOEXEC) != 0) return s;
  if (pipe2(stop, O_CLOEXEC) != 0) return s;
  pid_t pid = fork();
  if (pid == 0) {
    ::close(ready[0]);
    ::close(stop[1]);
    raise_descriptor_limit();
    _exit(serve(ready[1], stop[0], backlog) == 0 ? 0 : 1);
  }
  ::close(ready[1]);
  ::close(stop[0]);
  if (pid < 0 || ::read(ready[0], &s.port, sizeof s.port) != static_cast<ssize_t>(sizeof s.port)) {
    if (pid > 0) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
    ::close(ready[0]);
    ::close(stop[1]);
    return Server{};
  }
  ::close(ready[0]);
  s.pid = pid;
  s.stop_fd = stop[1];
  return s;
}

void stop(Server& s) {
  if (s.pid < 0) return;
  ::close(s.stop_fd);  // the server sees its stop pipe readable (end of stream)
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  s.pid = -1;
}

/// The resident set of process `pid`, in MiB (VmRSS).
double rss_mib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

/// The client: `count` connections to the server, driven by one epoll loop.
class Clients {
 public:
  Clients(int port, std::size_t count) : epoll_(epoll_create1(EPOLL_CLOEXEC)), received_(count, 0) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    while (fds_.size() < count && ok_) {
      std::size_t batch = std::min(connecting_at_once, count - fds_.size());
      for (std::size_t i = 0; i < batch; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
          fail();
          return;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
          fail();
          return;
        }
        epoll_event e{};
        e.events = EPOLLOUT;
        e.data.u64 = fds_.size();
        fds_.push_back(fd);
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e);
      }
      // Every connection of the batch is writable once connected.
      std::size_t connected = 0;
      std::vector<epoll_event> ready(1024);
      while (connected < batch) {
        int n = ::epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), 10000);
        if (n <= 0) {
          fail();
          return;
        }
        for (int i = 0; i < n; ++i) {
          std::size_t k = ready[static_cast<std::size_t>(i)].data.u64;
          int err = 0;
          socklen_t len = sizeof err;
          ::getsockopt(fds_[k], SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0) {
            fail();
            return;
          }
          epoll_event e{};
          e.events = EPOLLIN;
          e.data.u64 = k;
          ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fds_[k], &e);
          ++connected;
        }
      }
    }
  }
  ~Clients() {
    for (int fd : fds_) ::close(fd);
    ::close(epoll_);
  }
  Clients(const Clients&) = delete;
  Clients& operator=(const Clients&) = delete;

  bool ok() const { return ok_; }

  /// Every connection sends one message and reads its echo back. False if
  /// anything failed.
  bool exchange() {
    char message[NET_ECHO_MESSAGE_BYTES];
    std::memset(message, 'm', sizeof message);
    for (std::size_t k = 0; k < fds_.size(); ++k) {
      // The socket's buffer is empty (the last echo was read): it takes all.
      if (::send(fds_[k], message, sizeof message, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof message)) return false;
      received_[k] = 0;
    }
    std::size_t done = 0;
    epoll_event ready[1024];
    char in[NET_ECHO_MESSAGE_BYTES];
    while (done < fds_.size()) {
      int n = ::epoll_wait(epoll_, ready, 1024, 10000);
      if (n <= 0) return false;
      for (int i = 0; i < n; ++i) {
        std::size_t k = ready[i].data.u64;
        ssize_t got = ::read(fds_[k], in, sizeof in - received_[k]);
        if (got <= 0) {
          if (got < 0 && errno == EAGAIN) continue;
          return false;
        }
        received_[k] += static_cast<std::size_t>(got);
        if (received_[k] == sizeof in) ++done;
      }
    }
    return true;
  }

 private:
  void fail() { ok_ = false; }

  int epoll_;
  std::vector<int> fds_;
  std::vector<std::size_t> received_;  ///< bytes of this round's echo read, per connection
  bool ok_ = true;
};

void echo(benchmark::State& state, Serve serve) {
  auto connections = static_cast<std::size_t>(state.range(0));
  raise_descriptor_limit();
  Server server = start(serve);
  if (server.pid < 0) {
    state.SkipWithError("the server did not start");
    return;
  }
  double before_mib = rss_mib(server.pid);
  {
    Clients clients(server.port, connections);
    if (!clients.ok() || !clients.exchange()) {
      state.SkipWithError("connecting failed");
    } else {
      double held_mib = rss_mib(server.pid);
      for (auto _ : state) {
        if (!clients.exchange()) {
          state.SkipWithError("an exchange failed");
          break;
        }
      }
      state.counters["rss_mib"] = held_mib;
      state.counters["rss_kib_per_connection"] = (held_mib - before_mib) * 1024.0 / static_cast<double>(connections);
      state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * connections),
                                                       benchmark::Counter::kIsRate);
      state.counters["us_per_round_trip"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1e-6,
                                                              benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    }
  }
  stop(server);
}

void register_all() {
  struct Peer {
    const char* name;
    Serve serve;
  };
  const Peer peers[] = {{CANOPY_BENCH_NET_RUNTIME, net_echo_serve},
                        {"threads", canopy::bench::serve_thread_per_connection},
                        {"epoll", canopy::bench::serve_epoll_loop}};
  // Fixed iterations: setting up 10,000 connections once per benchmark, not
  // once per trial run of Google Benchmark's iteration search.
  const std::pair<long, long> sizes[] = {{1, 20000}, {1000, 200}, {10000, 30}};
  // CANOPY_BENCH_NET_ROUNDS=N runs N iterations at every size instead: two
  // runs with different N, differenced, give a server's cost per message
  // without its setup (bench/net_profile.py).
  const char* rounds = std::getenv("CANOPY_BENCH_NET_ROUNDS");
  const long fixed_rounds = rounds != nullptr ? std::atol(rounds) : 0;
  for (const Peer& p : peers) {
    for (auto [connections, iterations] : sizes) {
      if (fixed_rounds > 0) iterations = fixed_rounds;
      benchmark::RegisterBenchmark((std::string("echo/") + p.name).c_str(), echo, p.serve)
          ->Arg(connections)
          ->Iterations(iterations)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
