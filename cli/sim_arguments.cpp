#include "sim_arguments.hpp"

#include <cstdio>

namespace canopy::cli {

int bad(const char* usage, const std::string& what) {
  std::fprintf(stderr, "canopy: %s\nusage: %s\n", what.c_str(), usage);
  return 2;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

bool shared_option(std::string_view flag, const char* value, sim::options& o, std::string& error) {
  std::uint64_t n = 0;
  if (flag == "--seed") {
    if (!parse_u64(value, o.seed)) error = std::string("--seed needs a non-negative integer, not \"") + value + "\"";
  } else if (flag == "--strategy") {
    auto s = sim::strategy_from_string(value);
    if (!s || *s == sim::strategy::dfs) {
      error = std::string("--strategy must be fifo, random, pct, replay or auto, not \"") + value + "\"";
    } else {
      o.strategy = *s;
    }
  } else if (flag == "--pct-depth") {
    if (!parse_u64(value, n) || n < 1 || n > 64) error = std::string("--pct-depth needs 1..64, not \"") + value + "\"";
    o.pct_depth = static_cast<int>(n);
  } else if (flag == "--jitter-ms") {
    if (!parse_u64(value, n) || n > 1'000'000) error = std::string("--jitter-ms needs 0..1000000, not \"") + value + "\"";
    o.jitter_ms = static_cast<int>(n);
  } else if (flag == "--slow-ms") {
    if (!parse_u64(value, n) || n > 1'000'000) error = std::string("--slow-ms needs 0..1000000, not \"") + value + "\"";
    o.slow_ms = static_cast<int>(n);
  } else if (flag == "--inject") {
    o.directed_cancel = std::string_view(value) == "cancel";
    if (!o.directed_cancel) {
      error = std::string("--inject takes cancel (directed cancellation, realizable), not \"") + value +
              "\"; the unrealizable injections are --whatif cancel,timeout";
    }
  } else if (flag == "--whatif") {
    std::string_view v = value;
    o.whatif_cancel = v == "cancel" || v == "cancel,timeout" || v == "timeout,cancel";
    o.whatif_timeout = v == "timeout" || v == "cancel,timeout" || v == "timeout,cancel";
    if (!o.whatif_cancel && !o.whatif_timeout) error = std::string("--whatif takes cancel, timeout or cancel,timeout, not \"") + value + "\"";
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

}  // namespace canopy::cli
