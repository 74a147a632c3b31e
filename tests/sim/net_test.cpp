// The simulated network, called through the runtime's socket seam exactly as
// the network layer calls it: exact virtual latencies, bounded buffers,
// refused connections, faults, half-close, UDP, UNIX sockets with descriptor
// passing, name resolution, and determinism.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "canopy/runtime/sockets.hpp"
#include "canopy/sim/fd.hpp"
#include "canopy/sim/net.hpp"
#include "support.hpp"

namespace sim = canopy::sim;
using sim_test::t;

namespace {

canopy::runtime::Sockets& net() {
  canopy::runtime::Sockets* s = canopy::runtime::platform_sockets();
  REQUIRE(s != nullptr);
  return *s;
}

sockaddr_in v4(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  REQUIRE(inet_pton(AF_INET, ip, &a.sin_addr) == 1);
  return a;
}

int listen_on(const char* ip, int port, int backlog = 16) {
  int fd = net().socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= sim::first_fd);
  sockaddr_in a = v4(ip, port);
  REQUIRE(net().bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(net().listen(fd, backlog) == 0);
  return fd;
}

/// Connects and waits for the outcome: the socket, or -errno.
int connect_to(const char* ip, int port) {
  int fd = net().socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a = v4(ip, port);
  REQUIRE(net().connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == -1);
  REQUIRE(errno == EINPROGRESS);
  REQUIRE(canopy::wait_writable(fd).ok());
  int err = 0;
  socklen_t len = sizeof err;
  REQUIRE(net().getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
  if (err == 0) return fd;
  REQUIRE(net().close(fd) == 0);
  return -err;
}

int accept_one(int listener) {
  for (;;) {
    int fd = net().accept(listener, nullptr, nullptr);
    if (fd >= 0) return fd;
    REQUIRE(errno == EAGAIN);
    REQUIRE(canopy::wait_readable(listener).ok());
  }
}

ssize_t send_some(int fd, const std::string& data) {
  iovec v{const_cast<char*>(data.data()), data.size()};
  msghdr m{};
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  return net().sendmsg(fd, &m, MSG_NOSIGNAL);
}

/// Sends everything, waiting when the send buffer is full: 0 or an errno.
int send_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send_some(fd, data.substr(done));
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (errno != EAGAIN) return errno;
    REQUIRE(canopy::wait_writable(fd).ok());
  }
  return 0;
}

/// One read, waiting for data: the bytes ("" at end of stream), or "E<errno>".
std::string recv_some(int fd, std::size_t max = 4096) {
  std::string buf(max, '\0');
  for (;;) {
    iovec v{buf.data(), buf.size()};
    msghdr m{};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    ssize_t n = net().recvmsg(fd, &m, 0);
    if (n >= 0) return buf.substr(0, static_cast<std::size_t>(n));
    if (errno != EAGAIN) return "E" + std::to_string(errno);
    REQUIRE(canopy::wait_readable(fd).ok());
  }
}

std::string recv_exactly(int fd, std::size_t bytes) {
  std::string got;
  while (got.size() < bytes) {
    std::string piece = recv_some(fd, bytes - got.size());
    if (piece.empty() || piece[0] == 'E') return got + "|" + piece;
    got += piece;
  }
  return got;
}

/// A one-byte message carrying descriptor `fd` (SCM_RIGHTS).
struct fd_message {
  char byte = 'F';
  iovec data{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  explicit fd_message(int fd) {
    m.msg_iov = &data;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  fd_message(const fd_message&) = delete;
  fd_message& operator=(const fd_message&) = delete;
};

sim::options fixed_latency(int latency_ms, std::uint64_t seed = 1) {
  sim::options o = sim_test::with(sim::strategy::random, seed);
  o.net_latency_ms = latency_ms;
  o.net_jitter_ms = 0;
  return o;
}

}  // namespace

TEST_CASE("a client and a listener exchange bytes with the exact virtual latency of the connection") {
  sim_test::log got;
  sim::outcome r = sim::run(fixed_latency(10), [&] {
    int listener = listen_on("127.0.0.1", 8080);
    canopy::bundle server;
    server.go([&] {
      int conn = accept_one(listener);
      got.push_back("accepted@" + std::to_string(t()));
      std::string ping = recv_exactly(conn, 4);
      got.push_back("server read " + ping + "@" + std::to_string(t()));
      REQUIRE(send_all(conn, "pong") == 0);
      REQUIRE(canopy::forget_fd(conn).ok());
      REQUIRE(net().close(conn) == 0);
    });
    int client = connect_to("127.0.0.1", 8080);
    REQUIRE(client >= 0);
    got.push_back("connected@" + std::to_string(t()));
    REQUIRE(send_all(client, "ping") == 0);
    std::string pong = recv_exactly(client, 4);
    got.push_back("client read " + pong + "@" + std::to_string(t()));
    CHECK(recv_some(client).empty());  // the server closed: end of stream
    REQUIRE(server.wait(canopy::deadline::forever()).ok());
    REQUIRE(net().close(client) == 0);
    REQUIRE(net().close(listener) == 0);
  });
  REQUIRE(r.passed);
  // SYN at 10, SYN-ACK back at 20 (connected), ACK at 30 (acceptable); the
  // ping leaves at 20 and arrives at 30; the pong arrives at 40.
  std::sort(got.begin(), got.end());
  CHECK(got == sim_test::log{"accepted@30", "client read pong@40", "connected@20", "server read ping@30"});
}

TEST_CASE("addresses of a simulated connection: the listener's port, an ephemeral port for the client") {
  sim::outcome r = sim::run(fixed_latency(1), [&] {
    int listener = listen_on("127.0.0.1", 0);
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    REQUIRE(net().getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &len) == 0);
    CHECK(ntohs(bound.sin_port) == 49152);
    int client = connect_to("127.0.0.1", ntohs(bound.sin_port));
    REQUIRE(client >= 0);
    sockaddr_in peer{}, mine{};
    len = sizeof peer;
    REQUIRE(net().getpeername(client, reinterpret_cast<sockaddr*>(&peer), &len) == 0);
    CHECK(ntohs(peer.sin_port) == 49152);
    len = sizeof mine;
    REQUIRE(net().getsockname(client, reinterpret_cast<sockaddr*>(&mine), &len) == 0);
    CHECK(ntohs(mine.sin_port) == 49153);
    int conn = accept_one(listener);
    sockaddr_in seen{};
    len = sizeof seen;
    REQUIRE(net().getpeername(conn, reinterpret_cast<sockaddr*>(&seen), &len) == 0);
    CHECK(ntohs(seen.sin_port) == 49153);
    for (int fd : {conn, client, listener}) REQUIRE(net().close(fd) == 0);
  });
  CHECK(r.passed);
}

TEST_CASE("a fast sender fills the bounded send buffer, gets EAGAIN, and resumes when the reader reads") {
  sim_test::log got;
  sim::outcome r = sim::run(fixed_latency(5), [&] {
    int listener = listen_on("127.0.0.1", 9000);
    canopy::bundle reader;
    reader.go([&] {
      int conn = accept_one(listener);
      REQUIRE(canopy::sleep_for(std::chrono::milliseconds(100)).ok());
      got.push_back("read " + std::to_string(recv_some(conn, 1000).size()) + "@" + std::to_string(t()));
      REQUIRE(canopy::sleep_for(std::chrono::milliseconds(100)).ok());
      REQUIRE(net().close(conn) == 0);
    });
    int client = connect_to("127.0.0.1", 9000);
    int buffer = 0;
    socklen_t len = sizeof buffer;
    REQUIRE(net().getsockopt(client, SOL_SOCKET, SO_SNDBUF, &buffer, &len) == 0);
    REQUIRE(buffer >= static_cast<int>(sim::net_min_send_buffer_bytes));
    REQUIRE(buffer <= static_cast<int>(sim::net_max_send_buffer_bytes));
    std::size_t sent = 0;
    std::string chunk(1000, 'x');
    for (;;) {
      ssize_t n = send_some(client, chunk);
      if (n < 0) break;
      sent += static_cast<std::size_t>(n);
    }
    CHECK(errno == EAGAIN);
    CHECK(sent == static_cast<std::size_t>(buffer));
    got.push_back("blocked@" + std::to_string(t()));
    REQUIRE(canopy::wait_writable(client).ok());
    got.push_back("writable@" + std::to_string(t()));
    CHECK(send_some(client, chunk) == 1000);
    REQUIRE(reader.wait(canopy::deadline::forever()).ok());
    REQUIRE(net().close(client) == 0);
    REQUIRE(net().close(listener) == 0);
  });
  REQUIRE(r.passed);
  // Connected at 10; the reader wakes at 15 + 100 and frees 1000 bytes.
  CHECK(got == sim_test::log{"blocked@10", "read 1000@115", "writable@115"});
}

TEST_CASE("connecting where nobody listens is refused one round trip later") {
  int outcome = 0;
  std::int64_t when = -1;
  sim::outcome r = sim::run(fixed_latency(7), [&] {
    outcome = connect_to("127.0.0.1", 4444);
    when = t();
  });
  REQUIRE(r.passed);
  CHECK(outcome == -ECONNREFUSED);
  CHECK(when == 14);
}

TEST_CASE("a full accept queue drops the connection attempt, which is retried a second later") {
  sim_test::log got;
  sim::outcome r = sim::run(fixed_latency(10), [&] {
    int listener = listen_on("127.0.0.1", 7000, 1);
    canopy::bundle tasks;
    tasks.go([&] {
      int a = accept_one(listener);
      got.push_back("accepted first@" + std::to_string(t()));
      int b = accept_one(listener);
      got.push_back("accepted second@" + std::to_string(t()));
      REQUIRE(net().close(a) == 0);
      REQUIRE(net().close(b) == 0);
    });
    tasks.go([&] {
      int fd = connect_to("127.0.0.1", 7000);
      got.push_back("first connected@" + std::to_string(t()));
      REQUIRE(canopy::sleep_for(std::chrono::milliseconds(2000)).ok());
      REQUIRE(net().close(fd) == 0);
    });
    REQUIRE(canopy::sleep_for(std::chrono::milliseconds(1)).ok());
    int second = connect_to("127.0.0.1", 7000);
    got.push_back("second connected@" + std::to_string(t()));
    REQUIRE(tasks.wait(canopy::deadline::forever()).ok());
    REQUIRE(net().close(second) == 0);
    REQUIRE(net().close(listener) == 0);
  });
  REQUIRE(r.passed);
  // The second SYN reaches the listener at 11 while the first connection
  // fills its queue of one; the client sends it again a second after the
  // first try (1001), it arrives at 1011: connected at 1021, acceptable at 1031.
  CHECK(got == sim_test::log{"first connected@20", "accepted first@30", "second connected@1021",
                             "accepted second@1031"});
}

TEST_CASE("half-close: the peer reads to end of stream and can still answer") {
  sim_test::log got;
  sim::outcome r = sim::run(fixed_latency(3), [&] {
    int listener = listen_on("127.0.0.1", 6000);
    canopy::bundle server;
    server.go([&] {
      int conn = accept_one(listener);
      std::string all;
      for (std::string piece = recv_some(conn); !piece.empty(); piece = recv_some(conn)) all += piece;
      got.push_back("server read " + all + " then end of stream");
      REQUIRE(send_all(conn, "done") == 0);
      REQUIRE(net().close(conn) == 0);
    });
    int client = connect_to("127.0.0.1", 6000);
    REQUIRE(send_all(client, "abc") == 0);
    REQUIRE(net().shutdown(client, SHUT_WR) == 0);
    CHECK(send_some(client, "more") == -1);
    CHECK(errno == EPIPE);
    got.push_back("client read " + recv_exactly(client, 4));
    REQUIRE(server.wait(canopy::deadline::forever()).ok());
    REQUIRE(net().close(client) == 0);
    REQUIRE(net().close(listener) == 0);
  });
  REQUIRE(r.passed);
  CHECK(got == sim_test::log{"server read abc then end of stream", "client read done"});
}

TEST_CASE("closing with unread bytes resets the connection: the peer sees ECONNRESET") {
  std::string seen;
  sim::outcome r = sim::run(fixed_latency(2), [&] {
    int listener = listen_on("127.0.0.1", 6001);
    int client = connect_to("127.0.0.1", 6001);
    int conn = accept_one(listener);
    REQUIRE(send_all(client, "unread") == 0);
    REQUIRE(canopy::sleep_for(std::chrono::milliseconds(10)).ok());
    REQUIRE(net().close(conn) == 0);
    seen = recv_some(client);
    REQUIRE(net().close(client) == 0);
    REQUIRE(net().close(listener) == 0);
  });
  REQUIRE(r.passed);
  CHECK(seen == "E" + std::to_string(ECONNRESET));
}

namespace {
// A client streams `count` numbered lines to a server, each 10 ms apart;
// the server records them. Returns what the server saw (and any error).
struct stream_result {
  std::vector<std::string> lines;
  int error = 0;
  std::int64_t longest_gap_ms = 0;
};
stream_result stream_lines(int count) {
  stream_result out;
  int listener = listen_on("127.0.0.1", 5555);
  canopy::bundle server;
    server.go([&] {
    int conn = accept_one(listener);
    std::string pending;
    std::int64_t last = t();
    for (;;) {
      std::string piece = recv_some(conn);
      if (piece.empty()) break;
      if (piece[0] == 'E') {
        out.error = std::atoi(piece.c_str() + 1);
        break;
      }
      out.longest_gap_ms = std::max(out.longest_gap_ms, t() - last);
      last = t();
      pending += piece;
      for (std::size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
        out.lines.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
    }
    REQUIRE(net().close(conn) == 0);
  });
  int client = connect_to("127.0.0.1", 5555);
  REQUIRE(client >= 0);
  for (int i = 0; i < count; ++i) {
    int err = send_all(client, std::to_string(i) + "\n");
    if (err != 0) {
      out.error = out.error != 0 ? out.error : err;
      break;
    }
    REQUIRE(canopy::sleep_for(std::chrono::milliseconds(10)).ok());
  }
  REQUIRE(net().close(client) == 0);
  REQUIRE(server.wait(canopy::deadline::forever()).ok());
  REQUIRE(net().close(listener) == 0);
  return out;
}
}  // namespace

TEST_CASE("with CANOPY_NET_FAULTS=reset a connection is reset mid-stream, the same way for the same seed") {
  sim::options o = sim_test::with(sim::strategy::random, 4);
  o.net_reset = true;
  o.record_events = true;
  stream_result first, second;
  sim::outcome a = sim::run(o, [&] { first = stream_lines(500); });
  sim::outcome b = sim::run(o, [&] { second = stream_lines(500); });
  REQUIRE(a.passed);
  REQUIRE(b.passed);
  CHECK(first.error == ECONNRESET);
  CHECK(first.lines.size() < 500);
  CHECK(first.lines == second.lines);
  CHECK(a.trace_hash == b.trace_hash);
  bool reset_event = std::any_of(a.events.begin(), a.events.end(),
                                 [](const std::string& e) { return e.find("net_reset") != std::string::npos; });
  CHECK(reset_event);
  CHECK_THAT(a.replay, Catch::Contains("net_faults=reset"));
}

TEST_CASE("with CANOPY_NET_FAULTS=partition a connection stalls for a while, then every byte arrives in order") {
  sim::options o = sim_test::with(sim::strategy::random, 1);
  o.net_partition = true;
  o.record_events = true;
  stream_result got;
  sim::outcome r = sim::run(o, [&] { got = stream_lines(300); });
  REQUIRE(r.passed);
  // The trace says when: a net_partition with the time it heals.
  CHECK(std::any_of(r.events.begin(), r.events.end(), [](const std::string& e) {
    return e.find("net_partition") != std::string::npos && e.find("deadline=") != std::string::npos;
  }));
  CHECK(got.error == 0);
  REQUIRE(got.lines.size() == 300);
  for (int i = 0; i < 300; ++i) CHECK(got.lines[static_cast<std::size_t>(i)] == std::to_string(i));
  // A partition holds the stream for 100..2000 ms (seed 1: about 1.5 s);
  // without one the longest silence is a send interval plus jitter.
  CHECK(got.longest_gap_ms >= 100);
  CHECK(got.longest_gap_ms <= sim::net_max_partition_ms + 20);
}

TEST_CASE("with CANOPY_NET_FAULTS=refuse some connections are refused although a listener exists") {
  sim::options o = sim_test::with(sim::strategy::random, 1);
  o.net_refuse = true;
  int refused = 0, accepted = 0;
  sim::outcome r = sim::run(o, [&] {
    int listener = listen_on("127.0.0.1", 5556, 64);
    for (int i = 0; i < 40; ++i) {
      int fd = connect_to("127.0.0.1", 5556);
      if (fd == -ECONNREFUSED) {
        ++refused;
        continue;
      }
      REQUIRE(fd >= 0);
      ++accepted;
      int conn = accept_one(listener);
      REQUIRE(net().close(conn) == 0);
      REQUIRE(net().close(fd) == 0);
    }
    REQUIRE(net().close(listener) == 0);
  });
  REQUIRE(r.passed);
  CHECK(refused > 0);
  CHECK(accepted > refused);
  CHECK(refused + accepted == 40);
}

TEST_CASE("without faults the simulated network never resets, refuses a listener or partitions") {
  sim::options o = sim_test::with(sim::strategy::random, 2);
  stream_result got;
  sim::outcome r = sim::run(o, [&] { got = stream_lines(300); });
  REQUIRE(r.passed);
  CHECK(got.error == 0);
  CHECK(got.lines.size() == 300);
  CHECK(got.longest_gap_ms < 100);
}

TEST_CASE("UDP datagrams arrive whole after the latency, with the sender's address, and oversize reads are truncated") {
  sim_test::log got;
  sim::outcome r = sim::run(fixed_latency(4), [&] {
    int a = net().socket(AF_INET, SOCK_DGRAM, 0);
    int b = net().socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in aa = v4("127.0.0.1", 5000), ba = v4("127.0.0.1", 5001);
    REQUIRE(net().bind(a, reinterpret_cast<sockaddr*>(&aa), sizeof aa) == 0);
    REQUIRE(net().bind(b, reinterpret_cast<sockaddr*>(&ba), sizeof ba) == 0);
    for (const char* text : {"one", "two", "three"}) {
      iovec v{const_cast<char*>(text), std::strlen(text)};
      msghdr m{};
      m.msg_name = &ba;
      m.msg_namelen = sizeof ba;
      m.msg_iov = &v;
      m.msg_iovlen = 1;
      REQUIRE(net().sendmsg(a, &m, 0) == static_cast<ssize_t>(std::strlen(text)));
    }
    // Nobody is bound at 5002: the datagram is lost, and the send succeeds.
    sockaddr_in nowhere = v4("127.0.0.1", 5002);
    iovec v{const_cast<char*>("lost"), 4};
    msghdr m{};
    m.msg_name = &nowhere;
    m.msg_namelen = sizeof nowhere;
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    REQUIRE(net().sendmsg(a, &m, 0) == 4);
    for (int i = 0; i < 3; ++i) {
      char buf[4];
      sockaddr_in from{};
      iovec rv{buf, sizeof buf};
      msghdr rm{};
      rm.msg_name = &from;
      rm.msg_namelen = sizeof from;
      rm.msg_iov = &rv;
      rm.msg_iovlen = 1;
      ssize_t n;
      while ((n = net().recvmsg(b, &rm, 0)) < 0) {
        REQUIRE(errno == EAGAIN);
        REQUIRE(canopy::wait_readable(b).ok());
      }
      got.push_back(std::string(buf, static_cast<std::size_t>(n)) + ((rm.msg_flags & MSG_TRUNC) ? " (truncated)" : "") +
                    " from " + std::to_string(ntohs(from.sin_port)) + "@" + std::to_string(t()));
    }
    REQUIRE(net().close(a) == 0);
    REQUIRE(net().close(b) == 0);
  });
  REQUIRE(r.passed);
  std::sort(got.begin(), got.end());
  CHECK(got == sim_test::log{"one from 5000@4", "thre (truncated) from 5000@4", "two from 5000@4"});
}

TEST_CASE("UDP datagrams from several senders interleave in an order that depends on the seed") {
  std::set<std::string> orders;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::string order;
    sim::outcome r = sim::run(fixed_latency(1, seed), [&] {
      int sink = net().socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in at = v4("127.0.0.1", 6000);
      REQUIRE(net().bind(sink, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
      for (char who : {'a', 'b', 'c'}) {
        int s = net().socket(AF_INET, SOCK_DGRAM, 0);
        REQUIRE(net().connect(s, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
        REQUIRE(send_some(s, std::string(1, who)) == 1);
        REQUIRE(net().close(s) == 0);
      }
      while (order.size() < 3) order += recv_some(sink, 1);
      REQUIRE(net().close(sink) == 0);
    });
    REQUIRE(r.passed);
    orders.insert(order);
  }
  CHECK(orders.size() > 1);
}

TEST_CASE("a UNIX socket bound to a simulated path passes a descriptor with SCM_RIGHTS") {
  std::string relayed;
  sim::outcome r = sim::run(sim_test::with(sim::strategy::random, 5), [&] {
    sockaddr_un path{};
    path.sun_family = AF_UNIX;
    std::strcpy(path.sun_path, "/run/sim.sock");
    socklen_t path_bytes = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + std::strlen(path.sun_path) + 1);
    int listener = net().socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(net().bind(listener, reinterpret_cast<sockaddr*>(&path), path_bytes) == 0);
    REQUIRE(net().listen(listener, 4) == 0);
    int client = net().socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(net().connect(client, reinterpret_cast<sockaddr*>(&path), path_bytes) == 0);  // local: at once
    int conn = accept_one(listener);
    // Pass one end of a socket pair to the other side.
    int pair[2];
    REQUIRE(net().socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    fd_message message(pair[1]);
    REQUIRE(net().sendmsg(client, &message.m, 0) == 1);
    REQUIRE(net().close(pair[1]) == 0);  // the passed one stays alive in flight
    char got = 0;
    iovec rv{&got, 1};
    alignas(cmsghdr) char rcontrol[CMSG_SPACE(sizeof(int))] = {};
    msghdr rm{};
    rm.msg_iov = &rv;
    rm.msg_iovlen = 1;
    rm.msg_control = rcontrol;
    rm.msg_controllen = sizeof rcontrol;
    ssize_t n;
    while ((n = net().recvmsg(conn, &rm, 0)) < 0) {
      REQUIRE(errno == EAGAIN);
      REQUIRE(canopy::wait_readable(conn).ok());
    }
    REQUIRE(n == 1);
    REQUIRE(got == 'F');
    cmsghdr* rc = CMSG_FIRSTHDR(&rm);
    REQUIRE(rc != nullptr);
    REQUIRE(rc->cmsg_type == SCM_RIGHTS);
    int passed = -1;
    std::memcpy(&passed, CMSG_DATA(rc), sizeof passed);
    CHECK(passed >= sim::first_fd);
    CHECK(passed != pair[1]);
    REQUIRE(send_all(passed, "through the passed end") == 0);
    relayed = recv_exactly(pair[0], 22);
    // Another socket cannot take the same path, and a missing path is ENOENT.
    int other = net().socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(net().bind(other, reinterpret_cast<sockaddr*>(&path), path_bytes) == -1);
    CHECK(errno == EADDRINUSE);
    std::strcpy(path.sun_path, "/run/missing.sock");
    CHECK(net().connect(other, reinterpret_cast<sockaddr*>(&path), path_bytes) == -1);
    CHECK(errno == ENOENT);
    for (int fd : {other, passed, pair[0], conn, client, listener}) REQUIRE(net().close(fd) == 0);
  });
  REQUIRE(r.passed);
  CHECK(relayed == "through the passed end");
}

TEST_CASE("names resolve to localhost and to registered hosts; others give EADDRNOTAVAIL") {
  REQUIRE(sim::register_host("db.internal", "10.0.0.2") == 0);
  CHECK(sim::register_host("bad", "not an address") == -1);
  CHECK(errno == EINVAL);
  sim::outcome r = sim::run(fixed_latency(1), [&] {
    sockaddr_storage out[4];
    REQUIRE(net().resolve("localhost", AF_INET, out, 4, -1) == 1);
    CHECK(reinterpret_cast<sockaddr_in&>(out[0]).sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(net().resolve("localhost", AF_UNSPEC, out, 4, -1) == 2);
    CHECK(out[1].ss_family == AF_INET6);
    REQUIRE(net().resolve("db.internal", AF_INET, out, 4, -1) == 1);
    char text[INET_ADDRSTRLEN];
    CHECK(std::string(inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in&>(out[0]).sin_addr, text, sizeof text)) ==
          "10.0.0.2");
    CHECK(net().resolve("db.internal", AF_INET6, out, 4, -1) == -1);
    CHECK(errno == EADDRNOTAVAIL);
    CHECK(net().resolve("example.com", AF_UNSPEC, out, 4, -1) == -1);
    CHECK(errno == EADDRNOTAVAIL);
    // A listener on the wildcard address serves the registered host's address.
    int listener = listen_on("0.0.0.0", 80);
    int client = connect_to("10.0.0.2", 80);
    REQUIRE(client >= 0);
    int conn = accept_one(listener);
    for (int fd : {conn, client, listener}) REQUIRE(net().close(fd) == 0);
  });
  sim::forget_hosts();
  CHECK(r.passed);
}

TEST_CASE("CANOPY_NET_HOSTS names hosts for the simulated resolver") {
  REQUIRE(::setenv("CANOPY_NET_HOSTS", "cache=10.0.0.9,db6=::2", 1) == 0);
  sim::outcome r = sim::run(fixed_latency(1), [&] {
    sockaddr_storage out[2];
    REQUIRE(net().resolve("cache", AF_UNSPEC, out, 2, -1) == 1);
    CHECK(reinterpret_cast<sockaddr_in&>(out[0]).sin_addr.s_addr == htonl(0x0a000009));
    REQUIRE(net().resolve("db6", AF_INET6, out, 2, -1) == 1);
    CHECK(out[0].ss_family == AF_INET6);
    CHECK(net().resolve("cach", AF_UNSPEC, out, 2, -1) == -1);
    CHECK(errno == EADDRNOTAVAIL);
  });
  ::unsetenv("CANOPY_NET_HOSTS");
  CHECK(r.passed);
}

TEST_CASE("bad socket calls get the kernel's errno and never crash") {
  sim::outcome r = sim::run(fixed_latency(1), [&] {
    CHECK(net().socket(AF_PACKET, SOCK_STREAM, 0) == -1);
    CHECK(errno == EAFNOSUPPORT);
    CHECK(net().socket(AF_UNIX, SOCK_DGRAM, 0) == -1);
    CHECK(errno == ESOCKTNOSUPPORT);
    CHECK(net().accept(12345, nullptr, nullptr) == -1);
    CHECK(errno == EBADF);
    int fds[2];
    REQUIRE(sim::pipe(fds) == 0);
    CHECK(net().listen(fds[0], 1) == -1);
    CHECK(errno == ENOTSOCK);
    int fd = net().socket(AF_INET, SOCK_STREAM, 0);
    CHECK(net().accept(fd, nullptr, nullptr) == -1);
    CHECK(errno == EINVAL);
    CHECK(send_some(fd, "x") == -1);
    CHECK(errno == ENOTCONN);
    sockaddr_in6 wrong{};
    wrong.sin6_family = AF_INET6;
    CHECK(net().connect(fd, reinterpret_cast<sockaddr*>(&wrong), sizeof wrong) == -1);
    CHECK(errno == EAFNOSUPPORT);
    CHECK(net().connect(fd, nullptr, 0) == -1);
    CHECK(errno == EINVAL);
    int a = listen_on("127.0.0.1", 3000);
    int b = net().socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in same = v4("0.0.0.0", 3000);
    CHECK(net().bind(b, reinterpret_cast<sockaddr*>(&same), sizeof same) == -1);
    CHECK(errno == EADDRINUSE);
    CHECK(net().shutdown(b, 99) == -1);
    CHECK(errno == EINVAL);
    int pair[2];
    REQUIRE(net().socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    REQUIRE(send_all(pair[0], "x") == 0);
    iovec null_buffer{nullptr, 10};
    msghdr m{};
    m.msg_iov = &null_buffer;
    m.msg_iovlen = 1;
    CHECK(net().recvmsg(pair[1], &m, 0) == -1);
    CHECK(errno == EFAULT);
    fd_message bad(4090);  // not an open descriptor
    CHECK(net().sendmsg(pair[0], &bad.m, 0) == -1);
    CHECK(errno == EBADF);
    CMSG_FIRSTHDR(&bad.m)->cmsg_type = SCM_CREDENTIALS;
    CHECK(net().sendmsg(pair[0], &bad.m, 0) == -1);
    CHECK(errno == EINVAL);
    for (int x : {fd, a, b, pair[0], pair[1]}) REQUIRE(net().close(x) == 0);
    REQUIRE(sim::close(fds[0]) == 0);
    REQUIRE(sim::close(fds[1]) == 0);
  });
  CHECK(r.passed);
}

namespace {
// Three clients each send their letter to an echo-less collector; returns
// the order in which the collector received them.
std::string three_clients() {
  std::string order;
  int listener = listen_on("127.0.0.1", 4000);
  canopy::bundle clients;
  for (char who : {'a', 'b', 'c'}) {
    clients.go([who] {
      int fd = connect_to("127.0.0.1", 4000);
      REQUIRE(fd >= 0);
      REQUIRE(send_all(fd, std::string(1, who)) == 0);
      REQUIRE(canopy::sleep_for(std::chrono::milliseconds(50)).ok());
      REQUIRE(net().close(fd) == 0);
    });
  }
  std::vector<int> conns;
  for (int i = 0; i < 3; ++i) conns.push_back(accept_one(listener));
  canopy::channel<char> arrivals;
  canopy::bundle readers;
  for (int conn : conns) {
    readers.go([conn, &arrivals] {
      std::string got = recv_some(conn, 1);
      REQUIRE(arrivals.send(got.empty() ? '?' : got[0]).ok());
    });
  }
  for (int i = 0; i < 3; ++i) {
    canopy::result<char> c = arrivals.recv();
    REQUIRE(c.ok());
    order += *c;
  }
  REQUIRE(readers.wait(canopy::deadline::forever()).ok());
  REQUIRE(clients.wait(canopy::deadline::forever()).ok());
  for (int conn : conns) REQUIRE(net().close(conn) == 0);
  REQUIRE(net().close(listener) == 0);
  return order;
}
}  // namespace

TEST_CASE("the simulated network is deterministic: same seed same trace, different seeds different interleavings") {
  std::set<std::string> orders;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim::options o = sim_test::with(sim::strategy::random, seed);
    std::string first, second;
    sim::outcome a = sim::run(o, [&] { first = three_clients(); });
    sim::outcome b = sim::run(o, [&] { second = three_clients(); });
    REQUIRE(a.passed);
    REQUIRE(b.passed);
    CHECK(a.trace_hash == b.trace_hash);
    CHECK(first == second);
    orders.insert(first);
  }
  CHECK(orders.size() > 1);
}

TEST_CASE("connection events are recorded: connect, accept, each write, and close with the bytes sent and received") {
  sim::options o = fixed_latency(10);
  o.record_events = true;
  sim::outcome r = sim::run(o, [&] {
    int listener = listen_on("127.0.0.1", 8081);
    int client = connect_to("127.0.0.1", 8081);
    int conn = accept_one(listener);
    REQUIRE(send_all(client, "hello") == 0);
    CHECK(recv_exactly(conn, 5) == "hello");
    for (int fd : {client, conn, listener}) REQUIRE(net().close(fd) == 0);
  });
  REQUIRE(r.passed);
  std::vector<std::string> net_events;
  for (const std::string& e : r.events) {
    if (e.find(" net_") != std::string::npos) net_events.push_back(e);
  }
  int listener_fd = sim::first_fd, client_fd = sim::first_fd + 1, server_fd = sim::first_fd + 2;
  auto id = [](int fd) { return std::to_string(fd); };
  REQUIRE(net_events.size() == 5);
  CHECK_THAT(net_events[0], Catch::StartsWith("20ms net_connect") && Catch::Contains("object=" + id(client_fd)) &&
                                Catch::Contains("peer=" + id(server_fd)));
  CHECK_THAT(net_events[1], Catch::StartsWith("30ms net_accept") && Catch::Contains("object=" + id(server_fd)));
  CHECK_THAT(net_events[2], Catch::StartsWith("30ms net_send") && Catch::Contains("object=" + id(client_fd)) &&
                                Catch::Contains("bytes=5") && Catch::Contains("peer=" + id(server_fd)));
  CHECK_THAT(net_events[3], Catch::StartsWith("40ms net_close") && Catch::Contains("object=" + id(client_fd)) &&
                                Catch::Contains("bytes=5"));
  CHECK_THAT(net_events[4], Catch::StartsWith("40ms net_close") && Catch::Contains("object=" + id(server_fd)) &&
                                Catch::Contains("received=5"));
  (void)listener_fd;
}
