// Arguments shared by the simulator's subcommands: numbers, the options
// run and sweep both take, scenario names, and the usage error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "canopy/scenarios/scenario.h"
#include "canopy/sim/options.hpp"

namespace canopy::cli {

/// Prints "canopy: WHAT" and the usage line on stderr; returns exit status 2.
int bad(const char* usage, const std::string& what);

/// A decimal number of at most 19 digits (no sign, no spaces).
bool parse_u64(std::string_view text, std::uint64_t& out);

/// Applies `--seed`, `--strategy`, `--pct-depth`, `--jitter-ms`,
/// `--slow-ms`, `--inject` or `--whatif` with `value` to `o`. False when `flag` is none of them; sets
/// `error` to a sentence when it is one but `value` is bad.
bool shared_option(std::string_view flag, const char* value, sim::options& o, std::string& error);

/// The scenario named `name`, or null with `error` saying so.
const scenario* find_scenario(const char* name, std::string& error);

}  // namespace canopy::cli
