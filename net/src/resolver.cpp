// getaddrinfo(3) blocks its thread for as long as DNS takes, so it runs on a
// few worker threads of its own. A coroutine hands a Lookup to the queue and
// waits with fdin on the Lookup's eventfd, which the worker signals when the
// answer is in. The Lookup is shared: a coroutine that gives up (deadline,
// cancellation) stops waiting (fdclean) and drops its share, and the worker
// drops the other when it is done; the eventfd is closed by whoever is last,
// so the worker never writes to a descriptor that was closed and reused.
#include "resolver.hpp"

#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libdill.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace canopy::net {

namespace {

/// Addresses one lookup keeps at most, whatever the caller asked for.
constexpr int max_addresses_per_lookup = 64;

struct Lookup {
  std::string name;                       // the host name to resolve
  int family = AF_UNSPEC;                 // AF_INET or AF_INET6
  int max = 0;                            // how many addresses the caller wants
  int signal_fd = -1;                     // eventfd written once the answer is in
  std::vector<sockaddr_storage> answers;  // filled by the worker
  int error = 0;                          // the worker's errno; 0 with answers
  std::atomic<bool> done{false};          // publishes answers and error to the waiter
  ~Lookup() {
    if (signal_fd >= 0) ::close(signal_fd);
  }
};

class Resolver {
 public:
  static Resolver& instance() {
    // Leaked on purpose: workers may still be running at exit.
    static Resolver* resolver = new Resolver;
    return *resolver;
  }

  /// Queues a lookup; false (EAGAIN) when too many are under way.
  bool submit(std::shared_ptr<Lookup> lookup) {
    std::lock_guard lock(mutex_);
    if (outstanding_ >= max_outstanding_lookups) return false;
    ++outstanding_;
    queue_.push_back(std::move(lookup));
    if (idle_ == 0 && threads_ < max_resolver_threads) {
      ++threads_;
      std::thread([this] { work(); }).detach();
    } else {
      wake_.notify_one();
    }
    return true;
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      wake_.wait(lock, [this] { return !queue_.empty(); });
      --idle_;
      std::shared_ptr<Lookup> lookup = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      answer(*lookup);
      lookup->done.store(true, std::memory_order_release);
      std::uint64_t one = 1;
      // The eventfd cannot be full (one write per lookup); nothing to retry.
      [[maybe_unused]] ssize_t written = ::write(lookup->signal_fd, &one, sizeof one);
      lookup.reset();
      lock.lock();
      --outstanding_;
    }
  }

  static void answer(Lookup& lookup) {
    addrinfo hints{};
    hints.ai_family = lookup.family;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not per socket type
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(lookup.name.c_str(), nullptr, &hints, &found);
    if (rc != 0) {
      lookup.error = rc == EAI_MEMORY ? ENOMEM
                     : rc == EAI_SYSTEM && errno == EMFILE ? EMFILE
                                                         : EADDRNOTAVAIL;
      return;
    }
    for (addrinfo* it = found; it && static_cast<int>(lookup.answers.size()) < lookup.max;
         it = it->ai_next) {
      if (it->ai_family != lookup.family || it->ai_addrlen > sizeof(sockaddr_storage)) continue;
      sockaddr_storage address{};
      std::memcpy(&address, it->ai_addr, it->ai_addrlen);
      // The same address may come once per protocol: keep it once.
      bool seen = std::any_of(lookup.answers.begin(), lookup.answers.end(),
                              [&](const sockaddr_storage& a) {
                                return std::memcmp(&a, &address, sizeof a) == 0;
                              });
      if (!seen) lookup.answers.push_back(address);
    }
    ::freeaddrinfo(found);
    if (lookup.answers.empty()) lookup.error = EADDRNOTAVAIL;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Lookup>> queue_;  // lookups no worker has taken yet
  int outstanding_ = 0;                        // queued or being answered
  int threads_ = 0;                            // workers started
  int idle_ = 0;                               // workers waiting for a lookup
};

}  // namespace

int resolve_on_worker(const char* name, int family, sockaddr_storage* out, int max,
                      std::int64_t deadline_ms) {
  if (!name || !out || max <= 0 || (family != AF_INET && family != AF_INET6)) {
    errno = EINVAL;
    return -1;
  }
  // A coroutine that is already cancelled must not start a lookup.
  if (int rc = msleep(0); rc != 0) return -1;
  auto lookup = std::make_shared<Lookup>();
  lookup->name = name;
  lookup->family = family;
  lookup->max = std::min(max, max_addresses_per_lookup);
  lookup->signal_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (lookup->signal_fd < 0) return -1;
  int signal_fd = lookup->signal_fd;
  if (!Resolver::instance().submit(lookup)) {
    errno = EAGAIN;
    return -1;
  }
  int rc = fdin(signal_fd, deadline_ms);
  int err = errno;
  fdclean(signal_fd);
  if (rc != 0) {
    errno = err;
    return -1;
  }
  // fdin woke us, so the worker wrote: it has finished with the answers.
  if (!lookup->done.load(std::memory_order_acquire)) {
    errno = EAGAIN;  // unreachable: only the worker writes the eventfd
    return -1;
  }
  if (lookup->error != 0) {
    errno = lookup->error;
    return -1;
  }
  std::copy(lookup->answers.begin(), lookup->answers.end(), out);
  return static_cast<int>(lookup->answers.size());
}

}  // namespace canopy::net
