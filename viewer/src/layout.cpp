#include "layout.hpp"

#include <algorithm>
#include <deque>

namespace canopy::viewer::detail {
namespace {

class LayoutBuilder {
 public:
  LayoutBuilder(const trace::Model& model, const LayoutOptions& options) : model_(model), options_(options) {}

  Layout run() {
    std::vector<CoroutineId> roots;
    for (const auto& [id, co] : model_.coroutines) {
      if (id == runtime::main_coroutine || model_.find(co.parent) == nullptr) roots.push_back(id);
    }
    std::size_t lanes = 0;
    std::deque<CoroutineId> queue;
    for (CoroutineId root : roots) {
      lanes += 1 + (has_children(root) ? 1 : 0);
      queue.push_back(root);
    }
    // Breadth-first: shallow structure is worth more lanes than deep detail.
    while (!queue.empty()) {
      CoroutineId id = queue.front();
      queue.pop_front();
      const std::vector<Entry>& entries = entries_of(id);
      std::size_t& shown = shown_[id];
      for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        std::size_t extra = 1 + (entry.count == 1 && has_children(entry.first) ? 1 : 0);
        const bool last = i + 1 == entries.size();
        if (last) extra -= 1;  // the parent's summary lane goes away
        if (lanes + extra > options_.lane_budget) break;
        lanes += extra;
        ++shown;
        if (entry.count == 1) queue.push_back(entry.first);
      }
    }
    for (CoroutineId root : roots) emit(root, -1);
    return std::move(layout_);
  }

 private:
  /// A child shown on its own (count 1) or a band of `count` identical
  /// siblings starting at children[index].
  struct Entry {
    CoroutineId first = 0;
    std::size_t index = 0;
    std::size_t count = 1;
  };

  bool has_children(CoroutineId id) const { return !model_.coroutines.at(id).children.empty(); }

  static bool alike(const trace::Coroutine& a, const trace::Coroutine& b) {
    return a.fn == b.fn && a.site == b.site;
  }

  const std::vector<Entry>& entries_of(CoroutineId id) {
    auto [it, inserted] = entries_.try_emplace(id);
    if (!inserted) return it->second;
    const auto& children = model_.coroutines.at(id).children;
    for (std::size_t i = 0; i < children.size();) {
      const trace::Coroutine& first = model_.coroutines.at(children[i]);
      std::size_t j = i + 1;
      while (j < children.size() && alike(first, model_.coroutines.at(children[j]))) ++j;
      if (j - i >= std::max<std::size_t>(options_.band_min, 2)) {
        it->second.push_back(Entry{children[i], i, j - i});
      } else {
        for (std::size_t k = i; k < j; ++k) it->second.push_back(Entry{children[k], k, 1});
      }
      i = j;
    }
    return it->second;
  }

  // Maps `root` and all its descendants to `lane`, widening the lane's span.
  void absorb(CoroutineId root, std::size_t lane_index, bool& first) {
    std::vector<CoroutineId> stack{root};
    while (!stack.empty()) {
      const trace::Coroutine& hidden = model_.coroutines.at(stack.back());
      stack.pop_back();
      layout_.lane_of[hidden.id] = lane_index;
      Lane& lane = layout_.lanes[lane_index];
      ++lane.hidden_count;
      if (first || hidden.spawn_seq < lane.span_begin_seq) {
        lane.span_begin_seq = hidden.spawn_seq;
        lane.span_begin_ns = hidden.spawn_ns;
      }
      if (first || hidden.exit_seq > lane.span_end_seq) {
        lane.span_end_seq = hidden.exit_seq;
        lane.span_end_ns = hidden.exit_ns;
      }
      first = false;
      for (auto child = hidden.children.rbegin(); child != hidden.children.rend(); ++child) stack.push_back(*child);
    }
  }

  void emit_band(const trace::Coroutine& parent, const Entry& entry, std::size_t parent_lane) {
    const std::size_t band_index = layout_.lanes.size();
    Lane band;
    band.kind = LaneKind::band;
    band.id = entry.first;
    band.depth = parent.depth + 1;
    band.parent_lane = static_cast<std::ptrdiff_t>(parent_lane);
    band.members.assign(parent.children.begin() + static_cast<std::ptrdiff_t>(entry.index),
                        parent.children.begin() + static_cast<std::ptrdiff_t>(entry.index + entry.count));
    layout_.lanes.push_back(band);
    bool first = true;
    for (CoroutineId member : layout_.lanes[band_index].members) absorb(member, band_index, first);
    layout_.lanes[band_index].hidden_count = entry.count;
    // The first members get lanes of their own, for the page to expand.
    const std::size_t own = std::min({entry.count, options_.band_member_lanes,
                                      options_.band_member_lanes_total - std::min(member_lanes_, options_.band_member_lanes_total)});
    member_lanes_ += own;
    for (std::size_t i = 0; i < own; ++i) {
      const CoroutineId id = parent.children[entry.index + i];
      Lane member;
      member.id = id;
      member.depth = parent.depth + 1;
      member.parent_lane = static_cast<std::ptrdiff_t>(band_index);
      member.band_member = true;
      layout_.lane_of[id] = layout_.lanes.size();
      layout_.lanes.push_back(member);
    }
  }

  void emit(CoroutineId id, std::ptrdiff_t parent_lane) {
    const trace::Coroutine& co = model_.coroutines.at(id);
    const std::size_t lane_index = layout_.lanes.size();
    Lane lane;
    lane.id = id;
    lane.depth = co.depth;
    lane.parent_lane = parent_lane;
    layout_.lanes.push_back(lane);
    layout_.lane_of[id] = lane_index;
    const std::vector<Entry>& entries = entries_of(id);
    const std::size_t shown = shown_.count(id) != 0 ? shown_.at(id) : 0;
    for (std::size_t i = 0; i < shown; ++i) {
      if (entries[i].count == 1) {
        emit(entries[i].first, static_cast<std::ptrdiff_t>(lane_index));
      } else {
        emit_band(co, entries[i], lane_index);
      }
    }
    if (shown == entries.size()) return;
    Lane summary;
    summary.kind = LaneKind::summary;
    summary.id = id;
    summary.depth = co.depth + 1;
    summary.parent_lane = static_cast<std::ptrdiff_t>(lane_index);
    const std::size_t summary_index = layout_.lanes.size();
    layout_.lanes.push_back(summary);
    bool first = true;
    for (std::size_t i = entries[shown].index; i < co.children.size(); ++i) absorb(co.children[i], summary_index, first);
  }

  const trace::Model& model_;
  LayoutOptions options_;
  std::map<CoroutineId, std::size_t> shown_;  ///< entries shown, per parent
  std::map<CoroutineId, std::vector<Entry>> entries_;
  std::size_t member_lanes_ = 0;  ///< band members given lanes so far
  Layout layout_;
};

}  // namespace

Layout lay_out(const trace::Model& model, const LayoutOptions& options) {
  LayoutOptions bounded = options;
  bounded.lane_budget = std::max<std::size_t>(options.lane_budget, 2);
  return LayoutBuilder(model, bounded).run();
}

}  // namespace canopy::viewer::detail
