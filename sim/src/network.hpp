// The simulated network: runtime::Sockets over the simulated poller's ends.
//
// A socket is an Endpoint of the SimPoller (so fdin/fdout and the poller's
// readiness work on it) plus what this file knows about it: its addresses,
// its state (listening, connecting, connected), its queue of datagrams, the
// descriptors passed to it. Connection set-up and datagrams travel as timed
// events that the poller delivers when virtual time reaches them; stream
// bytes travel as the poller's in-flight segments.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "canopy/runtime/sockets.hpp"
#include "rng.hpp"
#include "canopy/runtime/platform.hpp"

namespace canopy::sim::detail {

class Simulation;

class SimNetwork final : public runtime::Sockets {
 public:
  explicit SimNetwork(Simulation& sim);

  int socket(int domain, int type, int protocol) override;
  int socketpair(int domain, int type, int protocol, int fds[2]) override;
  int bind(int fd, const sockaddr* address, socklen_t address_bytes) override;
  int listen(int fd, int backlog) override;
  int accept(int fd, sockaddr* address, socklen_t* address_bytes) override;
  int connect(int fd, const sockaddr* address, socklen_t address_bytes) override;
  int getsockopt(int fd, int level, int name, void* value, socklen_t* value_bytes) override;
  int setsockopt(int fd, int level, int name, const void* value, socklen_t value_bytes) override;
  int getsockname(int fd, sockaddr* address, socklen_t* address_bytes) override;
  int getpeername(int fd, sockaddr* address, socklen_t* address_bytes) override;
  ssize_t sendmsg(int fd, const msghdr* message, int flags) override;
  ssize_t recvmsg(int fd, msghdr* message, int flags) override;
  int shutdown(int fd, int how) override;
  int close(int fd) override;
  int resolve(const char* name, int family, sockaddr_storage* out, int max,
              std::int64_t deadline_ms) override;
  int interface_address(const char* name, int family, sockaddr_storage* out) override;
  int random_bytes(void* out, std::size_t bytes) override;

  // For the poller.
  /// Whether the socket at endpoint `index` is ready in `direction`.
  bool ready(int index, runtime::Direction direction) const;
  /// Carries out every timed event due at `now_ns`.
  void deliver_due(std::int64_t now_ns);
  /// The time of the next timed event, or INT64_MAX.
  std::int64_t next_event_ns() const;
  /// The last descriptor of the socket at `index` is being closed.
  void closing(int index);

 private:
  enum class State : std::uint8_t { fresh, listening, connecting, connected, failed };
  struct Datagram {
    sockaddr_storage from{};   ///< the sender's address, for recvmsg's msg_name
    socklen_t from_bytes = 0;
    std::string bytes;
  };
  struct Rights {
    std::uint64_t at_byte = 0;  ///< stream offset of the first byte they travel with
    std::vector<int> fds;       ///< descriptors made for the receiver (aliases or dups)
  };
  struct Socket {
    int domain = AF_INET;
    int type = SOCK_STREAM;
    State state = State::fresh;
    bool bound = false;
    sockaddr_storage local{};   ///< getsockname
    socklen_t local_bytes = 0;
    sockaddr_storage remote{};  ///< getpeername; the default UDP destination
    socklen_t remote_bytes = 0;
    bool has_remote = false;
    int so_error = 0;           ///< connect's outcome, read once by SO_ERROR
    int backlog = 0;
    int incoming = 0;           ///< connections on their way into the accept queue
    std::deque<int> accept_queue;  ///< endpoint indices of connections ready to accept
    std::deque<Datagram> inbox;    ///< datagrams arrived, not read yet
    std::deque<Rights> rights;     ///< descriptors passed to this socket, not received yet
    std::int64_t latency_ms = 0;   ///< this socket's one-way latency (datagrams)
    std::uint32_t traced_sends = 0;  ///< net_send events traced (at most traced_sends_per_socket)
  };
  /// A connection or datagram on its way, carried out at its time.
  struct Pending {
    enum class Kind : std::uint8_t { syn, established, refused, timed_out, queued, datagram };
    Kind kind = Kind::syn;
    int socket = -1;         ///< the client (syn, established, refused), the listener (queued), the receiver
    int other = -1;          ///< the server side (queued, established)
    int attempt = 0;         ///< syn retries so far (a full accept queue drops it)
    sockaddr_storage to{};   ///< syn: where it goes
    socklen_t to_bytes = 0;
    Datagram datagram;       ///< datagram only
  };
  using PendingKey = std::tuple<std::int64_t, std::uint64_t, std::uint64_t>;  ///< time, seeded tiebreak, sequence

  Socket* socket_at(int fd, int& index, int& err);
  void schedule(std::int64_t at_ns, Pending p);
  void arrive_syn(Pending& p, std::int64_t now_ns);
  /// The listening socket bound to `to`, or -1.
  int find_listener(const sockaddr_storage& to, socklen_t to_bytes) const;
  /// The UDP socket bound to `to`, or -1.
  int find_datagram_socket(const sockaddr_storage& to) const;
  std::string key_of(const sockaddr_storage& a, socklen_t bytes, int type) const;
  std::string any_key_of(const sockaddr_storage& a, int type) const;
  int assign_port(Socket& s, int index);
  bool fault(bool enabled, int per_mille);
  std::int64_t draw_latency_ms();
  std::int64_t draw_jitter_ms();
  void set_up_stream(int index);
  void emit(runtime::EventKind kind, int index, int other, int err, std::int64_t amount = 0);

  // Seeded choices come from sim_.choices() (choices.hpp): stream::sockets
  // for latencies, buffer sizes, pieces and tiebreaks; stream::faults for
  // fault draws, so that turning faults on changes nothing else;
  // stream::entropy for random_bytes, so that a protocol's masks change no timing.
  Simulation& sim_;
  std::map<int, Socket> sockets_;        ///< endpoint index -> socket
  std::map<std::string, int> bound_;     ///< address key -> endpoint index (ordered: deterministic)
  std::map<PendingKey, Pending> pending_;
  std::uint64_t sequence_ = 0;
  int next_port_ = 49152;                ///< the next ephemeral port to try
};

}  // namespace canopy::sim::detail
