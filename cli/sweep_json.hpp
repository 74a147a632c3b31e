// A sweep's results as a mergeable report (JSON, format "canopy-sweep"):
// what was swept, which shards it covers, runs and failures per scenario,
// and the failures grouped by signature. Shards of one sweep merge into
// the report the unsharded sweep writes (docs/fuzzing.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sweep_pool.hpp"

namespace canopy::cli {

/// One kind of failure: every run whose report has the same signature.
struct FailureGroup {
  std::string signature;  ///< scenario, kind and the report with its numbers as "N"
  std::string scenario;   ///< where it failed
  std::string kind;       ///< sim::to_string(failure_kind), or "worker-died"
  std::string whatif;     ///< the what-if injection of the lowest seed, empty for a real failure
  std::string report;     ///< the report of the lowest seed
  std::string replay;     ///< the replay line of the lowest seed
  std::uint64_t count = 0;           ///< runs that failed this way
  std::vector<std::uint64_t> seeds;  ///< the lowest of their seeds, at most max_listed_seeds, ascending
};

/// Runs and failures of one scenario.
struct ScenarioCount {
  std::string name;
  std::uint64_t runs = 0, failed = 0;
};

struct SweepReport {
  /// What was swept: target, seed range and the settings as a line (shards
  /// of one sweep agree on it).
  std::string target, seeds, settings;
  std::uint64_t shard_count = 1;
  std::vector<std::uint64_t> shards;  ///< the shards (1-based) this report covers, ascending
  std::vector<ScenarioCount> scenarios;  ///< in the order the sweep ran them
  std::vector<FailureGroup> failures;    ///< by scenario order, then lowest seed

  /// Seeds listed per failure group; the count stays exact.
  static constexpr std::size_t max_listed_seeds = 1000;

  /// Counts one run.
  void add(const SweepItem& item, const SweepResult& result);
  /// Adds a report of another shard of the same sweep; false with `error`
  /// when it is of another sweep or covers a shard this one has.
  bool merge(const SweepReport& other, std::string& error);
  /// Puts the scenarios in `order` (names not in it last, as they are) and
  /// the failure groups after them: the order the unsharded sweep has.
  void order_scenarios(const std::vector<std::string>& order);
  std::uint64_t runs() const;
  std::uint64_t failed() const;
  /// The JSON text (ends with a newline).
  std::string to_json() const;
  /// Reads to_json()'s text back; nothing, with `error`, when malformed.
  static std::optional<SweepReport> from_json(const std::string& text, std::string& error);
};

/// What a report says failed, in one line: its first line, after
/// "(what-if) " when the run made the what-if injection `whatif`.
std::string failure_headline(const std::string& whatif, const std::string& report);

/// The signature failures are grouped by: the scenario, the kind and the
/// report's headline with every run of digits written "N", so that the
/// same failure at other times, ids or seeds groups together (a what-if
/// failure never with a real one).
std::string failure_signature(const std::string& scenario, const std::string& kind, const std::string& whatif,
                              const std::string& report);

}  // namespace canopy::cli
