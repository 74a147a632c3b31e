// The simulated network's public knobs: names that resolve, and the
// defaults it runs with (docs/simulation.md, "The simulated network").
//
// Under the simulator every socket call of the network layer goes through
// runtime::Sockets to an in-memory network inside the process: TCP and UDP
// over IPv4 and IPv6, and UNIX stream sockets, with seeded latency, jitter,
// piecewise delivery, bounded send buffers and (opt-in) faults. Nothing
// touches the host network. The simulated world is one host that owns every
// address: a listener bound to 10.0.0.2 or to 0.0.0.0 accepts connections
// made to 10.0.0.2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace canopy::sim {

/// Seeded per-connection one-way latency when options::net_latency_ms is -1:
/// 1..this many ms.
inline constexpr int net_default_max_latency_ms = 5;
/// Seeded per-connection jitter bound when options::net_jitter_ms is -1:
/// 0..this many ms.
inline constexpr int net_default_max_jitter_ms = 2;
/// A write on a simulated TCP connection arrives in up to this many pieces.
inline constexpr int net_max_pieces = 3;
/// Send buffers are seeded per connection between these sizes (bytes): a
/// writer that gets ahead of its reader by that much sees EAGAIN.
inline constexpr std::size_t net_min_send_buffer_bytes = 16 * 1024;
inline constexpr std::size_t net_max_send_buffer_bytes = 64 * 1024;
/// A UNIX stream socket has no latency, but a write takes as long to arrive
/// as the kernel's copy would, one write after another: this many ns, plus
/// this many per KiB (about 4 GiB/s). Two coroutines that keep each other
/// busy through a socket pair (one writing while the other reads) see
/// virtual time pass, and their deadlines come.
inline constexpr std::int64_t net_unix_copy_ns_per_write = 1000;
inline constexpr std::int64_t net_unix_copy_ns_per_kib = 250;
/// Datagrams a UDP socket holds unread before new ones are dropped.
inline constexpr std::size_t net_datagram_queue = 64;
/// The largest simulated datagram (bytes); larger ones fail with EMSGSIZE.
inline constexpr std::size_t net_max_datagram_bytes = 65507;
/// The most connections one listener queues, whatever listen() asks.
inline constexpr int net_max_backlog = 4096;
/// With CANOPY_NET_FAULTS: chance per thousand that a TCP write resets its
/// connection (reset), that a connection is refused though a listener
/// exists (refuse), that a write partitions its direction (partition).
inline constexpr int net_reset_per_mille = 10;
inline constexpr int net_refuse_per_mille = 100;
inline constexpr int net_partition_per_mille = 10;
/// A partition heals after a seeded 100..this many ms.
inline constexpr int net_max_partition_ms = 2000;

/// The simulated host's network interfaces, what ipaddr_local answers for an
/// interface name (the host's own interfaces are never read): each with one
/// IPv4 and one IPv6 address. Other names fail with ENODEV.
struct net_interface {
  const char* name;
  const char* ipv4;
  const char* ipv6;
};
inline constexpr net_interface net_interfaces[] = {{"lo", "127.0.0.1", "::1"},
                                                   {"eth0", "10.0.0.2", "fd00::2"}};

/// Makes `name` resolve to `address` (a literal IPv4 or IPv6 address) in
/// every simulated run of this process, besides `localhost` (127.0.0.1 and
/// ::1). The environment form is CANOPY_NET_HOSTS=name=address,name=address.
/// Returns 0, or -1 with errno EINVAL (empty name, or not a literal address).
int register_host(const std::string& name, const std::string& address);
/// Forgets every name register_host added.
void forget_hosts();

}  // namespace canopy::sim
