// Export to the Chrome trace event format (Perfetto, chrome://tracing).
#pragma once

#include <string>

#include "canopy/trace/model.hpp"

namespace canopy::trace {

struct ChromeOptions {
  /// Place events by their seq (1 µs per event) instead of their time:
  /// simulated runs do much at one virtual instant, and this spreads it out.
  bool event_order_axis = false;
};

/// The model as one Chrome trace JSON object {"traceEvents": [...], ...}:
/// one track per coroutine (tid = id + 1, named "co 3 worker (file:line)",
/// ordered depth-first through thread_sort_index), its lifetime as a
/// complete ("X") slice with nested "grace", "running" and "blocked: ..."
/// slices, and flows ("s"/"f", bound to the enclosing slice) for spawn,
/// wake, channel rendezvous and cancel. Byte-identical for equal models.
std::string export_chrome(const Model& model, const ChromeOptions& options = {});

}  // namespace canopy::trace
