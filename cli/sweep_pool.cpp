#include "sweep_pool.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "canopy/sim/coverage.hpp"
#include "scenario_run.hpp"

namespace canopy::cli {

namespace {

[[noreturn]] void worker(const std::vector<SweepItem>& items, const sim::options& base, std::size_t first,
                         std::size_t jobs, int out_fd, const std::string& coverage_path) {
  for (std::size_t i = first; i < items.size(); i += jobs) {
    sim::options o = base;
    o.seed = items[i].seed;
    sim::outcome out = run_scenario(*items[i].sc, o, nullptr);
    SweepResult result;
    result.passed = out.passed;
    result.kind = sim::to_string(out.kind);
    result.replay = out.replay;
    result.whatif = out.whatif;
    result.report = out.report;
    const std::string line = encode_result(i, result);
    for (std::size_t off = 0; off < line.size();) {
      ssize_t w = ::write(out_fd, line.data() + off, line.size() - off);
      if (w <= 0) _exit(3);
      off += static_cast<std::size_t>(w);
    }
  }
  if (base.coverage != nullptr && !coverage_path.empty()) {
    std::string error;
    if (!base.coverage->accumulate_into(coverage_path, error)) {
      std::fprintf(stderr, "canopy: --coverage: %s\n", error.c_str());
      _exit(3);
    }
  }
  _exit(0);
}

}  // namespace

PoolResult run_pool(const std::vector<SweepItem>& items, const sim::options& base, std::size_t jobs,
                    const std::string& coverage_path) {
  PoolResult pool;
  pool.results.resize(items.size());
  std::vector<int> fds;
  std::vector<pid_t> pids;
  std::fflush(nullptr);
  for (std::size_t w = 0; w < jobs; ++w) {
    int p[2];
    if (::pipe(p) != 0) {
      pool.error = std::string("cannot make a pipe: ") + std::strerror(errno);
      return pool;
    }
    pid_t pid = fork();
    if (pid < 0) {
      pool.error = std::string("cannot fork a worker: ") + std::strerror(errno);
      return pool;
    }
    if (pid == 0) {
      ::close(p[0]);
      worker(items, base, w, jobs, p[1], coverage_path);
    }
    ::close(p[1]);
    fds.push_back(p[0]);
    pids.push_back(pid);
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  std::vector<std::string> partial(jobs);
  std::size_t done = 0, open = jobs;
  while (open > 0) {
    std::vector<pollfd> pfds;
    for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
    if (poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t w = 0; w < jobs; ++w) {
      if (fds[w] < 0 || pfds[w].revents == 0) continue;
      char buf[4096];
      ssize_t r = ::read(fds[w], buf, sizeof buf);
      if (r <= 0) {
        ::close(fds[w]);
        fds[w] = -1;
        --open;
        continue;
      }
      partial[w].append(buf, static_cast<std::size_t>(r));
      std::size_t nl;
      while ((nl = partial[w].find('\n')) != std::string::npos) {
        std::size_t index = 0;
        SweepResult result;
        if (decode_result(std::string_view(partial[w]).substr(0, nl), items.size(), index, result)) {
          pool.results[index] = std::move(result);
        }
        partial[w].erase(0, nl + 1);
        ++done;
      }
    }
    std::size_t failed = 0;
    for (const SweepResult& r : pool.results) failed += r.done && !r.passed;
    if (tty) std::fprintf(stderr, "\r[%zu/%zu] %zu failed", done, items.size(), failed);
  }
  if (tty) std::fprintf(stderr, "\n");
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) pool.workers_ok = false;
  }
  return pool;
}

}  // namespace canopy::cli
