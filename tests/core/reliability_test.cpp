// Defects a hostile but realistic user found, each pinned down: extreme
// deadlines, signals the stack guard must not swallow, descriptors that are
// not what they seem, and malformed environment variables.
// First: <libdill.h> defines a `coroutine` macro that runtime headers must not see.
#include "virtual_time.hpp"
#include "child_process.hpp"

#include <fcntl.h>
#include <libdill.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

/// Seconds on CLOCK_MONOTONIC. (<libdill.h>'s raw name `now` is a macro, as
/// in libdill, so std::chrono::steady_clock::now cannot be spelled here.)
double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Runs CANOPY_MISUSE_PROGRAM with `argument`, and `environment` added to
/// (or, as "NAME=", cleared from) this process's environment.
canopy::testing::ChildResult run_misuse(const char* argument,
                                        const std::vector<std::string>& environment = {}) {
  return canopy::testing::in_child(
      [&] {
        for (const std::string& entry : environment) {
          std::string name = entry.substr(0, entry.find('='));
          std::string value = entry.substr(entry.find('=') + 1);
          if (value.empty()) {
            unsetenv(name.c_str());
          } else {
            setenv(name.c_str(), value.c_str(), 1);
          }
        }
        execl(CANOPY_MISUSE_PROGRAM, CANOPY_MISUSE_PROGRAM, argument, static_cast<char*>(nullptr));
        _exit(127);
      },
      /*with_stdout=*/true);
}

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

coroutine void sleeps_until(int64_t deadline, int* result) { *result = msleep(deadline); }

}  // namespace

TEST_CASE("a deadline near INT64_MAX means forever: the waiting thread sleeps, it does not spin") {
  // Runs on a fresh thread, so on the real platform with a fresh poller.
  std::int64_t cpu_ns = -1;
  int fdin_result = -2;
  int sleeper_result = -2;
  int fdin_errno = 0;
  std::thread t([&] {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    int sleeper = go(sleeps_until(INT64_MAX - 1, &sleeper_result));
    REQUIRE(sleeper >= 0);
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      char c = 'x';
      (void)!write(fds[1], &c, 1);
    });
    std::int64_t before = thread_cpu_ns();
    // The earliest deadline is 317 years away, more nanoseconds than an
    // int64 holds: before the clamp its fire time wrapped into the past and
    // the thread polled without blocking until the writer came.
    fdin_result = fdin(fds[0], 10'000'000'000'000);
    fdin_errno = errno;
    cpu_ns = thread_cpu_ns() - before;
    writer.join();
    hclose(sleeper);
    fdclean(fds[0]);
    close(fds[0]);
    close(fds[1]);
  });
  t.join();
  INFO("errno " << fdin_errno);
  CHECK(fdin_result == 0);
  CHECK(sleeper_result == -1);  // cancelled by hclose, never timed out
  CHECK(cpu_ns < 50'000'000);
}

TEST_CASE("deadlines past what the clock can count never fire, under virtual time too") {
  auto run = canopy::testing::run_virtual([] {
    int results[3] = {-2, -2, -2};
    const int64_t deadlines[3] = {INT64_MAX, INT64_MAX / 1000, INT64_MAX / 1'000'000};
    int hs[3];
    for (int i = 0; i < 3; ++i) hs[i] = go(sleeps_until(deadlines[i], &results[i]));
    CHECK(msleep(now() + 1000) == 0);
    CHECK(now() == 2000);
    for (int i = 0; i < 3; ++i) {
      CHECK(results[i] == -2);  // still asleep
      hclose(hs[i]);
      CHECK(results[i] == -1);
    }
  });
  CHECK(run.finished);
  CHECK(run.live_after == 0);
}

TEST_CASE("a SIGSEGV sent with raise kills the process instead of being swallowed") {
  canopy::testing::ChildResult r = run_misuse("raise-segv");
  INFO("status " << r.status << ", output: " << r.output);
  REQUIRE(WIFSIGNALED(r.status));
  CHECK(WTERMSIG(r.status) == SIGSEGV);
  CHECK(r.output.find("survived") == std::string::npos);
}

TEST_CASE("a SIGSEGV sent with kill kills the process instead of being swallowed") {
  canopy::testing::ChildResult r = run_misuse("kill-segv");
  INFO("status " << r.status << ", output: " << r.output);
  REQUIRE(WIFSIGNALED(r.status));
  CHECK(WTERMSIG(r.status) == SIGSEGV);
}

TEST_CASE("fdin on a huge descriptor number fails with EBADF without allocating for it") {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // 1 GiB more address space than now: allocating per descriptor number
    // (6 GB for INT_MAX) fails, and std::bad_alloc ends the child.
    // (Sanitizers reserve terabytes of shadow memory: no limit there.)
    FILE* status = std::fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (status == nullptr || std::fscanf(status, "%lu", &pages) != 1) _exit(3);
    std::fclose(status);
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (1ul << 30);
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(4);
#endif
    for (int fd : {INT_MAX, INT_MAX / 2, 1 << 24}) {
      errno = 0;
      if (fdin(fd, 0) != -1 || errno != EBADF) _exit(1);
      errno = 0;
      if (fdout(fd, 0) != -1 || errno != EBADF) _exit(2);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  INFO("status " << status);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("fdin on a closed descriptor is EBADF, even when the runtime's epoll reuses its number") {
  std::thread t([] {
    // A fresh thread's poller has no epoll instance yet: a watch creates
    // it, and it takes the lowest free number, the one just closed.
    int closed = dup(STDIN_FILENO);
    REQUIRE(closed >= 0);
    close(closed);
    errno = 0;
    CHECK(fdin(closed, 0) == -1);
    CHECK(errno == EBADF);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    int reused = dup(STDIN_FILENO);
    REQUIRE(reused >= 0);
    close(reused);
    CHECK(fdout(fds[1], -1) == 0);  // creates the epoll instance if it is not there yet
    REQUIRE(fcntl(reused, F_GETFD) >= 0);  // the number is taken again: by the runtime
    errno = 0;
    CHECK(fdin(reused, 0) == -1);
    CHECK(errno == EBADF);
    CHECK(fdclean(fds[1]) == 0);
    close(fds[0]);
    close(fds[1]);
  });
  t.join();
}

TEST_CASE("a malformed CANOPY_STACK_BYTES stops the program with status 2 and names the variable") {
  for (const char* bad : {"lots", "100", "99999999999999", "65536k"}) {
    canopy::testing::ChildResult r = run_misuse("spawn", {std::string("CANOPY_STACK_BYTES=") + bad});
    INFO("CANOPY_STACK_BYTES=" << bad << ": status " << r.status << ", output: " << r.output);
    REQUIRE(WIFEXITED(r.status));
    CHECK(WEXITSTATUS(r.status) == 2);
    CHECK(r.output.find("canopy: CANOPY_STACK_BYTES=" + std::string(bad) + " is not a stack size") !=
          std::string::npos);
    CHECK(r.output.find("survived") == std::string::npos);
  }
  canopy::testing::ChildResult good = run_misuse("spawn", {"CANOPY_STACK_BYTES=65536"});
  CHECK(WIFEXITED(good.status));
  CHECK(WEXITSTATUS(good.status) == 0);
  CHECK(good.output == "survived\n");
}

TEST_CASE("the API still answers from an atexit handler that runs after the runtime's statics") {
  canopy::testing::ChildResult r = run_misuse("atexit");
  INFO("status " << r.status << ", output: " << r.output);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
  CHECK(r.output == "survived\natexit: chmake 0 go ok msleep 0\n");
}

namespace {
coroutine void waits_for_ever(int ch) {
  int v;
  chrecv(ch, &v, sizeof v, -1);
}
}  // namespace

TEST_CASE("threads that end with live coroutines give back their handles and stacks") {
  // More threads than there are handle chunks (4,096): each ends with a
  // coroutine it never closed. Before reclaiming, thread 4,097 and every
  // later go() or chmake() anywhere failed with ENOMEM.
  constexpr int threads = 4'200;
  int failures = 0;
  int first_errno = 0;
  double started = monotonic_seconds();
  for (int i = 0; i < threads; ++i) {
    std::thread t([&] {
      int ch[2];
      if (chmake(ch) != 0) {
        ++failures;
        first_errno = first_errno != 0 ? first_errno : errno;
        return;
      }
      if (go(waits_for_ever(ch[0])) < 0) {
        ++failures;
        first_errno = first_errno != 0 ? first_errno : errno;
      }
    });
    t.join();
  }
  double seconds = monotonic_seconds() - started;
  INFO("errno " << first_errno << ", " << seconds << " s");
  CHECK(failures == 0);
  CHECK(seconds < 60);
  int ch[2];
  REQUIRE(chmake(ch) == 0);
  CHECK(hclose(ch[0]) == 0);
  CHECK(hclose(ch[1]) == 0);
}

namespace {
coroutine void returns_at_once(void) {}
}  // namespace

TEST_CASE("threads starting their runtimes at the same time share the stack pool's settings safely") {
  // Each thread's first go() maps its first slab of stacks and learns, as
  // every thread does, whether the kernel has madvise guard regions: under
  // ThreadSanitizer this was a data race.
  constexpr int threads = 8;
  std::atomic<int> ready{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      for (int round = 0; round < 4; ++round) {
        int h = go(returns_at_once());
        if (h < 0 || hclose(h) != 0) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : pool) t.join();
  CHECK(failures.load() == 0);
}
