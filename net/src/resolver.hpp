// The kernel-side name resolver: getaddrinfo(3) on worker threads, so that a
// lookup blocks only the coroutine that asked for it.
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace canopy::net {

/// Lookups under way at once, across all threads; one more fails with
/// EAGAIN rather than queueing without bound.
inline constexpr int max_outstanding_lookups = 64;
/// Threads that run getaddrinfo; started when lookups wait, never more.
inline constexpr int max_resolver_threads = 4;

/// Resolves `name` into at most `max` addresses of `family` (AF_INET or
/// AF_INET6), port 0: how many (>= 1), or -1 with EADDRNOTAVAIL (no such
/// name or none of that family), ETIMEDOUT at `deadline_ms`, ECANCELED,
/// EAGAIN (too many lookups under way), ENOMEM, EMFILE. The calling
/// coroutine waits on an eventfd with fdin; the lookup it abandons (on
/// timeout or cancellation) finishes on its worker and is thrown away.
int resolve_on_worker(const char* name, int family, sockaddr_storage* out, int max,
                      std::int64_t deadline_ms);

}  // namespace canopy::net
