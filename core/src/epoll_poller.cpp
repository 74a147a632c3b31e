// The real poller: epoll, level-triggered, registrations kept lazily.
//
// Registering and unregistering on every wait would cost two system calls
// per fdin. Instead a descriptor stays registered after its waiter is served.
// When epoll reports a direction nobody waits for, the descriptor is queued
// and trimmed only before a wait that may block, not at once: the scheduler
// also polls without blocking while coroutines are ready, and a coroutine
// woken for a descriptor usually reads, answers and waits on it again before
// the scheduler has nothing left to run. By then its interest is registered
// again, the trim finds nothing to do, and the round trip costs no
// epoll_ctl. (An unwanted report in a poll that does not block costs only
// its place in the event array; before one that may block, it must go, or
// epoll would return at once.) Regular files cannot
// be registered with epoll; they are always ready, and are reported so at
// the next wait.
//
// A look (a poll that does not block) is skipped while a waiter this poller
// woke has not waited again, unless the last look was look_interval_ns ago.
// Being level-triggered, epoll reports such a descriptor again as long as
// its waiter has not run to read it: with hundreds of coroutines woken by
// one wait and a look every 64 switches, most of what the looks reported was
// these stale reports (3.1 reports per echoed message on 1,000 connections,
// 1.0 with the skip), each a tcp_poll in the kernel and a delivery here. A
// wait that may block is never skipped, and busy coroutines still cannot
// keep descriptors from being served for longer than the interval.
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <vector>

#include "real_platform.hpp"

namespace canopy::core {


namespace {

constexpr std::uint8_t bit(runtime::Direction d) { return d == runtime::Direction::in ? 1 : 2; }

class EpollPoller final : public runtime::Poller {
 public:
  ~EpollPoller() override {
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  int watch(int fd, runtime::Direction d) override {
    // The user's descriptor by this number was closed, and the number now
    // names the runtime's own epoll instance.
    if (fd == epoll_fd_) return EBADF;
    // Checked before anything is sized by the number: an open descriptor is
    // below RLIMIT_NOFILE, so fds_ stays bounded by it. One already
    // registered was checked when it was registered (close needs fdclean).
    const bool known = static_cast<std::size_t>(fd) < fds_.size() &&
                       (fds_[static_cast<std::size_t>(fd)].registered != 0 ||
                        fds_[static_cast<std::size_t>(fd)].always_ready);
    if (!known && fcntl(fd, F_GETFD) < 0) return EBADF;
    if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(static_cast<std::size_t>(fd) + 1);
    FdState& s = fds_[static_cast<std::size_t>(fd)];
    if (s.wanted & bit(d)) return EBUSY;
    if (s.served & bit(d)) {
      s.served &= static_cast<std::uint8_t>(~bit(d));
      --served_;
    }
    if (s.always_ready) {
      s.wanted |= bit(d);
      ++watches_;
      ++always_ready_watches_;
      return 0;
    }
    if (epoll_fd_ < 0) {
      epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
      if (epoll_fd_ < 0) return errno;
    }
    std::uint8_t wanted = s.wanted | bit(d);
    if ((s.registered & wanted) != wanted) {
      epoll_event ev{};
      ev.events = events_for(wanted | s.registered);
      ev.data.fd = fd;
      int op = s.registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
      if (epoll_ctl(epoll_fd_, op, fd, &ev) != 0) {
        if (errno == EPERM) {
          // A regular file or similar: always ready for both directions.
          s.always_ready = true;
          s.wanted = wanted;
          ++watches_;
          ++always_ready_watches_;
          return 0;
        }
        return errno == ENOENT ? EBADF : errno;
      }
      s.registered |= wanted;
    }
    s.wanted = wanted;
    ++watches_;
    return 0;
  }

  void unwatch(int fd, runtime::Direction d) override {
    FdState& s = fds_[static_cast<std::size_t>(fd)];
    if (s.wanted & bit(d)) {
      s.wanted &= static_cast<std::uint8_t>(~bit(d));
      --watches_;
      if (s.always_ready) --always_ready_watches_;
    }
  }

  int clean(int fd) override {
    if (fd < 0) return EBADF;
    if (static_cast<std::size_t>(fd) >= fds_.size()) return 0;
    FdState& s = fds_[static_cast<std::size_t>(fd)];
    if (s.wanted != 0) return EBUSY;
    if (s.registered != 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    forget_served(s);
    const bool queued = s.trim_queued;  // still on trim_queue_, which must not hold it twice
    s = FdState{};
    s.trim_queued = queued;
    return 0;
  }

  void wait(std::int64_t timeout_ns, runtime::ReadinessSink& sink) override {
    const bool looking = timeout_ns == 0;
    if (!looking) trim_queued();
    bool have_always_ready = always_ready_watches_ != 0;
    if (have_always_ready) timeout_ns = 0;
    if (epoll_fd_ < 0) {
      if (timeout_ns > 0) {
        timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                    static_cast<long>(timeout_ns % 1'000'000'000)};
        nanosleep(&ts, nullptr);
      }
    } else {
      // One clock reading serves the skip test and the time of this call.
      const std::int64_t now_ns = monotonic_ns();
      if (!(looking && served_ != 0 && now_ns - last_epoll_ns_ < look_interval_ns)) {
        last_epoll_ns_ = now_ns;
        int n = wait_for_events(timeout_ns);
        for (int i = 0; i < n; ++i) deliver(events_[i], sink);
      }
    }
    if (have_always_ready) {
      for (std::size_t fd = 0; fd < fds_.size(); ++fd) {
        FdState& s = fds_[fd];
        if (!s.always_ready) continue;
        for (runtime::Direction d : {runtime::Direction::in, runtime::Direction::out}) {
          if (s.wanted & bit(d)) sink.fd_ready(static_cast<int>(fd), d, 0);
        }
      }
    }
  }

  std::size_t watch_count() const override { return watches_; }

 private:
  struct FdState {
    std::uint8_t wanted = 0;      ///< directions a coroutine waits for
    std::uint8_t registered = 0;  ///< directions epoll reports
    std::uint8_t served = 0;      ///< directions whose waiter was woken here and has not waited since
    bool always_ready = false;    ///< epoll refused it (regular file)
    bool trim_queued = false;     ///< on trim_queue_: at most once there
  };
  static constexpr int max_events = 256;
  /// The longest a look is skipped for while woken waiters have not waited
  /// again (libdill's scheduler looks at most once a second while busy).
  /// 10 ms: longer than one wait's worth of woken waiters takes to run
  /// (256 echoes, about 2 ms here), so that a look never comes between them.
  static constexpr std::int64_t look_interval_ns = 10'000'000;

  static std::int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }

  void serve(FdState& s, std::uint8_t direction_bit) {
    if (s.served & direction_bit) return;
    s.served |= direction_bit;
    ++served_;
  }

  void forget_served(FdState& s) {
    served_ -= static_cast<std::size_t>(__builtin_popcount(s.served));
    s.served = 0;
  }

  static std::uint32_t events_for(std::uint8_t directions) {
    return ((directions & 1) ? EPOLLIN : 0u) | ((directions & 2) ? EPOLLOUT : 0u);
  }

  void deliver(const epoll_event& ev, runtime::ReadinessSink& sink) {
    int fd = ev.data.fd;
    FdState& s = fds_[static_cast<std::size_t>(fd)];
    bool failed = (ev.events & (EPOLLERR | EPOLLHUP)) != 0;
    if ((ev.events & (EPOLLIN | EPOLLRDHUP)) || failed) {
      if (s.wanted & 1) {
        sink.fd_ready(fd, runtime::Direction::in, 0);
        serve(s, 1);
      }
    }
    if ((ev.events & EPOLLOUT) || failed) {
      if (s.wanted & 2) {
        sink.fd_ready(fd, runtime::Direction::out, 0);
        serve(s, 2);
      }
    }
    // What nobody waits for must be trimmed before a wait that may block,
    // or that wait returns at once; by then its waiter may be back.
    if (s.registered != s.wanted && !s.trim_queued) {
      s.trim_queued = true;
      trim_queue_.push_back(fd);
    }
  }

  // epoll_pwait2 (Linux 5.11) takes the timeout in nanoseconds. Where it
  // does not exist (older kernels, valgrind 3.19), epoll_wait with the
  // timeout rounded up to whole milliseconds, so that a timer is never
  // served early.
  int wait_for_events(std::int64_t timeout_ns) {
    if (!no_pwait2_) {
      timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                  static_cast<long>(timeout_ns % 1'000'000'000)};
      int n = epoll_pwait2(epoll_fd_, events_, max_events, timeout_ns < 0 ? nullptr : &ts, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      no_pwait2_ = true;
    }
    std::int64_t timeout_ms = timeout_ns < 0 ? -1 : (timeout_ns + 999'999) / 1'000'000;
    if (timeout_ms > INT_MAX) timeout_ms = INT_MAX;
    return epoll_wait(epoll_fd_, events_, max_events, static_cast<int>(timeout_ms));
  }

  // Registrations made to match what is waited for now, for the descriptors
  // that fired with nobody waiting since the last wait.
  void trim_queued() {
    for (int fd : trim_queue_) {
      FdState& s = fds_[static_cast<std::size_t>(fd)];
      s.trim_queued = false;
      forget_served(s);  // not waited for again: the registration goes
      if (s.always_ready || s.registered == s.wanted) continue;
      if (s.wanted == 0) {
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      } else {
        epoll_event mod{};
        mod.events = events_for(s.wanted);
        mod.data.fd = fd;
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &mod);
      }
      s.registered = s.wanted;
    }
    trim_queue_.clear();
  }

  // Kept here, not on the stack: the poller runs on whichever coroutine's
  // stack blocked, and that may be a 1 KiB stack-on-stack.
  epoll_event events_[max_events];
  int epoll_fd_ = -1;           ///< created on the first watch
  bool no_pwait2_ = false;      ///< epoll_pwait2 gave ENOSYS: epoll_wait instead
  std::vector<FdState> fds_;    ///< indexed by descriptor; bounded by RLIMIT_NOFILE
  std::vector<int> trim_queue_; ///< fired with nobody waiting; each once, so bounded like fds_
  std::size_t watches_ = 0;     ///< (fd, direction) pairs waited on
  std::size_t always_ready_watches_ = 0;  ///< of those, on descriptors epoll refused
  std::size_t served_ = 0;      ///< served bits set over all descriptors
  std::int64_t last_epoll_ns_ = 0;  ///< CLOCK_MONOTONIC at the last epoll call
};

}  // namespace

namespace {
// A plain pointer, not a thread_local object: thread-local destructors run
// at exit() before atexit handlers registered earlier, which may still use
// the runtime. The thread's default scheduler frees it when the thread ends
// (release_real_platform); the main thread's lives until the process ends.
thread_local EpollPoller* thread_poller = nullptr;
}  // namespace

runtime::Platform real_platform() {
  if (thread_poller == nullptr) thread_poller = new EpollPoller;
  runtime::Platform p;
  p.clock = &monotonic_clock();
  p.poller = thread_poller;
  return p;
}

void release_real_platform() {
  delete thread_poller;
  thread_poller = nullptr;
}

}  // namespace canopy::core
