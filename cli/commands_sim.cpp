// canopy run / sweep / replay / list: the documented scenarios under the
// simulator. A scenario gets a scenario_env whose random() draws from the
// run's seed (a stream separate from the scheduler's decisions) and whose
// note() records the virtual time, the coroutine, the point and the text.
#include "commands_sim.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/scenarios/scenario.h"
#include "canopy/sim/random.hpp"
#include "canopy/sim/run.hpp"
#include "canopy/trace/recorder.hpp"

namespace sim = canopy::sim;

namespace {

// ---------------------------------------------------------------------------
// Running one scenario

struct Note {
  std::int64_t ms;
  std::uint64_t coroutine;
  std::string point;
  std::string text;
};

struct Runner {
  sim::generator random;
  std::vector<Note> notes;
  explicit Runner(std::uint64_t seed) : random(seed) {}
};

long env_random(scenario_env* env) {
  return static_cast<long>(static_cast<Runner*>(env->user)->random.below(std::uint64_t{1} << 31));
}

void env_note(scenario_env* env, const char* point, const char* text) {
  auto* r = static_cast<Runner*>(env->user);
  // Bounded: a scenario that notes in a loop keeps its first notes.
  if (r->notes.size() < 10000) r->notes.push_back({sim::elapsed_ms(), sim::current_coroutine(), point, text});
}

/// Runs `sc` once under `o`; notes go to `notes` when given.
sim::outcome run_scenario(const scenario& sc, sim::options o, std::vector<Note>* notes) {
  o.scenario = sc.name;
  o.stop_at_structure_broken = sc.unstructured == 0;
  Runner runner(o.seed);
  scenario_env env{env_random, env_note, &runner};
  sim::outcome out = sim::run(o, [&] {
    if (sc.run(&env) != 0) sim::fail("the scenario returned -1: something its document promises did not happen");
  });
  if (sc.unstructured != 0 && out.passed && out.structure_reports.empty()) {
    out.passed = false;
    out.kind = sim::failure_kind::body_failed;
    out.report = "the scenario breaks the structure on purpose, but the runtime reported no broken structure";
  }
  if (notes != nullptr) *notes = std::move(runner.notes);
  return out;
}

void print_run(const scenario& sc, const sim::options& o, const sim::outcome& out, const std::vector<Note>& notes) {
  std::printf("%s: %s (%s)\n", sc.name, sc.title, sc.source);
  std::printf("seed %llu, strategy %s\n", static_cast<unsigned long long>(o.seed), sim::to_string(o.strategy));
  for (const Note& n : notes) {
    std::printf("%8lld ms  coroutine %-3llu  %-4s %s\n", static_cast<long long>(n.ms),
                static_cast<unsigned long long>(n.coroutine), n.point.c_str(), n.text.c_str());
  }
  for (const std::string& r : out.structure_reports) std::printf("expected: %s\n", r.c_str());
  std::printf("%s: %llu steps, %llu switches, %llu coroutines, %lld virtual ms\n",
              out.passed ? "passed" : "FAILED", static_cast<unsigned long long>(out.stats.steps),
              static_cast<unsigned long long>(out.stats.switches),
              static_cast<unsigned long long>(out.stats.spawned), static_cast<long long>(out.stats.virtual_ms));
  if (!out.passed) std::printf("%s: %s\n", sim::to_string(out.kind), out.report.c_str());
  std::printf("replay: canopy replay '%s'\n", out.replay.c_str());
}

// ---------------------------------------------------------------------------
// Arguments

int bad(const char* usage, const std::string& what) {
  std::fprintf(stderr, "canopy: %s\nusage: %s\n", what.c_str(), usage);
  return 2;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

/// Applies one of the options shared by run and sweep; false if `flag` is not one.
/// Sets `error` when it is one but its value is bad.
bool shared_option(std::string_view flag, const char* value, sim::options& o, std::string& error) {
  std::uint64_t n = 0;
  if (flag == "--seed") {
    if (!parse_u64(value, o.seed)) error = std::string("--seed needs a non-negative integer, not \"") + value + "\"";
  } else if (flag == "--strategy") {
    auto s = sim::strategy_from_string(value);
    if (!s || *s == sim::strategy::dfs) {
      error = std::string("--strategy must be fifo, random, pct or replay, not \"") + value + "\"";
    } else {
      o.strategy = *s;
    }
  } else if (flag == "--pct-depth") {
    if (!parse_u64(value, n) || n < 1 || n > 64) error = std::string("--pct-depth needs 1..64, not \"") + value + "\"";
    o.pct_depth = static_cast<int>(n);
  } else if (flag == "--jitter-ms") {
    if (!parse_u64(value, n) || n > 1'000'000) error = std::string("--jitter-ms needs 0..1000000, not \"") + value + "\"";
    o.jitter_ms = static_cast<int>(n);
  } else if (flag == "--inject") {
    std::string_view v = value;
    o.inject_cancel = v == "cancel" || v == "cancel,timeout" || v == "timeout,cancel";
    o.inject_timeout = v == "timeout" || v == "cancel,timeout" || v == "timeout,cancel";
    if (!o.inject_cancel && !o.inject_timeout) error = std::string("--inject takes cancel, timeout or cancel,timeout, not \"") + value + "\"";
  } else {
    return false;
  }
  return true;
}

const scenario* find_scenario(const char* name, std::string& error) {
  const scenario* sc = scenario_find(name);
  if (sc == nullptr) error = std::string("no scenario is named \"") + name + "\" (canopy list shows them)";
  return sc;
}

int run_and_print(const scenario& sc, const sim::options& o, const char* trace_path) {
  sim::options with_trace = o;
  std::unique_ptr<canopy::trace::Recorder> recorder;
  if (trace_path != nullptr) {
    canopy::trace::Header h;
    h.clock_is_simulated = true;
    h.seed = o.seed;
    h.strategy = sim::to_string(o.strategy);
    h.program = "canopy";
    h.scenario = sc.name;
    sim::options named = o;
    named.scenario = sc.name;
    h.replay = "canopy replay '" + named.replay_line() + "'";
    recorder = canopy::trace::Recorder::open(trace_path, h);
    if (!recorder) {
      std::fprintf(stderr, "canopy: cannot write the trace to %s: %s\n", trace_path, std::strerror(errno));
      return 2;
    }
    with_trace.observer = recorder.get();
  }
  std::vector<Note> notes;
  sim::outcome out = run_scenario(sc, with_trace, &notes);
  if (recorder) recorder->close();
  print_run(sc, o, out, notes);
  return out.passed ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Sweeping

struct Item {
  const scenario* sc;
  std::uint64_t seed;
};

struct ItemResult {
  bool done = false;
  bool passed = false;
  std::string kind, report, replay;
};

std::string escape_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_line(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// A worker: runs items worker, worker + jobs, ... and writes one line per
/// item: "index\tpassed\tkind\treplay\treport".
[[noreturn]] void sweep_worker(const std::vector<Item>& items, const sim::options& base, std::size_t worker,
                               std::size_t jobs, int out_fd) {
  for (std::size_t i = worker; i < items.size(); i += jobs) {
    sim::options o = base;
    o.seed = items[i].seed;
    sim::outcome out = run_scenario(*items[i].sc, o, nullptr);
    std::string line = std::to_string(i) + "\t" + (out.passed ? "1" : "0") + "\t" + sim::to_string(out.kind) + "\t" +
                       escape_line(out.replay) + "\t" + escape_line(out.report) + "\n";
    for (std::size_t off = 0; off < line.size();) {
      ssize_t w = ::write(out_fd, line.data() + off, line.size() - off);
      if (w <= 0) _exit(3);
      off += static_cast<std::size_t>(w);
    }
  }
  _exit(0);
}

void take_line(const std::string& line, std::vector<ItemResult>& results) {
  std::vector<std::string_view> f;
  std::string_view rest = line;
  for (int k = 0; k < 4; ++k) {
    std::size_t tab = rest.find('\t');
    if (tab == std::string_view::npos) return;
    f.push_back(rest.substr(0, tab));
    rest = rest.substr(tab + 1);
  }
  f.push_back(rest);
  std::uint64_t index;
  if (!parse_u64(f[0], index) || index >= results.size()) return;
  ItemResult& r = results[index];
  r.done = true;
  r.passed = f[1] == "1";
  r.kind = std::string(f[2]);
  r.replay = unescape_line(f[3]);
  r.report = unescape_line(f[4]);
}

bool write_junit(const char* path, const std::vector<Item>& items, const std::vector<ItemResult>& results) {
  std::FILE* f = std::fopen(path, "w");
  if (f == nullptr) return false;
  // One testsuite per scenario, in registry order; test cases in seed order.
  std::vector<const scenario*> order;
  for (const Item& it : items)
    if (order.empty() || order.back() != it.sc) order.push_back(it.sc);
  std::size_t failures_total = 0;
  for (const ItemResult& r : results) failures_total += !r.passed;
  std::fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"canopy sweep\" tests=\"%zu\" failures=\"%zu\">\n",
               items.size(), failures_total);
  for (const scenario* sc : order) {
    std::size_t tests = 0, failures = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].sc != sc) continue;
      ++tests;
      failures += !results[i].passed;
    }
    std::fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\">\n", xml_escape(sc->name).c_str(), tests, failures);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].sc != sc) continue;
      const ItemResult& r = results[i];
      std::fprintf(f, "    <testcase classname=\"%s\" name=\"seed %llu\"", xml_escape(sc->name).c_str(),
                   static_cast<unsigned long long>(items[i].seed));
      if (r.passed) {
        std::fprintf(f, "/>\n");
      } else {
        std::fprintf(f, ">\n      <failure type=\"%s\" message=\"%s\">%s\nreplay: canopy replay '%s'</failure>\n    </testcase>\n",
                     xml_escape(r.kind).c_str(), xml_escape(r.report.substr(0, r.report.find('\n'))).c_str(),
                     xml_escape(r.report).c_str(), xml_escape(r.replay).c_str());
      }
    }
    std::fprintf(f, "  </testsuite>\n");
  }
  std::fprintf(f, "</testsuites>\n");
  return std::fclose(f) == 0;
}

constexpr const char* run_usage =
    "canopy run SCENARIO [--seed N] [--strategy fifo|random|pct|replay] [--pct-depth D] "
    "[--inject cancel,timeout] [--jitter-ms N] [--trace PATH]";
constexpr const char* sweep_usage =
    "canopy sweep SCENARIO|all --seeds A..B [--strategy S] [--pct-depth D] [--inject cancel,timeout] "
    "[--jitter-ms N] [--jobs J] [--shard K/N] [--junit FILE]";
constexpr const char* replay_usage = "canopy replay 'v1:scenario=NAME;seed=N;strategy=S;...' [--trace PATH]";

}  // namespace

int canopy_cli_run(int argc, char** argv) {
  const char* name = nullptr;
  const char* trace_path = nullptr;
  sim::options o;
  o.seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) == "--") {
      if (i + 1 >= argc) return bad(run_usage, std::string(a) + " needs a value");
      std::string error;
      if (a == "--trace") {
        trace_path = argv[++i];
      } else if (!shared_option(a, argv[i + 1], o, error)) {
        return bad(run_usage, "unknown option " + std::string(a));
      } else {
        ++i;
      }
      if (!error.empty()) return bad(run_usage, error);
    } else if (name == nullptr) {
      name = argv[i];
    } else {
      return bad(run_usage, "one scenario at a time; \"" + std::string(a) + "\" is one too many");
    }
  }
  if (name == nullptr) return bad(run_usage, "which scenario? (canopy list shows them)");
  std::string error;
  const scenario* sc = find_scenario(name, error);
  if (sc == nullptr) return bad(run_usage, error);
  return run_and_print(*sc, o, trace_path);
}

int canopy_cli_replay(int argc, char** argv) {
  const char* trace_path = nullptr;
  const char* line = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--trace") {
      if (i + 1 >= argc) return bad(replay_usage, "--trace needs a path");
      trace_path = argv[++i];
    } else if (line == nullptr) {
      line = argv[i];
    } else {
      return bad(replay_usage, "one replay line, quoted; \"" + std::string(argv[i]) + "\" is one too many");
    }
  }
  if (line == nullptr) return bad(replay_usage, "which line? paste the replay line a failure printed");
  std::string error;
  auto o = sim::options::from_replay(line, error);
  if (!o) return bad(replay_usage, error);
  if (o->scenario.empty()) {
    return bad(replay_usage,
               "the line names no scenario; lines printed by tests are replayed with "
               "CANOPY_REPLAY='<line>' and the test program");
  }
  const scenario* sc = find_scenario(o->scenario.c_str(), error);
  if (sc == nullptr) return bad(replay_usage, error);
  return run_and_print(*sc, *o, trace_path);
}

int canopy_cli_list(int argc, char** argv) {
  (void)argv;
  if (argc != 1) return bad("canopy list", "list takes no arguments");
  std::size_t n = 0;
  const scenario* all = scenario_all(&n);
  for (std::size_t i = 0; i < n; ++i) std::printf("%-26s %s (%s)\n", all[i].name, all[i].title, all[i].source);
  return 0;
}

int canopy_cli_sweep(int argc, char** argv) {
  const char* target = nullptr;
  const char* junit = nullptr;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> seeds;
  std::uint64_t jobs = 1, shard = 1, shards = 1;
  sim::options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) != "--") {
      if (target != nullptr) return bad(sweep_usage, "one scenario (or all) at a time; \"" + std::string(a) + "\" is one too many");
      target = argv[i];
      continue;
    }
    if (i + 1 >= argc) return bad(sweep_usage, std::string(a) + " needs a value");
    std::string_view v = argv[++i];
    std::string error;
    if (a == "--seeds") {
      std::size_t dots = v.find("..");
      std::uint64_t lo, hi;
      if (dots == std::string_view::npos || !parse_u64(v.substr(0, dots), lo) || !parse_u64(v.substr(dots + 2), hi) || lo > hi)
        return bad(sweep_usage, "--seeds takes a range A..B with A <= B, not \"" + std::string(v) + "\"");
      seeds = {lo, hi};
    } else if (a == "--jobs") {
      if (!parse_u64(v, jobs) || jobs < 1 || jobs > 256) return bad(sweep_usage, "--jobs takes 1..256, not \"" + std::string(v) + "\"");
    } else if (a == "--shard") {
      std::size_t slash = v.find('/');
      if (slash == std::string_view::npos || !parse_u64(v.substr(0, slash), shard) || !parse_u64(v.substr(slash + 1), shards) ||
          shards < 1 || shard < 1 || shard > shards)
        return bad(sweep_usage, "--shard takes K/N with 1 <= K <= N, not \"" + std::string(v) + "\"");
    } else if (a == "--junit") {
      junit = argv[i];
    } else if (!shared_option(a, argv[i], o, error)) {
      return bad(sweep_usage, "unknown option " + std::string(a));
    }
    if (!error.empty()) return bad(sweep_usage, error);
  }
  if (target == nullptr) return bad(sweep_usage, "which scenario? a name, or all");
  if (!seeds) return bad(sweep_usage, "--seeds A..B is required");
  if (seeds->second - seeds->first >= 100'000'000) return bad(sweep_usage, "at most 100,000,000 seeds per sweep");

  std::vector<const scenario*> chosen;
  std::size_t n = 0;
  const scenario* all = scenario_all(&n);
  if (std::string_view(target) == "all") {
    for (std::size_t i = 0; i < n; ++i) chosen.push_back(&all[i]);
  } else {
    std::string error;
    const scenario* sc = find_scenario(target, error);
    if (sc == nullptr) return bad(sweep_usage, error);
    chosen.push_back(sc);
  }
  std::vector<Item> items;
  std::uint64_t index = 0;
  for (const scenario* sc : chosen) {
    for (std::uint64_t s = seeds->first;; ++s) {
      if (index++ % shards == shard - 1) items.push_back({sc, s});
      if (s == seeds->second) break;
    }
  }

  std::vector<ItemResult> results(items.size());
  std::vector<int> fds;
  std::vector<pid_t> pids;
  std::fflush(nullptr);
  for (std::size_t w = 0; w < jobs; ++w) {
    int p[2];
    if (::pipe(p) != 0) return bad(sweep_usage, std::string("cannot make a pipe: ") + std::strerror(errno));
    pid_t pid = fork();
    if (pid < 0) return bad(sweep_usage, std::string("cannot fork a worker: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(p[0]);
      sweep_worker(items, o, w, jobs, p[1]);
    }
    ::close(p[1]);
    fds.push_back(p[0]);
    pids.push_back(pid);
  }
  bool tty = isatty(STDERR_FILENO) != 0;
  std::vector<std::string> partial(jobs);
  std::size_t done = 0, failed = 0, open = jobs;
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
        take_line(partial[w].substr(0, nl), results);
        partial[w].erase(0, nl + 1);
        ++done;
      }
    }
    failed = 0;
    for (const ItemResult& r : results) failed += r.done && !r.passed;
    if (tty) std::fprintf(stderr, "\r[%zu/%zu] %zu failed", done, items.size(), failed);
  }
  if (tty) std::fprintf(stderr, "\n");
  bool workers_ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) workers_ok = false;
  }
  failed = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    ItemResult& r = results[i];
    if (!r.done) {
      r.passed = false;
      r.kind = "worker-died";
      r.report = "the worker process running this seed died before reporting it (a crash outside the simulator's reach)";
      sim::options named;
      named.seed = items[i].seed;
      named.strategy = o.strategy;
      named.scenario = items[i].sc->name;
      r.replay = named.replay_line();
    }
    if (!r.passed) {
      ++failed;
      std::printf("FAILED %s seed %llu: %s: %s\nreplay: canopy replay '%s'\n", items[i].sc->name,
                  static_cast<unsigned long long>(items[i].seed), r.kind.c_str(), r.report.c_str(), r.replay.c_str());
    }
  }
  std::printf("%zu runs, %zu failed (strategy %s, shard %llu/%llu, %llu jobs)\n", items.size(), failed,
              sim::to_string(o.strategy), static_cast<unsigned long long>(shard), static_cast<unsigned long long>(shards),
              static_cast<unsigned long long>(jobs));
  if (junit != nullptr && !write_junit(junit, items, results)) {
    std::fprintf(stderr, "canopy: cannot write JUnit XML to %s: %s\n", junit, std::strerror(errno));
    return 2;
  }
  return failed == 0 && workers_ok ? 0 : 1;
}
