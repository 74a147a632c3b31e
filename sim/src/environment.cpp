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
#include "canopy/trace/environment.hpp"
#include "fuzz_input.hpp"
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

void check_leaks_at_exit(int status, void*) {
  const runtime::Platform* platform = runtime::current_platform();
  if (platform == nullptr || whole_program == nullptr || platform->poller != &whole_program->poller)
    return;
  const bool fuzzing = whole_program->fuzzing();
  if (fuzzing) detail::write_fuzz_line(*whole_program);
  whole_program->write_coverage();
  if (status != 0 && !whole_program->injections.empty()) {
    // The program's own failure report came first; this says what it may owe to.
    std::fflush(stdout);
    std::fprintf(stderr, "canopy: what-if: %s\n", whole_program->whatif_note().c_str());
    std::fflush(stderr);
  }
  const runtime::SchedulerCounters counters = runtime::current_counters();
  const std::size_t live = counters.live_coroutines;
  const std::size_t open = counters.open_handles;
  if (live == 0 && open == 0) return;
  if (status != 0) {
    // The program reports its own failure (a failed check calling exit(1)):
    // its status and its message are what matter, not what it left behind.
    std::fflush(stdout);
    std::fprintf(stderr, "canopy: exit status %d with %zu coroutine(s) still alive and %zu handle(s) open "
                 "(not reported as a leak: the program failed on its own)\n", status, live, open);
    std::fflush(stderr);
    return;
  }
  if (live == 0) {
    // Only handles: the process's end releases them and no work is cut
    // short, as in many C programs (libdill's own tests among them) that
    // return from main without closing everything. Said, not failed.
    std::fflush(stdout);
    std::fprintf(stderr, "canopy: warning: %zu handle(s) still open at exit (released as the process ends; "
                 "not a failure):%s\n", open, runtime::describe_open_handles().c_str());
    std::fflush(stderr);
    return;
  }
  const failure_kind kind = failure_kind::coroutines_leaked;
  const std::string report =
      std::to_string(live) + " coroutine(s) still alive at exit:" + runtime::describe_live_coroutines();
  const int leak_status = detail::exit_status_for(kind);
  detail::before_process_ends(kind, leak_status, "leak: " + report);
  std::fflush(stdout);
  if (!whole_program->injections.empty())
    std::fprintf(stderr, "canopy: what-if: %s\n", whole_program->whatif_note().c_str());
  std::fprintf(stderr, "canopy: leak: %s\ncanopy: replay: %s\n", report.c_str(),
               whole_program->replay_line().c_str());
  std::fflush(nullptr);
  if (fuzzing) detail::abort_for_fuzzer();
  _exit(leak_status);
}

// A fuzzed program dies of a failed assertion: the line is the one of the
// run so far, not the one known when it started.
void fuzz_abort_hook() {
  if (whole_program == nullptr) return;
  detail::write_fuzz_line(*whole_program);
  std::fflush(stdout);
  std::fprintf(stderr, "canopy: aborted under the simulator; replay: %s\n", whole_program->replay_line().c_str());
  std::fflush(stderr);
}

// Warnings about the environment, before anything runs: a misspelt
// variable would otherwise silently do nothing.
void warn_about_environment() {
  for (const std::string& name : options::unknown_variables(environ)) {
    std::fprintf(stderr, "canopy: warning: %s is not a variable Canopy reads (misspelt?); it is ignored\n",
                 name.c_str());
  }
  std::vector<std::string> ignored = options::overridden_by_replay();
  if (!ignored.empty()) {
    std::string names;
    for (const std::string& name : ignored) names += (names.empty() ? "" : ", ") + name;
    std::fprintf(stderr, "canopy: warning: CANOPY_REPLAY is set, so %s %s ignored (the replay line says it all)\n",
                 names.c_str(), ignored.size() == 1 ? "is" : "are");
  }
}

// The trace header of this run: its own options, so that the replay line
// repeats it whatever variables made it.
trace::Header trace_header(const options& o, const std::string& replay) {
  trace::Header header;
  header.clock_is_simulated = true;
  header.seed = o.seed;
  header.strategy = to_string(o.strategy);
  if (const char* scenario = std::getenv("CANOPY_SCENARIO"); scenario != nullptr && *scenario != '\0')
    header.scenario = scenario;
  header.replay = replay;
  return header;
}

}  // namespace

runtime::Platform* platform_from_environment() {
  warn_about_environment();
  const char* seed = std::getenv("CANOPY_SEED");
  const char* replay = std::getenv("CANOPY_REPLAY");
  const char* fuzz_input = std::getenv("CANOPY_FUZZ_INPUT");
  const bool fuzzing = fuzz_input != nullptr && *fuzz_input != '\0';
  if (!fuzzing && (seed == nullptr || *seed == '\0') && (replay == nullptr || *replay == '\0')) return nullptr;
  options base;
  // A whole program has no budgets unless asked: it may legitimately run
  // for a long (virtual) time.
  base.max_steps = 0;
  base.max_virtual_ms = 0;
  std::string error;
  options o = options::from_environment(base, error).resolved();
  if (error.empty() && fuzzing) {
    if (replay != nullptr && *replay != '\0') {
      error = "CANOPY_FUZZ_INPUT and CANOPY_REPLAY are both set: the input chooses the run, or the line does; unset one";
    } else {
      o = detail::whole_program_input(o, fuzz_input, error);
    }
  }
  if (error.empty() && o.strategy == strategy::dfs) {
    error = "CANOPY_STRATEGY=dfs explores many schedules, and a process runs one; use "
            "canopy::sim::explore in a test, or random, pct, fifo or replay here";
  }
  if (!error.empty()) {
    std::fprintf(stderr, "canopy: %s\n", error.c_str());
    std::fflush(nullptr);
    _exit(2);
  }
  const std::string command = command_line();
  // The trace recorder (CANOPY_TRACE) hears every event through the
  // simulation's own observer, which must see them all to count steps and
  // watch cancelled coroutines. Core asks for the same observer afterwards
  // (its environment hook) and is given this one.
  // The line Simulation::replay_line prints for a whole program:
  // (A fuzz input's run is repeated by the same input until it has chosen.)
  const std::string line = (fuzzing ? "CANOPY_FUZZ_INPUT=" + shell_quote(fuzz_input) : o.environment_line()) +
                           (command.empty() ? "" : " " + command);
  o.observer = trace::environment_observer(trace_header(o, line));
  whole_program = new detail::Simulation(o, detail::Simulation::mode::whole_program);
  whole_program->program_command = command;
  if (const char* path = std::getenv("CANOPY_COVERAGE"); path != nullptr && *path != '\0')
    whole_program->coverage_path = path;
  detail::install_simulation(whole_program);
  detail::set_abort_note(whole_program->replay_line());
  if (fuzzing) detail::set_abort_hook(fuzz_abort_hook);
  ::on_exit(check_leaks_at_exit, nullptr);
  static runtime::Platform platform = whole_program->platform();
  return &platform;
}

}  // namespace canopy::sim
