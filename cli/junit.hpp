// JUnit XML for a sweep: one testsuite per scenario, one testcase per seed.
#pragma once

#include <string>
#include <vector>

#include "sweep_pool.hpp"

namespace canopy::cli {

/// Writes `results` (parallel to `items`) to `path`: test suites in the
/// order scenarios first appear, test cases in item order, failures with
/// their report and replay line. False (errno set) when it cannot.
bool write_junit(const char* path, const std::vector<SweepItem>& items, const std::vector<SweepResult>& results);

}  // namespace canopy::cli
