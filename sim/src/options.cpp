// Options from the environment and from replay lines, and back to lines.
//
// A replay line is "v1:" then key=value pairs separated by ';', in a fixed
// order, only those that differ from the defaults (seed and strategy are
// always written):
//   v1:seed=42;strategy=replay;decisions=0,1,0*12,2;injections=3c,7t
// Decision lists drop trailing zeros (past the end a replay is fifo, which
// picks 0) and write runs as value*count.
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "canopy/sim/options.hpp"
#include "rng.hpp"

namespace canopy::sim {

namespace {

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    std::uint64_t next = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (next / 10 != v) return false;
    v = next;
  }
  out = v;
  return true;
}

bool parse_int(std::string_view text, int low, int high, int& out) {
  std::uint64_t v;
  if (!parse_u64(text, v) || v < static_cast<std::uint64_t>(low) || v > static_cast<std::uint64_t>(high)) return false;
  out = static_cast<int>(v);
  return true;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  if (text.empty()) return parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool parse_decisions(std::string_view text, std::vector<std::uint32_t>& out) {
  out.clear();
  for (std::string_view part : split(text, ',')) {
    std::size_t star = part.find('*');
    std::uint64_t value, count = 1;
    if (!parse_u64(part.substr(0, star), value) || value > 0xFFFFFFFFu) return false;
    if (star != std::string_view::npos && (!parse_u64(part.substr(star + 1), count) || count > (1u << 24))) return false;
    out.insert(out.end(), count, static_cast<std::uint32_t>(value));
  }
  return true;
}

std::string format_decisions(const std::vector<std::uint32_t>& decisions) {
  std::size_t end = decisions.size();
  while (end > 0 && decisions[end - 1] == 0) --end;
  std::string s;
  for (std::size_t i = 0; i < end;) {
    std::size_t j = i;
    while (j < end && decisions[j] == decisions[i]) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(decisions[i]);
    if (j - i > 2) {
      s += '*' + std::to_string(j - i);
    } else if (j - i == 2) {
      s += ',' + std::to_string(decisions[i]);
    }
    i = j;
  }
  return s;
}

bool parse_injections(std::string_view text, std::vector<injection>& out) {
  out.clear();
  for (std::string_view part : split(text, ',')) {
    if (part.size() < 2) return false;
    char kind = part.back();
    std::uint64_t index;
    if (!parse_u64(part.substr(0, part.size() - 1), index)) return false;
    if (kind != 'c' && kind != 't') return false;
    if (!out.empty() && out.back().call_index >= index) return false;  // strictly increasing
    out.push_back({index, kind == 'c' ? ECANCELED : ETIMEDOUT});
  }
  return true;
}

std::string format_injections(const std::vector<injection>& list) {
  std::string s;
  for (const injection& i : list) {
    if (!s.empty()) s += ',';
    s += std::to_string(i.call_index) + (i.err == ECANCELED ? "c" : "t");
  }
  return s;
}

bool parse_slow_steps(std::string_view text, std::vector<slow_step>& out) {
  out.clear();
  for (std::string_view part : split(text, ',')) {
    std::size_t colon = part.find(':');
    std::uint64_t step = 0;
    int ms = 0;
    if (colon == std::string_view::npos || !parse_u64(part.substr(0, colon), step) ||
        !parse_int(part.substr(colon + 1), 1, 1'000'000, ms))
      return false;
    if (!out.empty() && out.back().step >= step) return false;  // strictly increasing
    out.push_back({step, ms});
  }
  return true;
}

std::string format_slow_steps(const std::vector<slow_step>& list) {
  std::string s;
  for (const slow_step& x : list) {
    if (!s.empty()) s += ',';
    s += std::to_string(x.step) + ":" + std::to_string(x.ms);
  }
  return s;
}

bool parse_whatif_kinds(std::string_view text, options& o) {
  o.whatif_cancel = o.whatif_timeout = false;
  for (std::string_view part : split(text, ',')) {
    if (part == "cancel") {
      o.whatif_cancel = true;
    } else if (part == "timeout") {
      o.whatif_timeout = true;
    } else if (part != "none" && !part.empty()) {
      return false;
    }
  }
  return true;
}

std::string whatif_kinds(const options& o) {
  if (o.whatif_cancel && o.whatif_timeout) return "cancel,timeout";
  return o.whatif_cancel ? "cancel" : "timeout";
}

// CANOPY_INJECT / inject: only realizable kinds. "cancel" is directed
// cancellation; "timeout" has no realizable form (late timers are jitter).
bool parse_inject_kinds(std::string_view text, options& o) {
  o.directed_cancel = false;
  for (std::string_view part : split(text, ',')) {
    if (part == "cancel") {
      o.directed_cancel = true;
    } else if (part != "none" && !part.empty()) {
      return false;
    }
  }
  return true;
}

bool parse_net_faults(std::string_view text, options& o) {
  o.net_reset = o.net_refuse = o.net_partition = false;
  for (std::string_view part : split(text, ',')) {
    if (part == "reset") {
      o.net_reset = true;
    } else if (part == "refuse") {
      o.net_refuse = true;
    } else if (part == "partition") {
      o.net_partition = true;
    } else if (part != "none") {
      return false;
    }
  }
  return true;
}

std::string net_faults(const options& o) {
  std::string s;
  if (o.net_reset) s += "reset";
  if (o.net_refuse) s += s.empty() ? "refuse" : ",refuse";
  if (o.net_partition) s += s.empty() ? "partition" : ",partition";
  return s;
}

bool parse_latency(std::string_view value, int& out) {
  if (value == "seeded") {
    out = -1;
    return true;
  }
  return parse_int(value, 0, 1'000'000, out);
}

// One setting, by its replay-line key; false when the value is malformed.
bool apply(options& o, std::string_view key, std::string_view value) {
  std::uint64_t u;
  int i;
  if (key == "seed") return parse_u64(value, o.seed);
  if (key == "strategy") {
    auto s = strategy_from_string(value);
    if (s) o.strategy = *s;
    return s.has_value();
  }
  if (key == "pct_depth") return parse_int(value, 1, 64, o.pct_depth);
  if (key == "pct_steps") return parse_u64(value, o.pct_steps) && o.pct_steps > 0;
  if (key == "dfs_bound") return parse_int(value, 0, 1000, o.dfs_preemption_bound);
  if (key == "decisions") return parse_decisions(value, o.decisions);
  if (key == "inject") return parse_inject_kinds(value, o);
  if (key == "whatif") return parse_whatif_kinds(value, o);
  if (key == "whatif_per_mille") return parse_int(value, 0, 1000, o.whatif_per_mille);
  if (key == "injections") {
    std::vector<injection> list;
    if (!parse_injections(value, list)) return false;
    o.injections = std::move(list);
    return true;
  }
  if (key == "jitter_ms") return parse_int(value, 0, 1'000'000, o.jitter_ms);
  if (key == "slow_ms") return parse_int(value, 0, 1'000'000, o.slow_ms);
  if (key == "slow_steps") {
    std::vector<slow_step> list;
    if (!parse_slow_steps(value, list)) return false;
    o.slow_steps = std::move(list);
    return true;
  }
  if (key == "net_faults") return parse_net_faults(value, o);
  if (key == "net_latency_ms") return parse_latency(value, o.net_latency_ms);
  if (key == "net_jitter_ms") return parse_latency(value, o.net_jitter_ms);
  if (key == "max_steps") return parse_u64(value, o.max_steps);
  if (key == "max_virtual_ms") {
    if (!parse_u64(value, u) || u > (1ull << 50)) return false;
    o.max_virtual_ms = static_cast<std::int64_t>(u);
    return true;
  }
  if (key == "cancelled_budget") return parse_u64(value, o.cancelled_call_budget);
  if (key == "scenario") {
    o.scenario = std::string(value);
    return true;
  }
  (void)i;
  return false;
}

struct Setting {
  const char* key;       ///< replay-line key; null for variables that are not run settings
  const char* variable;  ///< the environment variable
};
// Every CANOPY_* variable the library reads, in replay-line writing order
// for those that are run settings. The one place a new variable is added:
// whatever is not here draws an "unknown variable" warning.
constexpr Setting settings[] = {
    {"scenario", "CANOPY_SCENARIO"},
    {"seed", "CANOPY_SEED"},
    {"strategy", "CANOPY_STRATEGY"},
    {"pct_depth", "CANOPY_PCT_DEPTH"},
    {"pct_steps", "CANOPY_PCT_STEPS"},
    {"dfs_bound", "CANOPY_DFS_BOUND"},
    {"decisions", "CANOPY_DECISIONS"},
    {"inject", "CANOPY_INJECT"},
    {"whatif", "CANOPY_WHATIF"},
    {"whatif_per_mille", "CANOPY_WHATIF_PER_MILLE"},
    {"injections", "CANOPY_INJECTIONS"},
    {"jitter_ms", "CANOPY_JITTER_MS"},
    {"slow_ms", "CANOPY_SLOW_MS"},
    {"slow_steps", "CANOPY_SLOW_STEPS"},
    {"net_faults", "CANOPY_NET_FAULTS"},
    {"net_latency_ms", "CANOPY_NET_LATENCY_MS"},
    {"net_jitter_ms", "CANOPY_NET_JITTER_MS"},
    {"max_steps", "CANOPY_MAX_STEPS"},
    {"max_virtual_ms", "CANOPY_MAX_VIRTUAL_MS"},
    {"cancelled_budget", "CANOPY_CANCELLED_BUDGET"},
    {nullptr, "CANOPY_REPLAY"},       // the whole run as one replay line
    {nullptr, "CANOPY_COVERAGE"},     // where a whole program writes its cancellation coverage
    {nullptr, "CANOPY_INJECT_PER_MILLE"},  // moved to CANOPY_WHATIF_PER_MILLE: refused with a sentence
    {nullptr, "CANOPY_TRACE"},        // where the trace recorder writes
    {nullptr, "CANOPY_STACK_BYTES"},  // the runtime's default stack size
    {nullptr, "CANOPY_NET_HOSTS"},    // names the simulated resolver knows (network.cpp)
    {nullptr, "CANOPY_UPDATE_GOLDEN"},  // the test suite rewrites its golden files
    {nullptr, "CANOPY_FUZZ_INPUT"},     // a whole program's choices from a fuzz input (fuzz_input.cpp)
    {nullptr, "CANOPY_FUZZ_LINE"},      // where a fuzzed whole program writes its replay line
    {nullptr, "CANOPY_SHARD_INDEX"},    // canopy sweep --shard auto: this shard, from 0 (cli/shard_auto.cpp)
    {nullptr, "CANOPY_SHARD_COUNT"},    // canopy sweep --shard auto: how many shards
};

// (key, value) for every setting of `o` that differs from the defaults.
// Whole programs run without budgets by default, so their lines leave 0 out.
std::vector<std::pair<std::string, std::string>> differences(const options& o, bool for_environment) {
  static const options d;
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(std::size(settings));  // every run writes its line: no regrowth
  if (!o.scenario.empty()) out.push_back({"scenario", o.scenario});
  out.push_back({"seed", std::to_string(o.seed)});
  out.push_back({"strategy", to_string(o.strategy)});
  if (o.strategy == strategy::pct) {
    // The depth is what a person reading the line wants to know: always written.
    out.push_back({"pct_depth", std::to_string(o.pct_depth)});
    if (o.pct_steps != d.pct_steps) out.push_back({"pct_steps", std::to_string(o.pct_steps)});
  }
  if (o.strategy == strategy::dfs && o.dfs_preemption_bound != d.dfs_preemption_bound)
    out.push_back({"dfs_bound", std::to_string(o.dfs_preemption_bound)});
  if ((o.strategy == strategy::replay || o.strategy == strategy::dfs) && !format_decisions(o.decisions).empty())
    out.push_back({"decisions", format_decisions(o.decisions)});
  if (o.directed_cancel) out.push_back({"inject", "cancel"});
  // An empty plan with what-if off is the same as no plan: left out.
  if (o.injections && (!o.injections->empty() || o.whatif_cancel || o.whatif_timeout)) {
    out.push_back({"injections", format_injections(*o.injections)});
  } else if (o.whatif_cancel || o.whatif_timeout) {
    out.push_back({"whatif", whatif_kinds(o)});
    if (o.whatif_per_mille != d.whatif_per_mille)
      out.push_back({"whatif_per_mille", std::to_string(o.whatif_per_mille)});
  }
  if (o.jitter_ms != d.jitter_ms) out.push_back({"jitter_ms", std::to_string(o.jitter_ms)});
  // As with injections: an exact list wins; an empty one with slow steps off is left out.
  if (o.slow_steps && (!o.slow_steps->empty() || o.slow_ms != 0 || o.directed_cancel)) {
    out.push_back({"slow_steps", format_slow_steps(*o.slow_steps)});
  } else if (o.slow_ms != d.slow_ms) {
    out.push_back({"slow_ms", std::to_string(o.slow_ms)});
  }
  if (!net_faults(o).empty()) out.push_back({"net_faults", net_faults(o)});
  if (o.net_latency_ms != d.net_latency_ms) out.push_back({"net_latency_ms", std::to_string(o.net_latency_ms)});
  if (o.net_jitter_ms != d.net_jitter_ms) out.push_back({"net_jitter_ms", std::to_string(o.net_jitter_ms)});
  if (o.max_steps != d.max_steps && !(for_environment && o.max_steps == 0)) out.push_back({"max_steps", std::to_string(o.max_steps)});
  if (o.max_virtual_ms != d.max_virtual_ms && !(for_environment && o.max_virtual_ms == 0)) out.push_back({"max_virtual_ms", std::to_string(o.max_virtual_ms)});
  if (o.cancelled_call_budget != d.cancelled_call_budget)
    out.push_back({"cancelled_budget", std::to_string(o.cancelled_call_budget)});
  return out;
}

const char* variable_for(std::string_view key) {
  for (const Setting& s : settings)
    if (s.key != nullptr && key == s.key) return s.variable;
  return "?";
}

}  // namespace

const char* to_string(strategy s) {
  switch (s) {
    case strategy::fifo: return "fifo";
    case strategy::random: return "random";
    case strategy::pct: return "pct";
    case strategy::dfs: return "dfs";
    case strategy::replay: return "replay";
    case strategy::automatic: return "auto";
  }
  return "?";
}

options options::resolved() const {
  if (strategy != sim::strategy::automatic) return *this;
  options o = *this;
  // Its own stream: what auto picks never shifts the scheduler's draws.
  detail::Rng pick(seed, detail::stream::auto_pick);
  std::uint64_t scheduler = pick.below(4);
  o.strategy = scheduler == 0 ? sim::strategy::random : sim::strategy::pct;
  if (scheduler != 0) o.pct_depth = static_cast<int>(scheduler);
  // The timing: none, jitter, slow steps, both, or directed cancellation
  // (which brings its own per-coroutine slow steps and late timers).
  std::uint64_t timing = pick.below(5);
  int jitter_ms = 1 + static_cast<int>(pick.below(20));
  int slow_ms = 1 + static_cast<int>(pick.below(20));
  if (o.jitter_ms == 0 && (timing == 1 || timing == 3)) o.jitter_ms = jitter_ms;
  if (o.slow_ms == 0 && !o.slow_steps && (timing == 2 || timing == 3)) o.slow_ms = slow_ms;
  if (timing == 4) o.directed_cancel = true;
  return o;
}

std::optional<strategy> strategy_from_string(std::string_view name) {
  for (strategy s : {strategy::fifo, strategy::random, strategy::pct, strategy::dfs, strategy::replay, strategy::automatic})
    if (name == to_string(s)) return s;
  return std::nullopt;
}

options options::from_environment(const options& base, std::string& error) {
  if (const char* old = std::getenv("CANOPY_INJECT_PER_MILLE"); old != nullptr && *old != '\0') {
    error = std::string("CANOPY_INJECT_PER_MILLE=") + old +
            " is not read any more: injecting failures nobody caused is a what-if, set with "
            "CANOPY_WHATIF=cancel,timeout and CANOPY_WHATIF_PER_MILLE=n";
    return base;
  }
  if (const char* line = std::getenv("CANOPY_REPLAY"); line != nullptr && *line != '\0') {
    auto parsed = from_replay(line, error);
    if (!parsed) error = std::string("CANOPY_REPLAY=") + line + " is not valid: " + error;
    return parsed ? *parsed : base;
  }
  options o = base;
  bool strategy_given = false;
  for (const Setting& s : settings) {
    if (s.key == nullptr) continue;
    const char* value = std::getenv(s.variable);
    if (value == nullptr || *value == '\0') continue;
    if (std::string_view(s.key) == "scenario") continue;  // names a scenario for tools, not a setting
    if (!apply(o, s.key, value)) {
      error = std::string(s.variable) + "=" + value + " is not valid" +
              (std::string_view(s.key) == "strategy" ? " (expected fifo, random, pct, dfs, replay or auto)"
               : std::string_view(s.key) == "inject"
                   ? (std::string_view(value).find("timeout") != std::string_view::npos
                          ? " (expected cancel: directed cancellation steers real closes; an ETIMEDOUT before its "
                            "deadline cannot happen on a real machine. Late timers are CANOPY_JITTER_MS=n; the "
                            "unrealizable injection is CANOPY_WHATIF=timeout)"
                          : " (expected cancel)")
               : std::string_view(s.key) == "whatif" ? " (expected cancel, timeout or cancel,timeout)"
               : std::string_view(s.key) == "net_faults" ? " (expected a list of reset, refuse and partition, e.g. reset,partition)"
                                                     : std::string_view(s.key) == "slow_steps" ? " (expected increasing step:ms pairs, e.g. 12:3,40:1)"
                                                     : " (expected a number, or a list of them)");
      return base;
    }
    if (std::string_view(s.key) == "strategy") strategy_given = true;
  }
  // Decisions alone mean: replay them.
  if (!strategy_given && !o.decisions.empty()) o.strategy = strategy::replay;
  return o;
}

std::vector<std::string> options::overridden_by_replay() {
  std::vector<std::string> ignored;
  const char* line = std::getenv("CANOPY_REPLAY");
  if (line == nullptr || *line == '\0') return ignored;
  for (const Setting& s : settings) {
    // The line carries every run setting; the scenario only names the run.
    if (s.key == nullptr || std::string_view(s.key) == "scenario") continue;
    if (const char* value = std::getenv(s.variable); value != nullptr && *value != '\0') ignored.push_back(s.variable);
  }
  return ignored;
}

std::vector<std::string> options::unknown_variables(char* const* environment) {
  std::vector<std::string> unknown;
  constexpr std::string_view prefix = "CANOPY_";
  for (char* const* entry = environment; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    if (text.substr(0, prefix.size()) != prefix) continue;
    const std::string_view name = text.substr(0, text.find('='));
    bool known = false;
    for (const Setting& s : settings) known = known || name == s.variable;
    // Bounded: a hostile environment cannot make the warning unbounded.
    if (!known && unknown.size() < 32) unknown.emplace_back(name.substr(0, 64));
  }
  return unknown;
}

std::optional<options> options::from_replay(std::string_view line, std::string& error) {
  if (line.substr(0, 3) != "v1:") {
    error = "a replay line starts with \"v1:\", this one is \"" + std::string(line.substr(0, 20)) + "\"";
    return std::nullopt;
  }
  options o;
  for (std::string_view pair : split(line.substr(3), ';')) {
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      error = "replay line item \"" + std::string(pair) + "\" is not key=value";
      return std::nullopt;
    }
    if (!apply(o, pair.substr(0, eq), pair.substr(eq + 1))) {
      error = "replay line item \"" + std::string(pair) + "\" has an unknown key or a malformed value";
      return std::nullopt;
    }
  }
  return o;
}

std::string options::replay_line() const {
  std::string line = "v1:";
  line.reserve(96);
  bool first = true;
  // Appended piece by piece: every run writes its line, and temporaries cost allocations.
  for (const auto& [key, value] : differences(*this, false)) {
    if (!first) line += ';';
    first = false;
    line.append(key).append(1, '=').append(value);
  }
  return line;
}

std::string options::environment_line() const {
  std::string line;
  for (const auto& [key, value] : differences(*this, true)) {
    if (key == "scenario") continue;
    if (!line.empty()) line += ' ';
    line += std::string(variable_for(key)) + "=" + value;
  }
  return line;
}

}  // namespace canopy::sim
