// Happy Eyeballs (RFC 8305): a connection to a host name that does not wait
// for a broken IPv6 (or IPv4) path. Both families are resolved at once;
// connection attempts alternate between them, IPv6 first, each given a head
// start before the next one begins (at once when it fails); the first
// connection made wins and every other attempt is cancelled.
#include <arpa/inet.h>
#include <libdill.h>

#include <cerrno>

namespace canopy::net {
namespace {

/// Addresses tried per family at most.
constexpr int max_per_family = 8;
/// How long an attempt runs alone before the next one starts (RFC 8305's
/// "Connection Attempt Delay", 250 ms recommended).
constexpr std::int64_t attempt_delay_ms = 250;
/// How long IPv4 answers wait for IPv6 ones before attempts begin (RFC
/// 8305's "Resolution Delay", 50 ms recommended).
constexpr std::int64_t resolution_delay_ms = 50;

enum class EventKind { resolved_v6, resolved_v4, attempt_done };

/// What the helpers tell the coordinator, over one channel.
struct Event {
  EventKind kind;  // which helper finished
  int handle;      // attempt_done: the connection, or -1
  int error;       // attempt_done with no connection: why
};

struct Lookups {
  const char* name;                        // the host to connect to
  int port;                                // its port
  dill_ipaddr v6[max_per_family];          // IPv6 answers
  dill_ipaddr v4[max_per_family];          // IPv4 answers
  int v6_count = 0;                        // answers in v6
  int v4_count = 0;                        // answers in v4
};

coroutine void resolve_family(Lookups* lookups, bool v6, int events) {
  dill_ipaddr* into = v6 ? lookups->v6 : lookups->v4;
  int n = ipaddr_remotes(into, max_per_family, lookups->name, lookups->port,
                         v6 ? IPADDR_IPV6 : IPADDR_IPV4, -1);
  (v6 ? lookups->v6_count : lookups->v4_count) = n < 0 ? 0 : n;
  Event e{v6 ? EventKind::resolved_v6 : EventKind::resolved_v4, -1, 0};
  chsend(events, &e, sizeof e, -1);
}

coroutine void attempt(dill_ipaddr address, int events) {
  Event e{EventKind::attempt_done, tcp_connect(&address, -1), 0};
  e.error = e.handle < 0 ? errno : 0;
  // Cancelled while reporting: a winner was found already; this one goes.
  if (chsend(events, &e, sizeof e, -1) != 0 && e.handle >= 0) hclose(e.handle);
}

int connect_happily(const char* name, int port, std::int64_t deadline) {
  Lookups lookups;
  lookups.name = name;
  lookups.port = port;
  int channel[2];
  if (chmake(channel) != 0) return -1;
  int helpers = bundle();
  if (helpers < 0) {
    int err = errno;
    hclose(channel[0]);
    hclose(channel[1]);
    return errno = err, -1;
  }
  int result = -1, err = 0;
  bool v6_known = false, v4_known = false;
  std::int64_t v4_known_at = 0;
  int tried_v6 = 0, tried_v4 = 0, running = 0;
  bool last_was_v6 = false;
  std::int64_t next_attempt_at = 0;
  int last_error = EADDRNOTAVAIL;
  if (bundle_go(helpers, resolve_family(&lookups, true, channel[1])) != 0 ||
      bundle_go(helpers, resolve_family(&lookups, false, channel[1])) != 0) {
    err = errno;
    goto out;
  }
  for (;;) {
    std::int64_t t = now();
    bool may_start = v6_known || (v4_known && t >= v4_known_at + resolution_delay_ms);
    bool v6_left = tried_v6 < lookups.v6_count, v4_left = tried_v4 < lookups.v4_count;
    if (may_start && (v6_left || v4_left) && (running == 0 || t >= next_attempt_at)) {
      bool use_v6 = v6_left && (!last_was_v6 || !v4_left);
      dill_ipaddr address = use_v6 ? lookups.v6[tried_v6++] : lookups.v4[tried_v4++];
      last_was_v6 = use_v6;
      if (bundle_go(helpers, attempt(address, channel[1])) != 0) {
        err = errno;
        goto out;
      }
      ++running;
      next_attempt_at = t + attempt_delay_ms;
      continue;
    }
    if (v6_known && v4_known && running == 0 && !v6_left && !v4_left) {
      err = last_error;
      goto out;
    }
    // Wake for the next event, the next attempt's start, or the end of
    // the resolution delay, whichever comes first.
    std::int64_t wake = deadline;
    auto earlier = [&](std::int64_t at) {
      if (wake < 0 || at < wake) wake = at;
    };
    if ((v6_left || v4_left) && may_start) earlier(next_attempt_at);
    if (!may_start && v4_known) earlier(v4_known_at + resolution_delay_ms);
    Event e;
    if (chrecv(channel[0], &e, sizeof e, wake) != 0) {
      if (errno == ETIMEDOUT && wake != deadline) continue;
      err = errno;
      goto out;
    }
    if (e.kind == EventKind::resolved_v6) v6_known = true;
    if (e.kind == EventKind::resolved_v4) v4_known = true, v4_known_at = now();
    if (e.kind == EventKind::attempt_done) {
      --running;
      if (e.handle >= 0) {
        result = e.handle;
        goto out;
      }
      last_error = e.error;
      next_attempt_at = now();  // a failed attempt gives way to the next at once
    }
  }
out:
  // Cancels the lookups and the attempts still under way; an attempt that
  // connected meanwhile closes its connection itself.
  hclose(helpers);
  hclose(channel[0]);
  hclose(channel[1]);
  if (result < 0) errno = err;
  return result;
}

}  // namespace
}  // namespace canopy::net

extern "C" int dill_happyeyeballs_connect(const char* name, int port, int64_t deadline) {
  if (!name || port <= 0 || port > 65535) return errno = EINVAL, -1;
  // A literal address needs neither lookups nor a race.
  in6_addr parsed;
  if (inet_pton(AF_INET, name, &parsed) == 1 || inet_pton(AF_INET6, name, &parsed) == 1) {
    dill_ipaddr literal;
    if (ipaddr_remote(&literal, name, port, 0, deadline) != 0) return -1;
    return tcp_connect(&literal, deadline);
  }
  return canopy::net::connect_happily(name, port, deadline);
}
