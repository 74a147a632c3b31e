// Cancellation coverage over many runs: for every blocking call site, in how
// many runs a real close landed there, and which sites no close reached.
// This is what "the cleanup paths were exercised" means: a site no close
// ever reached is a cleanup path no run tested.
//
// Filled from outcomes (run, sweep, check: options::coverage), from whole
// programs (CANOPY_COVERAGE=path, accumulated across processes) and from
// `canopy sweep --coverage PATH`. Written as JSON for tools (schema in
// docs/simulation.md, "Cancellation coverage") and as a text table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "canopy/sim/outcome.hpp"

namespace canopy::sim {

/// One blocking call site over many runs.
struct site_tally {
  std::uint64_t runs_reached = 0;  ///< runs that made a blocking call here
  std::uint64_t runs_closed = 0;   ///< runs in which a real close landed here
  std::uint64_t calls = 0;         ///< blocking calls made here, all runs
  std::uint64_t closes = 0;        ///< real closes that landed here, all runs
  std::uint64_t refused_after_close = 0;  ///< calls refused here after a close had landed
  std::uint64_t whatif = 0;        ///< what-if injections here (not closes)
  friend bool operator==(const site_tally&, const site_tally&) = default;
};

class cancellation_coverage {
 public:
  /// Adds one run's call sites.
  void add(const outcome& run);
  /// Adds every run another table counted.
  void merge(const cancellation_coverage& other);
  std::uint64_t runs() const { return runs_; }
  /// Site name ("module+0xOFFSET (function+0xOFFSET)") -> tally, sorted by name.
  const std::map<std::string, site_tally>& sites() const { return sites_; }
  /// Sites no close reached in any run.
  std::size_t unreached() const;

  /// {"format":"canopy-cancellation-coverage","version":1,"runs":N,"sites":[...]},
  /// one site per line, sorted by name; a site's "source" ("function at
  /// file:line") when it could be looked up (text() says how).
  std::string json() const;
  /// A table for people: reached sites first, then those no close reached;
  /// sites in the running executable also get "function at file:line" when
  /// addr2line (binutils) and debug information are there.
  std::string text() const;
  /// Reads what json() wrote; sets `error` and returns nothing otherwise.
  static std::optional<cancellation_coverage> from_json(std::string_view text, std::string& error);
  /// Adds this table into the JSON file at `path` (created when missing),
  /// under an exclusive lock, so that processes running at once accumulate.
  /// False with `error` set when the file cannot be read or written.
  bool accumulate_into(const std::string& path, std::string& error) const;

  /// Equal runs and tallies (where the sources were looked up does not matter).
  friend bool operator==(const cancellation_coverage& a, const cancellation_coverage& b) {
    return a.runs_ == b.runs_ && a.sites_ == b.sites_;
  }

 private:
  /// Site -> "function at file:line": looked up now, or read from a file.
  std::map<std::string, std::string> sources() const;
  std::uint64_t runs_ = 0;
  std::map<std::string, site_tally> sites_;
  /// Sources read back from a file (another process looked them up).
  std::map<std::string, std::string> read_sources_;
};

}  // namespace canopy::sim
