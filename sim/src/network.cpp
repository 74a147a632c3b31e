// The simulated network (network.hpp): TCP and UDP over IPv4 and IPv6, and
// UNIX stream sockets, inside the process.
//
// Timing of a TCP connection with one-way latency L, from connect() at t:
// the SYN reaches the listener at t+L; the client's connect completes at
// t+2L (the SYN-ACK came back: writable, SO_ERROR 0); the server can accept
// at t+3L (the client's ACK arrived). No listener: ECONNREFUSED at t+2L (the
// RST came back). A full accept queue drops the SYN, which is sent again
// 1, 2, 4, 8 and 16 s later, then connect fails with ETIMEDOUT. UNIX sockets
// are local: they connect at once, or fail at once (ENOENT, ECONNREFUSED,
// EAGAIN for a full backlog), as the kernel does.
#include "network.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>

#include "canopy/sim/net.hpp"
#include "simulation.hpp"

namespace canopy::sim {

namespace {

struct HostTable {
  std::mutex lock;
  /// Name -> its addresses, in registration order.
  std::map<std::string, std::vector<sockaddr_storage>> names;
};

HostTable& hosts() {
  static HostTable* table = new HostTable;  // never destroyed: resolve may run at exit
  return *table;
}

bool parse_literal(const std::string& text, sockaddr_storage& out) {
  out = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    return true;
  }
  return false;
}

}  // namespace

int register_host(const std::string& name, const std::string& address) {
  sockaddr_storage a;
  if (name.empty() || !parse_literal(address, a)) {
    errno = EINVAL;
    return -1;
  }
  std::lock_guard<std::mutex> guard(hosts().lock);
  hosts().names[name].push_back(a);
  return 0;
}

void forget_hosts() {
  std::lock_guard<std::mutex> guard(hosts().lock);
  hosts().names.clear();
}

}  // namespace canopy::sim

namespace canopy::sim::detail {

namespace {

constexpr std::int64_t never_ns = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t ns_per_ms = 1'000'000;
/// SYN retransmissions after a dropped SYN (full accept queue), then ETIMEDOUT.
constexpr int max_syn_attempts = 5;
/// The most descriptors one SCM_RIGHTS message may carry (the kernel's SCM_MAX_FD).
constexpr std::size_t max_passed_fds = 253;
// net_send events per stream socket (docs/trace-format.md).
constexpr std::uint32_t traced_sends_per_socket = 64;

int fail(int err) {
  errno = err;
  return -1;
}

socklen_t length_of(int family) {
  switch (family) {
    case AF_INET: return sizeof(sockaddr_in);
    case AF_INET6: return sizeof(sockaddr_in6);
    default: return sizeof(sa_family_t);
  }
}

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return 0;
}

void set_port(sockaddr_storage& a, int port) {
  if (a.ss_family == AF_INET) reinterpret_cast<sockaddr_in&>(a).sin_port = htons(static_cast<std::uint16_t>(port));
  if (a.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6&>(a).sin6_port = htons(static_cast<std::uint16_t>(port));
}

bool is_any(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr == htonl(INADDR_ANY);
  if (a.ss_family == AF_INET6) {
    const in6_addr& x = reinterpret_cast<const sockaddr_in6&>(a).sin6_addr;
    return std::memcmp(&x, &in6addr_any, sizeof x) == 0;
  }
  return false;
}

/// Copies a socket address out as accept/getsockname do: truncated to the
/// room given, the full length reported.
void copy_out(const sockaddr_storage& from, socklen_t from_bytes, sockaddr* to, socklen_t* to_bytes) {
  if (to == nullptr || to_bytes == nullptr) return;
  std::memcpy(to, &from, std::min(*to_bytes, from_bytes));
  *to_bytes = from_bytes;
}

/// Closes descriptors made for a receiver that will never get them:
/// aliases of simulated sockets, or dups of real descriptors.
void close_passed(SimPoller& poller, const std::vector<int>& fds) {
  for (int p : fds) {
    if (p >= first_fd) {
      poller.close(p);
    } else {
      ::close(p);
    }
  }
}

/// Validates an address given to bind/connect/sendmsg for a socket of `domain`.
int take_address(int domain, const sockaddr* address, socklen_t bytes, sockaddr_storage& out, socklen_t& out_bytes) {
  if (address == nullptr || bytes < static_cast<socklen_t>(sizeof(sa_family_t))) return EINVAL;
  if (address->sa_family != domain) return domain == AF_UNIX ? EINVAL : EAFNOSUPPORT;
  if (domain == AF_UNIX) {
    if (bytes > static_cast<socklen_t>(sizeof(sockaddr_un)) || bytes <= static_cast<socklen_t>(sizeof(sa_family_t)))
      return EINVAL;
  } else if (bytes < length_of(domain)) {
    return EINVAL;
  }
  out = {};
  std::memcpy(&out, address, std::min<socklen_t>(bytes, sizeof out));
  out_bytes = domain == AF_UNIX ? bytes : length_of(domain);
  return 0;
}

}  // namespace

SimNetwork::SimNetwork(Simulation& sim)
    : sim_(sim) {}

// ---------------------------------------------------------------------------
// Choices from the seed

bool SimNetwork::fault(bool enabled, int per_mille) {
  return enabled && sim_.choices().below(stream::faults, 1000) < static_cast<std::uint64_t>(per_mille);
}

std::int64_t SimNetwork::draw_latency_ms() {
  int fixed = sim_.opts().net_latency_ms;
  return fixed >= 0 ? fixed : 1 + static_cast<std::int64_t>(sim_.choices().below(stream::sockets, net_default_max_latency_ms));
}

std::int64_t SimNetwork::draw_jitter_ms() {
  int fixed = sim_.opts().net_jitter_ms;
  return fixed >= 0 ? fixed : static_cast<std::int64_t>(sim_.choices().below(stream::sockets, net_default_max_jitter_ms + 1));
}

void SimNetwork::set_up_stream(int index) {
  Endpoint& e = sim_.poller.at(index);
  Socket& s = sockets_.at(index);
  if (s.domain != AF_UNIX) {
    e.outgoing.latency_ms = draw_latency_ms();
    e.outgoing.jitter_ms = draw_jitter_ms();
    e.max_pieces = net_max_pieces;
  } else {
    e.copy_ns_per_write = net_unix_copy_ns_per_write;
    e.copy_ns_per_kib = net_unix_copy_ns_per_kib;
  }
  constexpr std::size_t step = 1024;
  std::size_t choices = (net_max_send_buffer_bytes - net_min_send_buffer_bytes) / step + 1;
  e.capacity_bytes = net_min_send_buffer_bytes + step * static_cast<std::size_t>(sim_.choices().below(stream::sockets, choices));
}

// `amount`: net_send's bytes, net_partition's heal time (ms).
void SimNetwork::emit(runtime::EventKind kind, int index, int other, int err, std::int64_t amount) {
  runtime::Event e{};
  e.kind = kind;
  e.object = static_cast<runtime::ObjectId>(SimPoller::fd_of(index));
  e.other_object = other >= 0 ? static_cast<std::uint64_t>(SimPoller::fd_of(other)) : 0;
  e.err = err;
  if (kind == runtime::EventKind::net_close) {
    const Endpoint& end = sim_.poller.at(index);
    e.bytes = static_cast<std::size_t>(end.sent_bytes);
    e.bytes_received = static_cast<std::size_t>(end.received_bytes);
  } else if (kind == runtime::EventKind::net_send) {
    e.bytes = static_cast<std::size_t>(amount);
  } else if (kind == runtime::EventKind::net_partition) {
    e.deadline_ms = amount;
  }
  sim_.emit(e);
}

// ---------------------------------------------------------------------------
// Addresses

std::string SimNetwork::key_of(const sockaddr_storage& a, socklen_t bytes, int type) const {
  std::string key(1, type == SOCK_STREAM ? 't' : 'u');
  if (a.ss_family == AF_UNIX) {
    const auto& un = reinterpret_cast<const sockaddr_un&>(a);
    std::size_t path_bytes = bytes - sizeof(sa_family_t);
    // A pathname ends at its NUL; an abstract name (leading NUL) uses every byte.
    if (path_bytes > 0 && un.sun_path[0] != '\0') path_bytes = strnlen(un.sun_path, path_bytes);
    return key + "x|" + std::string(un.sun_path, path_bytes);
  }
  char port[8];
  std::snprintf(port, sizeof port, "%05d", port_of(a));
  key += a.ss_family == AF_INET ? "4|" : "6|";
  key += port;
  key += '|';
  const auto* raw = a.ss_family == AF_INET
                        ? reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in&>(a).sin_addr)
                        : reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr);
  std::size_t raw_bytes = a.ss_family == AF_INET ? 4 : 16;
  for (std::size_t i = 0; i < raw_bytes; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", raw[i]);
    key += hex;
  }
  return key;
}

std::string SimNetwork::any_key_of(const sockaddr_storage& a, int type) const {
  sockaddr_storage any{};
  any.ss_family = a.ss_family;
  set_port(any, port_of(a));
  return key_of(any, length_of(a.ss_family), type);
}

int SimNetwork::assign_port(Socket& s, int index) {
  // Ephemeral ports, 49152..65535, the next free one (a port is free when no
  // socket of this type and family holds it at any address).
  for (int tries = 0; tries < 16384; ++tries) {
    int port = next_port_;
    next_port_ = next_port_ == 65535 ? 49152 : next_port_ + 1;
    sockaddr_storage probe{};
    probe.ss_family = s.local.ss_family;
    set_port(probe, port);
    std::string prefix = key_of(probe, length_of(probe.ss_family), s.type);
    prefix.resize(prefix.rfind('|') + 1);
    auto it = bound_.lower_bound(prefix);
    if (it != bound_.end() && it->first.compare(0, prefix.size(), prefix) == 0) continue;
    set_port(s.local, port);
    s.bound = true;
    bound_[key_of(s.local, s.local_bytes, s.type)] = index;
    return 0;
  }
  return EADDRINUSE;
}

int SimNetwork::find_listener(const sockaddr_storage& to, socklen_t to_bytes) const {
  for (const std::string& key : {key_of(to, to_bytes, SOCK_STREAM), to.ss_family == AF_UNIX ? std::string() : any_key_of(to, SOCK_STREAM)}) {
    if (key.empty()) continue;
    auto it = bound_.find(key);
    if (it == bound_.end()) continue;
    auto s = sockets_.find(it->second);
    if (s != sockets_.end() && s->second.state == State::listening) return it->second;
  }
  return -1;
}

int SimNetwork::find_datagram_socket(const sockaddr_storage& to) const {
  for (const std::string& key : {key_of(to, length_of(to.ss_family), SOCK_DGRAM), any_key_of(to, SOCK_DGRAM)}) {
    auto it = bound_.find(key);
    if (it != bound_.end()) return it->second;
  }
  return -1;
}

SimNetwork::Socket* SimNetwork::socket_at(int fd, int& index, int& err) {
  Endpoint* e = sim_.poller.find(fd);
  if (e == nullptr) {
    err = EBADF;
    return nullptr;
  }
  index = sim_.poller.index_of(*e);
  auto it = sockets_.find(index);
  if (it == sockets_.end()) {
    err = ENOTSOCK;
    return nullptr;
  }
  return &it->second;
}

// ---------------------------------------------------------------------------
// Making sockets

int SimNetwork::socket(int domain, int type, int protocol) {
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (domain != AF_INET && domain != AF_INET6 && domain != AF_UNIX) return fail(EAFNOSUPPORT);
  if (type != SOCK_STREAM && !(type == SOCK_DGRAM && domain != AF_UNIX)) return fail(ESOCKTNOSUPPORT);
  int expected = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (protocol != 0 && !(domain != AF_UNIX && protocol == expected)) return fail(EPROTONOSUPPORT);
  int fd = sim_.poller.open_endpoint(true);
  if (fd < 0) return fail(EMFILE);
  Socket s;
  s.domain = domain;
  s.type = type;
  s.local.ss_family = static_cast<sa_family_t>(domain);
  s.local_bytes = length_of(domain);
  sockets_[fd - first_fd] = s;
  return fd;
}

int SimNetwork::socketpair(int domain, int type, int protocol, int fds[2]) {
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (domain != AF_UNIX) return fail(EAFNOSUPPORT);
  if (type != SOCK_STREAM) return fail(ESOCKTNOSUPPORT);
  if (protocol != 0) return fail(EPROTONOSUPPORT);
  int a = socket(domain, type, protocol);
  if (a < 0) return -1;
  int b = socket(domain, type, protocol);
  if (b < 0) {
    close(a);
    return fail(EMFILE);
  }
  for (int fd : {a, b}) {
    Socket& s = sockets_.at(fd - first_fd);
    s.state = State::connected;
    s.has_remote = true;
    s.remote.ss_family = AF_UNIX;
    s.remote_bytes = sizeof(sa_family_t);
    set_up_stream(fd - first_fd);
  }
  sim_.poller.join(a - first_fd, b - first_fd);
  fds[0] = a;
  fds[1] = b;
  return 0;
}

int SimNetwork::bind(int fd, const sockaddr* address, socklen_t address_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (s->bound || s->state != State::fresh) return fail(EINVAL);
  sockaddr_storage a;
  socklen_t bytes = 0;
  if ((err = take_address(s->domain, address, address_bytes, a, bytes)) != 0) return fail(err);
  if (s->domain == AF_UNIX) {
    std::string key = key_of(a, bytes, s->type);
    if (bound_.count(key) != 0) return fail(EADDRINUSE);
    s->local = a;
    s->local_bytes = bytes;
    s->bound = true;
    bound_[key] = index;
    return 0;
  }
  s->local = a;
  s->local_bytes = bytes;
  if (port_of(a) == 0) {
    if ((err = assign_port(*s, index)) != 0) return fail(err);
    return 0;
  }
  // Taken when the same address holds it, or when either side is the
  // wildcard address with that port.
  std::string key = key_of(a, bytes, s->type);
  std::string prefix = key.substr(0, key.rfind('|') + 1);
  for (auto it = bound_.lower_bound(prefix); it != bound_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (it->first == key || is_any(a) || it->first == any_key_of(a, s->type)) return fail(EADDRINUSE);
  }
  s->bound = true;
  bound_[key] = index;
  return 0;
}

int SimNetwork::listen(int fd, int backlog) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (s->type != SOCK_STREAM) return fail(EOPNOTSUPP);
  if (s->state != State::fresh && s->state != State::listening) return fail(EINVAL);
  if (!s->bound) {
    if (s->domain == AF_UNIX) return fail(EINVAL);
    if ((err = assign_port(*s, index)) != 0) return fail(err);
  }
  s->state = State::listening;
  s->backlog = std::clamp(backlog, 1, net_max_backlog);
  return 0;
}

// ---------------------------------------------------------------------------
// Connections

void SimNetwork::schedule(std::int64_t at_ns, Pending p) {
  pending_.emplace(PendingKey{at_ns, sim_.choices().next(stream::sockets), sequence_++}, std::move(p));
}

int SimNetwork::connect(int fd, const sockaddr* address, socklen_t address_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  sockaddr_storage to;
  socklen_t to_bytes = 0;
  if ((err = take_address(s->domain, address, address_bytes, to, to_bytes)) != 0) return fail(err);
  if (s->type == SOCK_DGRAM) {
    if (!s->bound && (err = assign_port(*s, index)) != 0) return fail(err);
    s->remote = to;
    s->remote_bytes = to_bytes;
    s->has_remote = true;
    return 0;
  }
  switch (s->state) {
    case State::listening: return fail(EINVAL);
    case State::connecting: return fail(EALREADY);
    case State::connected: return fail(EISCONN);
    case State::failed: return fail(EINVAL);  // a socket whose connect failed is not reused
    case State::fresh: break;
  }
  s->remote = to;
  s->remote_bytes = to_bytes;
  s->has_remote = true;
  if (s->domain == AF_UNIX) {
    int listener = find_listener(to, to_bytes);
    if (listener < 0) return fail(bound_.count(key_of(to, to_bytes, SOCK_STREAM)) != 0 ? ECONNREFUSED : ENOENT);
    Socket& l = sockets_.at(listener);
    if (static_cast<int>(l.accept_queue.size()) + l.incoming >= l.backlog) return fail(EAGAIN);
    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    if (server < 0) return -1;
    int server_index = server - first_fd;
    Socket& srv = sockets_.at(server_index);
    srv.state = State::connected;
    srv.local = l.local;
    srv.local_bytes = l.local_bytes;
    srv.has_remote = true;
    srv.remote.ss_family = AF_UNIX;
    srv.remote_bytes = sizeof(sa_family_t);
    set_up_stream(server_index);
    Socket& client = sockets_.at(index);
    client.state = State::connected;
    set_up_stream(index);
    sim_.poller.join(index, server_index);
    sockets_.at(listener).accept_queue.push_back(server_index);
    emit(runtime::EventKind::net_connect, index, server_index, 0);
    return 0;
  }
  if (!s->bound) {
    // The simulated host owns every address: the source is the destination's.
    s->local = to;
    s->local_bytes = to_bytes;
    if ((err = assign_port(*s, index)) != 0) return fail(err);
  }
  s->state = State::connecting;
  set_up_stream(index);
  Pending syn;
  syn.kind = Pending::Kind::syn;
  syn.socket = index;
  syn.to = to;
  syn.to_bytes = to_bytes;
  schedule(sim_.clock.now_ns() + sim_.poller.at(index).outgoing.latency_ms * ns_per_ms, syn);
  return fail(EINPROGRESS);
}

void SimNetwork::arrive_syn(Pending& p, std::int64_t now_ns) {
  auto client = sockets_.find(p.socket);
  if (client == sockets_.end() || client->second.state != State::connecting) return;  // gave up
  std::int64_t latency_ns = sim_.poller.at(p.socket).outgoing.latency_ms * ns_per_ms;
  int listener = find_listener(p.to, p.to_bytes);
  if (listener < 0 || fault(sim_.opts().net_refuse, net_refuse_per_mille)) {
    Pending refused;
    refused.kind = Pending::Kind::refused;
    refused.socket = p.socket;
    schedule(now_ns + latency_ns, refused);
    return;
  }
  Socket& l = sockets_.at(listener);
  if (static_cast<int>(l.accept_queue.size()) + l.incoming >= l.backlog) {
    Pending again = p;
    if (p.attempt >= max_syn_attempts) {
      again.kind = Pending::Kind::timed_out;
      schedule(now_ns, again);
    } else {
      // The client sends it again 1, 2, 4... s after the last try left.
      ++again.attempt;
      schedule(now_ns + (1000ll << p.attempt) * ns_per_ms, again);
    }
    return;
  }
  int server = socket(l.domain, SOCK_STREAM, 0);
  if (server < 0) {
    Pending refused;
    refused.kind = Pending::Kind::refused;
    refused.socket = p.socket;
    schedule(now_ns + latency_ns, refused);
    return;
  }
  int server_index = server - first_fd;
  Socket& srv = sockets_.at(server_index);
  srv.state = State::connected;
  srv.local = p.to;
  srv.local_bytes = p.to_bytes;
  srv.remote = sockets_.at(p.socket).local;
  srv.remote_bytes = sockets_.at(p.socket).local_bytes;
  srv.has_remote = true;
  set_up_stream(server_index);
  // The same route both ways: the server answers with the client's latency.
  sim_.poller.at(server_index).outgoing.latency_ms = sim_.poller.at(p.socket).outgoing.latency_ms;
  sim_.poller.join(p.socket, server_index);
  sockets_.at(listener).incoming++;
  Pending established;
  established.kind = Pending::Kind::established;
  established.socket = p.socket;
  established.other = server_index;
  schedule(now_ns + latency_ns, established);
  Pending queued;
  queued.kind = Pending::Kind::queued;
  queued.socket = listener;
  queued.other = server_index;
  schedule(now_ns + 2 * latency_ns, queued);
}

void SimNetwork::deliver_due(std::int64_t now_ns) {
  while (!pending_.empty() && std::get<0>(pending_.begin()->first) <= now_ns) {
    Pending p = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    auto target = sockets_.find(p.socket);
    switch (p.kind) {
      case Pending::Kind::syn:
        arrive_syn(p, now_ns);
        break;
      case Pending::Kind::established:
        if (target == sockets_.end() || target->second.state != State::connecting) break;
        target->second.state = State::connected;
        emit(runtime::EventKind::net_connect, p.socket, p.other, 0);
        break;
      case Pending::Kind::refused:
      case Pending::Kind::timed_out:
        if (target == sockets_.end() || target->second.state != State::connecting) break;
        target->second.state = State::failed;
        target->second.so_error = p.kind == Pending::Kind::refused ? ECONNREFUSED : ETIMEDOUT;
        emit(runtime::EventKind::net_connect, p.socket, -1, target->second.so_error);
        break;
      case Pending::Kind::queued:
        if (target != sockets_.end() && target->second.state == State::listening) {
          target->second.incoming--;
          target->second.accept_queue.push_back(p.other);
        } else {
          // The listener closed meanwhile: the client's connection is reset.
          Endpoint& server = sim_.poller.at(p.other);
          sim_.poller.break_connection(server, ECONNRESET);
          emit(runtime::EventKind::net_reset, p.other, server.peer, ECONNRESET);
          sockets_.erase(p.other);
          sim_.poller.discard(p.other);
        }
        break;
      case Pending::Kind::datagram: {
        int to = find_datagram_socket(p.to);
        if (to < 0) break;  // nobody bound there: lost, as UDP is
        Socket& s = sockets_.at(to);
        if (s.inbox.size() >= net_datagram_queue) break;  // the receiver's queue is full: dropped
        s.inbox.push_back(std::move(p.datagram));
        break;
      }
    }
  }
}

std::int64_t SimNetwork::next_event_ns() const {
  return pending_.empty() ? never_ns : std::get<0>(pending_.begin()->first);
}

int SimNetwork::accept(int fd, sockaddr* address, socklen_t* address_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (s->type != SOCK_STREAM) return fail(EOPNOTSUPP);
  if (s->state != State::listening) return fail(EINVAL);
  if (s->accept_queue.empty()) return fail(EAGAIN);
  int server = s->accept_queue.front();
  s->accept_queue.pop_front();
  const Socket& srv = sockets_.at(server);
  copy_out(srv.remote, srv.remote_bytes, address, address_bytes);
  emit(runtime::EventKind::net_accept, server, sim_.poller.at(server).peer, 0);
  return SimPoller::fd_of(server);
}

bool SimNetwork::ready(int index, runtime::Direction d) const {
  auto it = sockets_.find(index);
  if (it == sockets_.end()) return true;
  const Socket& s = it->second;
  const bool in = d == runtime::Direction::in;
  if (s.type == SOCK_DGRAM) return in ? !s.inbox.empty() : true;
  switch (s.state) {
    case State::listening: return in && !s.accept_queue.empty();
    case State::connecting: return false;
    case State::failed:
    case State::fresh: return true;  // poll says POLLHUP (and POLLERR): the next call tells why
    case State::connected: return sim_.poller.stream_ready(sim_.poller.at(index), d);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Options and names

int SimNetwork::getsockopt(int fd, int level, int name, void* value, socklen_t* value_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (value == nullptr || value_bytes == nullptr || *value_bytes < static_cast<socklen_t>(sizeof(int)))
    return fail(EINVAL);
  int out = 0;
  if (level == SOL_SOCKET && name == SO_ERROR) {
    out = std::exchange(s->so_error, 0);
  } else if (level == SOL_SOCKET && name == SO_TYPE) {
    out = s->type;
  } else if (level == SOL_SOCKET && name == SO_DOMAIN) {
    out = s->domain;
  } else if (level == SOL_SOCKET && name == SO_ACCEPTCONN) {
    out = s->state == State::listening ? 1 : 0;
  } else if (level == SOL_SOCKET && name == SO_SNDBUF) {
    out = static_cast<int>(sim_.poller.at(index).capacity_bytes);
  } else {
    return fail(ENOPROTOOPT);
  }
  std::memcpy(value, &out, sizeof out);
  *value_bytes = sizeof out;
  return 0;
}

int SimNetwork::setsockopt(int fd, int level, int name, const void* value, socklen_t value_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (value == nullptr || value_bytes < static_cast<socklen_t>(sizeof(int))) return fail(EINVAL);
  // Accepted and without effect in the simulation: reuse (no TIME_WAIT is
  // simulated), keepalive, Nagle, v6-only (no v4-mapped addresses), receive
  // buffers (the send buffer bounds each direction), linger.
  bool known = (level == SOL_SOCKET && (name == SO_REUSEADDR || name == SO_REUSEPORT || name == SO_KEEPALIVE ||
                                        name == SO_RCVBUF || name == SO_SNDBUF || name == SO_LINGER)) ||
               (level == IPPROTO_TCP && name == TCP_NODELAY) || (level == IPPROTO_IPV6 && name == IPV6_V6ONLY);
  return known ? 0 : fail(ENOPROTOOPT);
}

int SimNetwork::getsockname(int fd, sockaddr* address, socklen_t* address_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (address == nullptr || address_bytes == nullptr) return fail(EFAULT);
  copy_out(s->local, s->local_bytes, address, address_bytes);
  return 0;
}

int SimNetwork::getpeername(int fd, sockaddr* address, socklen_t* address_bytes) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (address == nullptr || address_bytes == nullptr) return fail(EFAULT);
  if (!s->has_remote || (s->type == SOCK_STREAM && s->state != State::connected)) return fail(ENOTCONN);
  copy_out(s->remote, s->remote_bytes, address, address_bytes);
  return 0;
}

int SimNetwork::resolve(const char* name, int family, sockaddr_storage* out, int max, std::int64_t deadline_ms) {
  (void)deadline_ms;  // answered at once: nothing to wait for
  if (name == nullptr || out == nullptr || max <= 0) return fail(EINVAL);
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) return fail(EINVAL);
  std::vector<sockaddr_storage> found;
  auto add = [&](const std::string& literal) {
    sockaddr_storage a;
    if (parse_literal(literal, a)) found.push_back(a);
  };
  if (std::strcmp(name, "localhost") == 0) {
    add("127.0.0.1");
    add("::1");
  } else {
    {
      std::lock_guard<std::mutex> guard(hosts().lock);
      auto it = hosts().names.find(name);
      if (it != hosts().names.end()) found = it->second;
    }
    // CANOPY_NET_HOSTS=name=address,name=address
    if (const char* env = std::getenv("CANOPY_NET_HOSTS"); env != nullptr && found.empty()) {
      std::string list = env;
      std::size_t start = 0;
      while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string item = list.substr(start, end - start);
        std::size_t eq = item.find('=');
        if (eq != std::string::npos && item.substr(0, eq) == name) add(item.substr(eq + 1));
        start = end + 1;
      }
    }
  }
  int n = 0;
  for (const sockaddr_storage& a : found) {
    if (n == max) break;
    if (family != AF_UNSPEC && a.ss_family != family) continue;
    out[n++] = a;
  }
  return n > 0 ? n : fail(EADDRNOTAVAIL);
}

int SimNetwork::interface_address(const char* name, int family, sockaddr_storage* out) {
  if (name == nullptr || out == nullptr) return fail(EINVAL);
  for (const net_interface& i : net_interfaces) {
    if (std::strcmp(name, i.name) != 0) continue;
    const char* literal = family == AF_INET ? i.ipv4 : family == AF_INET6 ? i.ipv6 : nullptr;
    if (literal == nullptr || !parse_literal(literal, *out)) return fail(EADDRNOTAVAIL);
    return 0;
  }
  return fail(ENODEV);
}

int SimNetwork::random_bytes(void* out, std::size_t bytes) {
  if (out == nullptr && bytes > 0) return fail(EFAULT);
  auto* p = static_cast<unsigned char*>(out);
  for (std::size_t i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(sim_.choices().next(stream::entropy) >> 56);
  return 0;
}

// ---------------------------------------------------------------------------
// Data

ssize_t SimNetwork::sendmsg(int fd, const msghdr* message, int flags) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (message == nullptr || (message->msg_iovlen > 0 && message->msg_iov == nullptr)) return fail(EFAULT);
  if ((flags & ~(MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE)) != 0) return fail(EOPNOTSUPP);
  // Gather, but never more than a send buffer can take at once.
  std::size_t limit = s->type == SOCK_STREAM ? net_max_send_buffer_bytes : net_max_datagram_bytes + 1;
  std::string data;
  std::size_t total = 0;
  for (std::size_t i = 0; i < message->msg_iovlen; ++i) {
    const iovec& v = message->msg_iov[i];
    if (v.iov_len > 0 && v.iov_base == nullptr) return fail(EFAULT);
    total += v.iov_len;
    std::size_t take = std::min(v.iov_len, limit - std::min(limit, data.size()));
    data.append(static_cast<const char*>(v.iov_base), take);
  }
  if (s->type == SOCK_DGRAM) {
    if (message->msg_controllen != 0) return fail(EINVAL);
    sockaddr_storage to;
    socklen_t to_bytes = 0;
    if (message->msg_name != nullptr) {
      if ((err = take_address(s->domain, static_cast<const sockaddr*>(message->msg_name), message->msg_namelen, to,
                              to_bytes)) != 0)
        return fail(err);
    } else if (s->has_remote) {
      to = s->remote;
      to_bytes = s->remote_bytes;
    } else {
      return fail(EDESTADDRREQ);
    }
    if (total > net_max_datagram_bytes) return fail(EMSGSIZE);
    if (!s->bound) {
      s->local = to;  // the simulated host owns every address
      s->local_bytes = to_bytes;
      if ((err = assign_port(*s, index)) != 0) return fail(err);
    }
    if (s->latency_ms == 0) s->latency_ms = draw_latency_ms();
    sim_.poller.at(index).sent_bytes += total;
    if (fault(sim_.opts().net_partition, net_partition_per_mille)) return static_cast<ssize_t>(total);  // lost
    Pending p;
    p.kind = Pending::Kind::datagram;
    p.to = to;
    p.to_bytes = to_bytes;
    p.datagram.from = s->local;
    p.datagram.from_bytes = s->local_bytes;
    p.datagram.bytes = std::move(data);
    // Each datagram its own delay: datagrams may overtake each other, and
    // those from different senders interleave in the seed's order.
    std::int64_t delay_ms = s->latency_ms + draw_jitter_ms() * static_cast<std::int64_t>(sim_.choices().below(stream::sockets, 2));
    schedule(sim_.clock.now_ns() + delay_ms * ns_per_ms, std::move(p));
    return static_cast<ssize_t>(total);
  }
  if (s->state == State::connecting) return fail(EAGAIN);
  if (s->state != State::connected) {
    if (s->state == State::failed && s->so_error != 0) return fail(std::exchange(s->so_error, 0));
    return fail(s->state == State::failed ? EPIPE : ENOTCONN);
  }
  // Descriptors to pass (SCM_RIGHTS), made for the receiver now: they stay
  // alive while in flight even if the sender closes its own.
  std::vector<int> passed;
  auto drop_passed = [&] { close_passed(sim_.poller, passed); };
  if (message->msg_controllen != 0) {
    if (s->domain != AF_UNIX) return fail(EINVAL);
    for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(message)); c != nullptr;
         c = CMSG_NXTHDR(const_cast<msghdr*>(message), c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
        drop_passed();
        return fail(EINVAL);
      }
      if (c->cmsg_len < CMSG_LEN(0) || (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) > max_passed_fds) {
        drop_passed();
        return fail(EINVAL);
      }
      std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const auto* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
      for (std::size_t i = 0; i < count; ++i) {
        int given = fds[i];
        int made = given >= first_fd ? sim_.poller.alias(given) : ::fcntl(given, F_DUPFD_CLOEXEC, 0);
        if (made < 0) {
          drop_passed();
          return fail(EBADF);
        }
        passed.push_back(made);
      }
    }
  }
  // Only now: making aliases above may have moved the poller's ends.
  Endpoint& e = sim_.poller.at(index);
  std::uint64_t at_byte = e.sent_bytes;
  long n = sim_.poller.write_end(e, data.data(), data.size(), err);
  if (n < 0) {
    drop_passed();
    return fail(err);
  }
  if (!passed.empty()) {
    auto peer = sockets_.find(e.peer);
    if (peer != sockets_.end()) {
      peer->second.rights.push_back({at_byte, std::move(passed)});
    } else {
      drop_passed();
    }
  }
  // Messages for the diagram: the first few writes of each socket, so that
  // a long transfer cannot flood the trace (net_close has the total).
  if (n > 0 && s->traced_sends < traced_sends_per_socket) {
    ++s->traced_sends;
    emit(runtime::EventKind::net_send, index, e.peer, 0, n);
  }
  if (fault(sim_.opts().net_reset, net_reset_per_mille)) {
    sim_.poller.break_connection(e, ECONNRESET);
    emit(runtime::EventKind::net_reset, index, e.peer, ECONNRESET);
  } else if (fault(sim_.opts().net_partition, net_partition_per_mille)) {
    std::int64_t heal_ms = 100 + static_cast<std::int64_t>(sim_.choices().below(stream::faults, net_max_partition_ms - 100 + 1));
    e.partitioned_until_ns = sim_.clock.now_ns() + heal_ms * ns_per_ms;
    emit(runtime::EventKind::net_partition, index, e.peer, 0, e.partitioned_until_ns / ns_per_ms);
  }
  return n;
}

ssize_t SimNetwork::recvmsg(int fd, msghdr* message, int flags) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (message == nullptr || (message->msg_iovlen > 0 && message->msg_iov == nullptr)) return fail(EFAULT);
  if ((flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_NOSIGNAL | MSG_TRUNC | MSG_CMSG_CLOEXEC)) != 0) return fail(EOPNOTSUPP);
  std::size_t room = 0;
  for (std::size_t i = 0; i < message->msg_iovlen; ++i) {
    if (message->msg_iov[i].iov_len > 0 && message->msg_iov[i].iov_base == nullptr) return fail(EFAULT);
    room += message->msg_iov[i].iov_len;
  }
  auto scatter = [&](const char* from, std::size_t bytes) {
    std::size_t done = 0;
    for (std::size_t i = 0; i < message->msg_iovlen && done < bytes; ++i) {
      std::size_t take = std::min(message->msg_iov[i].iov_len, bytes - done);
      std::memcpy(message->msg_iov[i].iov_base, from + done, take);
      done += take;
    }
  };
  Endpoint& e = sim_.poller.at(index);
  message->msg_flags = 0;
  if (s->type == SOCK_DGRAM) {
    if (e.pending_error != 0) return fail(std::exchange(e.pending_error, 0));
    if (s->inbox.empty()) return fail(EAGAIN);
    Datagram& d = s->inbox.front();
    std::size_t n = std::min(room, d.bytes.size());
    scatter(d.bytes.data(), n);
    if (n < d.bytes.size()) message->msg_flags |= MSG_TRUNC;
    if (message->msg_name != nullptr) {
      socklen_t given = message->msg_namelen;
      copy_out(d.from, d.from_bytes, static_cast<sockaddr*>(message->msg_name), &given);
      message->msg_namelen = given;
    }
    message->msg_controllen = 0;
    std::size_t full = d.bytes.size();
    e.received_bytes += n;
    if ((flags & MSG_PEEK) == 0) s->inbox.pop_front();
    return static_cast<ssize_t>((flags & MSG_TRUNC) != 0 ? full : n);
  }
  if (s->state == State::connecting) return fail(EAGAIN);
  if (s->state != State::connected) {
    if (s->state == State::failed && s->so_error != 0) return fail(std::exchange(s->so_error, 0));
    return fail(ENOTCONN);
  }
  std::uint64_t before = e.received_bytes;
  std::string got(std::min(room, e.buffer.size() + 1), '\0');
  long n = sim_.poller.read_end(e, got.data(), std::min(room, e.buffer.size()), (flags & MSG_PEEK) != 0, err);
  if (n < 0) return fail(err);
  scatter(got.data(), static_cast<std::size_t>(n));
  // Descriptors that travelled with the bytes just read.
  std::size_t control_used = 0;
  bool peek = (flags & MSG_PEEK) != 0;
  while (!peek && n > 0 && !s->rights.empty() && s->rights.front().at_byte < before + static_cast<std::uint64_t>(n)) {
    Rights r = std::move(s->rights.front());
    s->rights.pop_front();
    std::size_t need = CMSG_SPACE(r.fds.size() * sizeof(int));
    if (message->msg_control == nullptr || control_used + need > message->msg_controllen) {
      message->msg_flags |= MSG_CTRUNC;  // no room: the descriptors are closed, as the kernel does
      close_passed(sim_.poller, r.fds);
      continue;
    }
    auto* c = reinterpret_cast<cmsghdr*>(static_cast<char*>(message->msg_control) + control_used);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(r.fds.size() * sizeof(int));
    std::memcpy(CMSG_DATA(c), r.fds.data(), r.fds.size() * sizeof(int));
    control_used += need;
  }
  message->msg_controllen = control_used;
  return n;
}

int SimNetwork::shutdown(int fd, int how) {
  int index = -1, err = 0;
  Socket* s = socket_at(fd, index, err);
  if (s == nullptr) return fail(err);
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return fail(EINVAL);
  if (s->type != SOCK_STREAM || s->state != State::connected) return fail(ENOTCONN);
  Endpoint& e = sim_.poller.at(index);
  if (how != SHUT_RD) {
    e.shut_write = true;
    if (e.peer >= 0) sim_.poller.at(e.peer).peer_shut_write = true;
  }
  if (how != SHUT_WR) e.can_read = false;
  return 0;
}

int SimNetwork::close(int fd) {
  int index = -1, err = 0;
  if (socket_at(fd, index, err) == nullptr) return fail(err);
  if ((err = sim_.poller.close(fd)) != 0) return fail(err);
  return 0;
}

void SimNetwork::closing(int index) {
  auto it = sockets_.find(index);
  if (it == sockets_.end()) return;
  Socket s = std::move(it->second);
  sockets_.erase(it);
  Endpoint& e = sim_.poller.at(index);
  if (s.type == SOCK_STREAM && s.state == State::connected) {
    // Unread bytes make the kernel answer with a reset instead of a FIN.
    if (!e.buffer.empty() && e.peer >= 0 && sim_.poller.at(e.peer).alive) {
      int peer = e.peer;
      sim_.poller.break_connection(e, ECONNRESET);
      emit(runtime::EventKind::net_reset, index, peer, ECONNRESET);
    }
    emit(runtime::EventKind::net_close, index, e.peer, 0);
  }
  for (int server : s.accept_queue) {
    // Connections nobody accepted are reset.
    Endpoint& end = sim_.poller.at(server);
    sim_.poller.break_connection(end, ECONNRESET);
    emit(runtime::EventKind::net_reset, server, end.peer, ECONNRESET);
    sockets_.erase(server);
    sim_.poller.discard(server);
  }
  for (Rights& r : s.rights) close_passed(sim_.poller, r.fds);
  for (auto b = bound_.begin(); b != bound_.end();) {
    b = b->second == index ? bound_.erase(b) : std::next(b);
  }
}

}  // namespace canopy::sim::detail
