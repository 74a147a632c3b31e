// Which lanes a diagram has, in what order, and what collapsed into what.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "canopy/trace/model.hpp"

namespace canopy::viewer::detail {

using runtime::CoroutineId;

/// What a lane stands for.
enum class LaneKind : std::uint8_t {
  coroutine,  ///< one coroutine
  summary,    ///< the descendants of `id` that did not fit the lane budget
  band,       ///< a run of identical siblings (same function, same spawn site)
};

/// One horizontal lane: a coroutine, a band of identical siblings, or a
/// summary of collapsed ones.
struct Lane {
  LaneKind kind = LaneKind::coroutine;
  /// The coroutine drawn; for a summary lane the coroutine whose
  /// descendants it stands for; for a band its first member.
  CoroutineId id = 0;
  std::size_t depth = 0;
  /// The lane of the parent (or of the summarised coroutine, or of the band
  /// a member belongs to); -1 for roots.
  std::ptrdiff_t parent_lane = -1;
  /// A member of a band, drawn only when the page expands the band.
  bool band_member = false;
  /// Summary and band lanes: how many coroutines, and their combined span.
  std::size_t hidden_count = 0;
  std::int64_t span_begin_ns = 0;
  std::int64_t span_end_ns = 0;
  std::uint64_t span_begin_seq = 0;
  std::uint64_t span_end_seq = 0;
  /// Band lanes: every member, in spawn order.
  std::vector<CoroutineId> members;
};

struct Layout {
  std::vector<Lane> lanes;  ///< top to bottom, depth-first
  /// Each coroutine's lane: its own, or the summary or band lane it
  /// collapsed into.
  std::map<CoroutineId, std::size_t> lane_of;
};

/// How lanes are chosen.
struct LayoutOptions {
  std::size_t lane_budget = 150;
  /// Consecutive siblings with the same function and spawn site form a band
  /// when there are at least this many.
  std::size_t band_min = 4;
  /// Members of a band given lanes of their own (drawn hidden, for the page
  /// to expand); 0 in a static picture.
  std::size_t band_member_lanes = 0;
  /// The same, over all bands together: what a page with many bands holds.
  std::size_t band_member_lanes_total = 0;
};

/// Lays out at most about `lane_budget` lanes (expanded band members not
/// counted). Subtrees are expanded breadth-first, children in spawn order; a
/// parent whose children do not all fit shows the first ones and one
/// "+N coroutines" lane for the rest.
Layout lay_out(const trace::Model& model, const LayoutOptions& options);

}  // namespace canopy::viewer::detail
