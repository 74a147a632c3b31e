// Which lanes a diagram has, in what order, and what collapsed into what.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "canopy/trace/model.hpp"

namespace canopy::viewer::detail {

using runtime::CoroutineId;

/// One horizontal lane: a coroutine, or a summary of collapsed ones.
struct Lane {
  bool summary = false;
  /// The coroutine drawn, or for a summary lane the coroutine whose
  /// descendants it stands for.
  CoroutineId id = 0;
  std::size_t depth = 0;
  /// The lane of the parent (or of the summarised coroutine); -1 for roots.
  std::ptrdiff_t parent_lane = -1;
  /// Summary lanes: how many coroutines, and their combined span.
  std::size_t hidden_count = 0;
  std::int64_t span_begin_ns = 0;
  std::int64_t span_end_ns = 0;
  std::uint64_t span_begin_seq = 0;
  std::uint64_t span_end_seq = 0;
};

struct Layout {
  std::vector<Lane> lanes;  ///< top to bottom, depth-first
  /// Each coroutine's lane: its own, or the summary lane it collapsed into.
  std::map<CoroutineId, std::size_t> lane_of;
};

/// Lays out at most about `lane_budget` lanes. Subtrees are expanded
/// breadth-first, children in spawn order; a parent whose children do not
/// all fit shows the first ones and one "+N coroutines" lane for the rest.
Layout lay_out(const trace::Model& model, std::size_t lane_budget);

}  // namespace canopy::viewer::detail
