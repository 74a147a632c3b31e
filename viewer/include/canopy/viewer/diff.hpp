// Where two traces of one program part ways.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "canopy/trace/model.hpp"
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

namespace canopy::viewer {

/// Events of each run listed after the first divergence on the diff page.
inline constexpr std::size_t diff_events_after = 6;

/// One self-contained HTML page comparing two runs: both lifetime diagrams
/// on the event-order axis, so that their common prefix lines up, with the
/// first divergence marked (id "a-divergence" and "b-divergence"); the text
/// report; and each run's next `diff_events_after` events after it.
/// Byte-identical for equal input.
std::string render_diff_html(const trace::Model& a, const trace::Model& b, const DiffResult& result);

}  // namespace canopy::viewer
