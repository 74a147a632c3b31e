// Whole programs with CANOPY_TRACE, ended every way a process ends: the
// trace is there, readable, says how the run ended, and the viewer draws it.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "canopy/trace/read.hpp"
#include "commands_trace.hpp"

#if defined(CANOPY_PROGRAM_DEADLOCK)

using Catch::Contains;
using Catch::StartsWith;
using namespace canopy;

namespace {

struct Run {
  int status = -1;     ///< exit status, or 128 + signal
  std::string output;  ///< stdout and stderr, in order
};

// A folder of its own per test case, removed afterwards.
struct Folder {
  std::string path;
  Folder() {
    char name[] = "/tmp/canopy-run-end-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~Folder() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

Run run(const std::string& command) {
  Run r;
  // Variables from the caller's environment must not change the runs.
  const std::string full = "env -u CANOPY_SEED -u CANOPY_STRATEGY -u CANOPY_TRACE -u CANOPY_REPLAY " + command + " 2>&1";
  std::FILE* p = ::popen(full.c_str(), "r");
  REQUIRE(p != nullptr);
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, p)) > 0;) r.output.append(chunk, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

trace::Trace read_ok(const std::string& path) {
  trace::ParseResult parsed = trace::read_trace_file(path);
  INFO(path << ":" << parsed.error.line << ": " << parsed.error.message);
  REQUIRE(parsed.ok);
  return std::move(parsed.trace);
}

// Renders with the CLI's own command; returns the SVG.
std::string rendered(const Folder& folder, const std::string& trace_path) {
  const std::string out = folder / "picture.svg";
  std::string in = trace_path;
  char name[] = "render";
  char output_flag[] = "-o";
  char* argv[] = {name, in.data(), output_flag, const_cast<char*>(out.c_str()), nullptr};
  REQUIRE(canopy_cli_render(4, argv) == 0);
  return contents(out);
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

// Runs `environment` + `program` with CANOPY_TRACE set, expects exit
// `status`, and returns its trace, which must end with `how` and render
// (through the CLI) into a diagram showing `drawn`.
struct Ended {
  Run run;
  trace::Trace trace;
};
Ended ended(const std::string& environment, const char* program, int status, const char* how,
            const std::string& drawn) {
  Folder folder;
  const std::string path = folder / "run.trace";
  Ended result;
  result.run = run("CANOPY_TRACE=" + path + " " + environment + " " + program);
  CHECK(result.run.status == status);
  result.trace = read_ok(path);
  CHECK_FALSE(result.trace.events.empty());
  REQUIRE(result.trace.end);
  CHECK(result.trace.end->how == how);
  CHECK(result.trace.end->seq == result.trace.events.size());
  CHECK_THAT(rendered(folder, path), Contains(drawn));
  return result;
}

TEST_CASE("A deadlocked whole program leaves a trace that ends with the deadlock, and the viewer draws the end") {
  Ended e = ended("CANOPY_SEED=42 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=3", CANOPY_PROGRAM_DEADLOCK, 3, "deadlock",
                  "run ended: deadlock, exit status 3: deadlock: every coroutine");
  CHECK(e.trace.end->status == 3);
  REQUIRE(e.trace.end->report);
  CHECK_THAT(*e.trace.end->report, StartsWith("deadlock: every coroutine is blocked"));
  // The header's replay line is the simulator's own, complete.
  CHECK(e.trace.header.strategy == std::optional<std::string>("pct"));
  CHECK(e.trace.header.seed == std::optional<std::uint64_t>(42));
  CHECK(e.trace.header.replay == std::optional<std::string>(
                                     "CANOPY_SEED=42 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=3 " CANOPY_PROGRAM_DEADLOCK));
}

TEST_CASE("A failed assertion leaves a trace that ends with abort and SIGABRT") {
  Ended e = ended("CANOPY_SEED=11", CANOPY_PROGRAM_ABORTS, 128 + SIGABRT, "abort", "run ended: abort, signal SIGABRT");
  CHECK_THAT(e.run.output, Contains("canopy: aborted under the simulator; replay: CANOPY_SEED=11 "));
  CHECK(e.trace.end->signal == SIGABRT);
  CHECK_FALSE(e.trace.end->status);
}

TEST_CASE("A stack overflow leaves a trace that ends with SIGSEGV after the overflow report") {
  Ended e = ended("CANOPY_SEED=4 CANOPY_STACK_BYTES=16384", CANOPY_PROGRAM_OVERFLOW, 128 + SIGSEGV, "signal",
                  "run ended: signal, signal SIGSEGV");
  CHECK_THAT(e.run.output, Contains("canopy: stack overflow in coroutine 1 spawned at"));
  CHECK(e.trace.end->signal == SIGSEGV);
}

TEST_CASE("A leak found at exit leaves a trace that ends with the leak report and status 8") {
  Ended e = ended("CANOPY_SEED=7", CANOPY_PROGRAM_LEAKY, 8, "coroutines-leaked",
                  "run ended: coroutines-leaked, exit status 8");
  REQUIRE(e.trace.end->report);
  CHECK_THAT(*e.trace.end->report, StartsWith("leak: 1 coroutine(s) still alive at exit"));
}

TEST_CASE("An uncaught exception in a coroutine leaves a trace that ends with the crash") {
  Ended e = ended("CANOPY_SEED=1", CANOPY_PROGRAM_THROWS, 4, "crashed", "run ended: crashed, exit status 4");
  REQUIRE(e.trace.end->report);
  CHECK_THAT(*e.trace.end->report, Contains("the worker throws on purpose"));
}

TEST_CASE("On the real runtime too, a deadlock and a crashed coroutine end the trace saying so") {
  Ended deadlock = ended("", CANOPY_PROGRAM_DEADLOCK, 3, "deadlock", "run ended: deadlock, exit status 3");
  CHECK(deadlock.trace.end->status == 3);
  CHECK_FALSE(deadlock.trace.header.clock_is_simulated);
  Ended crash = ended("", CANOPY_PROGRAM_THROWS, 4, "crashed", "run ended: crashed, exit status 4");
  REQUIRE(crash.trace.end->report);
  CHECK_THAT(*crash.trace.end->report, Contains("the worker throws on purpose"));
}

TEST_CASE("A normal exit ends the trace with its status, on the simulator and on the real runtime") {
  Folder folder;
  const std::string simulated = folder / "sim.trace";
  CHECK(run("CANOPY_TRACE=" + simulated + " CANOPY_SEED=3 " CANOPY_PROGRAM_ENDS " exit0").status == 0);
  trace::Trace s = read_ok(simulated);
  REQUIRE(s.end);
  CHECK(s.end->how == "exit");
  CHECK(s.end->status == 0);
  // The default strategy is named, not null.
  CHECK(s.header.strategy == std::optional<std::string>("random"));
  CHECK(s.header.replay == std::optional<std::string>("CANOPY_SEED=3 CANOPY_STRATEGY=random " CANOPY_PROGRAM_ENDS " exit0"));
  const std::string real = folder / "real.trace";
  CHECK(run("CANOPY_TRACE=" + real + " " CANOPY_PROGRAM_ENDS " exit0").status == 0);
  trace::Trace t = read_ok(real);
  REQUIRE(t.end);
  CHECK(t.end->how == "exit");
  CHECK(t.end->status == 0);
  CHECK(t.header.strategy == std::optional<std::string>("fifo"));
  CHECK_FALSE(t.header.clock_is_simulated);
}

TEST_CASE("The header's replay line carries every option of the run and repeats its trace byte for byte") {
  Folder folder;
  const std::string first = folder / "first.trace";
  CHECK(run("CANOPY_TRACE=" + first + " CANOPY_SEED=5 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=4 CANOPY_JITTER_MS=7 "
            CANOPY_PROGRAM_SLEEPER).status == 0);
  trace::Trace t = read_ok(first);
  REQUIRE(t.header.replay);
  CHECK(*t.header.replay ==
        "CANOPY_SEED=5 CANOPY_STRATEGY=pct CANOPY_PCT_DEPTH=4 CANOPY_JITTER_MS=7 " CANOPY_PROGRAM_SLEEPER);
  const std::string again = folder / "again.trace";
  CHECK(run("CANOPY_TRACE=" + again + " " + *t.header.replay).status == 0);
  CHECK(contents(again) == contents(first));
}

TEST_CASE("A program that fails its own check keeps its exit status, gets one line, and its trace ends with it") {
  Folder folder;
  const std::string path = folder / "run.trace";
  Run r = run("CANOPY_TRACE=" + path + " CANOPY_SEED=5 " CANOPY_PROGRAM_ENDS " exit1");
  CHECK(r.status == 1);
  CHECK(r.output ==
        "check failed: the answer was wrong\n"
        "canopy: exit status 1 with 1 coroutine(s) still alive and 3 handle(s) open (not reported as a leak: the "
        "program failed on its own)\n");
  trace::Trace t = read_ok(path);
  REQUIRE(t.end);
  CHECK(t.end->how == "exit");
  CHECK(t.end->status == 1);
}

TEST_CASE("A fatal signal ends the trace with the signal's name, on the simulator and on the real runtime") {
  Folder folder;
  for (const char* seed : {"CANOPY_SEED=2 ", ""}) {
    const std::string path = folder / "run.trace";
    CHECK(run("CANOPY_TRACE=" + path + " " + seed + CANOPY_PROGRAM_ENDS " term").status == 128 + SIGTERM);
    trace::Trace t = read_ok(path);
    REQUIRE(t.end);
    CHECK(t.end->how == "signal");
    CHECK(t.end->signal == SIGTERM);
  }
}

TEST_CASE("A trace cut by SIGKILL is read up to its last complete line and drawn as far as it goes") {
  Folder folder;
  const std::string path = folder / "run.trace";
  // Enough messages to fill the recorder's buffer several times.
  CHECK(run("CANOPY_TRACE=" + path + " CANOPY_SEED=6 " CANOPY_PROGRAM_ENDS " kill 3000").status == 128 + SIGKILL);
  trace::Trace t = read_ok(path);
  CHECK_FALSE(t.end);
  CHECK(t.events.size() > 1000);
  CHECK_THAT(rendered(folder, path), Contains("no end line: the process was killed before it could write one"));
  // Cut in the middle of a line, as a writer killed mid-write leaves it.
  const std::string text = contents(path);
  const std::size_t lines = count_of(text, "\n");
  const std::string cut_path = folder / "cut.trace";
  std::ofstream(cut_path, std::ios::binary) << text.substr(0, text.size() - 7);
  trace::Trace cut = read_ok(cut_path);
  CHECK(cut.cut_at_line == lines);
  CHECK(cut.events.size() == t.events.size() - 1);
  CHECK_THAT(rendered(folder, cut_path), Contains("the trace is cut at line " + std::to_string(lines)));
}

TEST_CASE("A forked child does not write into its parent's trace") {
  Folder folder;
  const std::string path = folder / "run.trace";
  for (const char* seed : {"", "CANOPY_SEED=8 "}) {
    Run r = run("CANOPY_TRACE=" + path + " " + seed + CANOPY_PROGRAM_ENDS " fork 50");
    CHECK(r.status == 0);
    CHECK(r.output.empty());
    trace::Trace t = read_ok(path);
    REQUIRE(t.end);
    CHECK(t.end->status == 0);
    // The parent's 52 round trips only: 2 channel events each way, per trip.
    std::size_t sends = 0;
    for (const trace::TraceEvent& e : t.events) sends += e.event.kind == runtime::EventKind::chsend;
    CHECK(sends == 2 * 52);
  }
}

TEST_CASE("A trace that cannot be written gives one warning and the program goes on") {
  Folder folder;
  Run full = run("CANOPY_TRACE=/dev/full " CANOPY_PROGRAM_ENDS " exit0 2000");
  CHECK(full.status == 0);
  CHECK(full.output ==
        "canopy: writing the trace to CANOPY_TRACE=/dev/full failed (No space left on device); the trace is "
        "incomplete, and the program goes on without it\n");
  // A file-size limit of 8 blocks: the trace is cut there, the program lives.
  const std::string path = folder / "limited.trace";
  Run limited = run("sh -c 'ulimit -f 8; exec env CANOPY_TRACE=" + path + " " CANOPY_PROGRAM_ENDS " exit0 2000'");
  CHECK(limited.status == 0);
  CHECK(limited.output == "canopy: writing the trace to CANOPY_TRACE=" + path +
                              " failed (File too large); the trace is incomplete, and the program goes on without it\n");
}

TEST_CASE("CANOPY_TRACE does not follow a symbolic link") {
  Folder folder;
  const std::string victim = folder / "victim";
  std::ofstream(victim) << "precious\n";
  REQUIRE(::symlink(victim.c_str(), (folder / "link").c_str()) == 0);
  Run r = run("CANOPY_TRACE=" + (folder / "link") + " " CANOPY_PROGRAM_ENDS " exit0");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Contains("canopy: cannot record the trace to CANOPY_TRACE=" + (folder / "link")) &&
                           Contains("(a symbolic link is not followed); running without a trace"));
  CHECK(contents(victim) == "precious\n");
}

#endif  // CANOPY_PROGRAM_DEADLOCK
