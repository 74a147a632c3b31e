// Where two traces of one program part ways.
#pragma once

#include <cstdint>
#include <string>

#include "canopy/trace/read.hpp"

namespace canopy::viewer {

/// The outcome of comparing two traces event by event.
struct DiffResult {
  bool identical = true;
  /// The first seq at which they differ (or at which the shorter one ended).
  std::uint64_t first_difference_seq = 0;
  /// Human-readable: "identical: N events" or the first differing event of
  /// each trace with the event before it; header differences are noted but
  /// do not make traces different (seeds and replay lines may differ).
  std::string report;
};

/// Compares the events of `a` and `b` in their canonical form.
DiffResult diff(const trace::Trace& a, const trace::Trace& b);

}  // namespace canopy::viewer
