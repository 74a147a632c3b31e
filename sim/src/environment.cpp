// Whole-program mode: any program linked with Canopy runs under the
// simulator when CANOPY_SEED (or CANOPY_REPLAY) is set. The main thread's
// scheduler gets the simulated platform; a failure prints its report and the
// line that repeats it, and the process exits non-zero (3 for a deadlock, as
// without the simulator). At exit, coroutines still alive and handles still
// open are reported as leaks.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "abort_note.hpp"
#include "canopy/runtime/embedding.hpp"
#include "canopy/runtime/environment.hpp"
#include "canopy/sim/environment.hpp"
#include "simulation.hpp"

namespace canopy::sim {

namespace {

detail::Simulation* whole_program = nullptr;

std::string shell_quote(const std::string& arg) {
  bool plain = !arg.empty();
  for (char c : arg) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '.' || c == '-' || c == '_' || c == '=' || c == ',' || c == ':';
    if (!ok) plain = false;
  }
  if (plain) return arg;
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string line;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    if (!line.empty()) line += ' ';
    line += shell_quote(raw.substr(start, end - start));
    start = end + 1;
  }
  return line;
}

void check_leaks_at_exit() {
  const runtime::Platform* platform = runtime::current_platform();
  if (platform == nullptr || whole_program == nullptr || platform->poller != &whole_program->poller)
    return;
  const runtime::SchedulerCounters counters = runtime::current_counters();
  std::string report;
  if (counters.live_coroutines != 0) {
    report = std::to_string(counters.live_coroutines) + " coroutine(s) still alive at exit:" +
             runtime::describe_live_coroutines();
  } else if (counters.open_handles != 0) {
    report = std::to_string(counters.open_handles) + " handle(s) still open at exit:" +
             runtime::describe_open_handles();
  }
  if (report.empty()) return;
  std::fflush(stdout);
  std::fprintf(stderr, "canopy: leak: %s\ncanopy: replay: %s\n", report.c_str(),
               whole_program->replay_line().c_str());
  std::fflush(nullptr);
  _exit(detail::exit_status_for(failure_kind::handles_leaked));
}

}  // namespace

runtime::Platform* platform_from_environment() {
  const char* seed = std::getenv("CANOPY_SEED");
  const char* replay = std::getenv("CANOPY_REPLAY");
  if ((seed == nullptr || *seed == '\0') && (replay == nullptr || *replay == '\0')) return nullptr;
  options base;
  // A whole program has no budgets unless asked: it may legitimately run
  // for a long (virtual) time.
  base.max_steps = 0;
  base.max_virtual_ms = 0;
  std::string error;
  options o = options::from_environment(base, error);
  if (error.empty() && o.strategy == strategy::dfs) {
    error = "CANOPY_STRATEGY=dfs explores many schedules, and a process runs one; use "
            "canopy::sim::explore in a test, or random, pct, fifo or replay here";
  }
  if (!error.empty()) {
    std::fprintf(stderr, "canopy: %s\n", error.c_str());
    std::fflush(nullptr);
    _exit(2);
  }
  // The trace recorder (CANOPY_TRACE) hears every event through the
  // simulation's own observer, which must see them all to count steps and
  // watch cancelled coroutines. Asking here is safe: the recorder is made
  // once and the same one is returned to core afterwards.
  o.observer = runtime::observer_from_environment(true);
  whole_program = new detail::Simulation(o, detail::Simulation::mode::whole_program);
  whole_program->program_command = command_line();
  detail::install_simulation(whole_program);
  detail::set_abort_note(whole_program->replay_line());
  std::atexit(check_leaks_at_exit);
  static runtime::Platform platform = whole_program->platform();
  return &platform;
}

}  // namespace canopy::sim
