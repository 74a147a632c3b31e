// canopy sweep --report DIR: one HTML page a CI job can publish.
#pragma once

#include <string>
#include <vector>

#include "canopy/sim/coverage.hpp"
#include "canopy/sim/options.hpp"
#include "sweep_pool.hpp"
#include "sweep_wire.hpp"

namespace canopy::cli {

/// Failures given a diagram, a shrunk replay and a diff in the report; the
/// rest are listed with their replay lines only.
inline constexpr std::size_t report_detailed_failures = 10;

/// Writes DIR/index.html: runs, passes and failures per scenario and mode;
/// then each failure with its report, its replay line and its shrunk one,
/// its lifetime diagram, and a diff page against the passing run of the
/// same scenario with the nearest seed (traces, diagrams and diffs beside
/// it in DIR); and, when `coverage` is given, the cancellation coverage
/// drawn as one bar per blocking call site. `results` is parallel to
/// `items`; `base` holds the sweep's options. Returns false and sets
/// `error` when DIR cannot be written.
bool write_sweep_report(const std::string& dir, const std::vector<SweepItem>& items,
                        const std::vector<SweepResult>& results, const sim::options& base,
                        const sim::cancellation_coverage* coverage, std::string& error);

}  // namespace canopy::cli
