// What the runtime tells an Observer: one flat record per thing it did.
//
// One struct for every kind keeps the observer interface to a single virtual
// call and lets a recorder serialize without a visitor. Fields that do not
// apply to a kind are left at their defaults. Identities are per-scheduler
// sequence numbers, never addresses or handle values, so that the same
// simulated run produces the same events byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "canopy/runtime/spawn.hpp"

namespace canopy::runtime {

/// Why a coroutine blocked.
enum class BlockReason : std::uint8_t {
  chsend,
  chrecv,
  choose,
  msleep,
  fdin,
  fdout,
  bundle_wait,
  hclose,
  yield,
};

/// The name of each BlockReason, in enumerator order: the one table of these
/// names, used by to_string, by reports and by the trace format.
inline constexpr const char* block_reason_names[] = {
    "chsend", "chrecv", "choose", "msleep", "fdin", "fdout", "bundle_wait", "hclose", "yield"};
static_assert(std::size(block_reason_names) == static_cast<std::size_t>(BlockReason::yield) + 1,
              "every BlockReason has a name");

/// Name used in traces and reports ("chsend", "bundle_wait", ...); "?" for a
/// value outside the enumeration.
const char* to_string(BlockReason reason);

/// What kind of object a handle names; `user` is an object of the
/// program's own type, made with hmake (<libdillimpl.h>).
enum class ObjectKind : std::uint8_t { none, coroutine, bundle, channel, user };

/// The name of each ObjectKind, in enumerator order (the one table).
inline constexpr const char* object_kind_names[] = {"none", "coroutine", "bundle", "channel", "user"};
static_assert(std::size(object_kind_names) == static_cast<std::size_t>(ObjectKind::user) + 1,
              "every ObjectKind has a name");

/// "coroutine", "bundle", ...; "?" for a value outside the enumeration.
const char* to_string(ObjectKind kind);

enum class EventKind : std::uint8_t {
  spawn,              ///< coroutine created: parent, bundle, site
  block,              ///< coroutine blocked: reason, object, deadline
  wake,               ///< blocked coroutine made ready: by, err
  cancel,             ///< cancellation requested: by, through handle
  ecanceled,          ///< a blocking call returned ECANCELED
  deadline_expired,   ///< a blocking call's deadline passed
  exit,               ///< coroutine finished: err 0 (returned) or ECANCELED
  chsend,             ///< a message left `coroutine` for `other`
  chrecv,             ///< a message reached `coroutine` from `other`
  chdone,             ///< a channel side was marked done
  bundle_wait_begin,  ///< bundle_wait started: deadline
  bundle_wait_end,    ///< bundle_wait ended: err
  timer_set,          ///< a deadline was armed
  timer_fired,        ///< a deadline fired
  object_open,        ///< a bundle, channel or user object was created
  object_close,       ///< a bundle, channel or user object was closed
  outside,            ///< the run waited on real descriptor `object`, connected
                      ///< to the outside: from here on it may not repeat
  net_connect,        ///< a simulated connection was set up: `object` the
                      ///< connecting socket, `other_object` the listener's new
                      ///< socket (0 when refused), err ECONNREFUSED when refused
  net_accept,         ///< a listener handed out socket `object`, peer `other_object`
  net_reset,          ///< connection of socket `object` was reset (err ECONNRESET)
  net_close,          ///< socket `object` closed: `bytes` sent, `bytes_received`
  net_send,           ///< socket `object` wrote `bytes` to its peer `other_object`
                      ///< (the simulator traces the first few writes per socket)
  net_partition,      ///< the connection of socket `object` (peer `other_object`)
                      ///< is partitioned until `deadline_ms`, when it heals
};

/// The name of each EventKind, in enumerator order (the one table; the
/// trace format's `kind` field).
inline constexpr const char* event_kind_names[] = {
    "spawn",  "block",  "wake",   "cancel", "ecanceled",         "deadline_expired",
    "exit",   "chsend", "chrecv", "chdone", "bundle_wait_begin", "bundle_wait_end",
    "timer_set", "timer_fired", "object_open", "object_close", "outside",
    "net_connect", "net_accept", "net_reset", "net_close", "net_send", "net_partition"};
static_assert(std::size(event_kind_names) == static_cast<std::size_t>(EventKind::net_partition) + 1,
              "every EventKind has a name");

/// "spawn", "block", ...; "?" for a value outside the enumeration.
const char* to_string(EventKind kind);


/// Identity of a coroutine inside one scheduler; 0 is the thread's main.
using CoroutineId = std::uint64_t;
/// Identity of a bundle or channel inside one scheduler (0: none).
using ObjectId = std::uint64_t;

inline constexpr CoroutineId main_coroutine = 0;
inline constexpr CoroutineId no_coroutine = ~CoroutineId{0};

struct Event {
  EventKind kind = EventKind::spawn;
  std::int64_t time_ns = 0;                ///< clock reading when it happened
  CoroutineId coroutine = main_coroutine;  ///< whom it is about
  CoroutineId other = no_coroutine;        ///< parent, waker, canceller, peer
  ObjectId object = 0;                     ///< bundle / channel / child id
  ObjectKind object_kind = ObjectKind::none;
  BlockReason reason = BlockReason::yield; ///< block only
  std::int64_t deadline_ms = -1;           ///< block, timers, bundle_wait; net_partition: heals
  int err = 0;                             ///< wake, exit, bundle_wait_end
  std::size_t bytes = 0;                   ///< channel messages, net_send; net_close: bytes sent
  std::size_t bytes_received = 0;          ///< net_close: bytes received
  std::uint64_t other_object = 0;          ///< net_*: the peer socket
  int side = -1;                           ///< channel end (0 or 1)
  SpawnSite site{};                        ///< spawn only
};

/// Receives events while tracing is on.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void record(const Event& event) = 0;
  /// Coroutine `id` yielded at `time_ns`: the block event of reason yield,
  /// the commonest event of a simulation, told without an Event to fill in.
  /// The default tells record() that event, so an observer that does not
  /// override this sees exactly what it would otherwise; the simulator's
  /// takes it on a shorter path.
  /// (Out of line, so that the runtime's call is one plain virtual call.)
  virtual void yielded(CoroutineId id, std::int64_t time_ns);
};

}  // namespace canopy::runtime
