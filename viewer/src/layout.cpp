#include "layout.hpp"

#include <algorithm>
#include <deque>

namespace canopy::viewer::detail {
namespace {

class LayoutBuilder {
 public:
  LayoutBuilder(const trace::Model& model, std::size_t budget) : model_(model), budget_(budget) {}

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
      const auto& children = model_.coroutines.at(id).children;
      std::size_t& shown = shown_[id];
      for (std::size_t i = 0; i < children.size(); ++i) {
        std::size_t extra = 1 + (has_children(children[i]) ? 1 : 0);
        const bool last = i + 1 == children.size();
        if (last) extra -= 1;  // the parent's summary lane goes away
        if (lanes + extra > budget_) break;
        lanes += extra;
        ++shown;
        queue.push_back(children[i]);
      }
    }
    for (CoroutineId root : roots) emit(root, -1);
    return std::move(layout_);
  }

 private:
  bool has_children(CoroutineId id) const { return !model_.coroutines.at(id).children.empty(); }

  void emit(CoroutineId id, std::ptrdiff_t parent_lane) {
    const trace::Coroutine& co = model_.coroutines.at(id);
    const std::size_t lane_index = layout_.lanes.size();
    Lane lane;
    lane.id = id;
    lane.depth = co.depth;
    lane.parent_lane = parent_lane;
    layout_.lanes.push_back(lane);
    layout_.lane_of[id] = lane_index;
    const std::size_t shown = shown_.count(id) != 0 ? shown_.at(id) : 0;
    for (std::size_t i = 0; i < shown; ++i) emit(co.children[i], static_cast<std::ptrdiff_t>(lane_index));
    if (shown == co.children.size()) return;
    Lane summary;
    summary.summary = true;
    summary.id = id;
    summary.depth = co.depth + 1;
    summary.parent_lane = static_cast<std::ptrdiff_t>(lane_index);
    const std::size_t summary_index = layout_.lanes.size();
    bool first = true;
    std::vector<CoroutineId> stack(co.children.rbegin(), co.children.rend() - static_cast<std::ptrdiff_t>(shown));
    while (!stack.empty()) {
      const trace::Coroutine& hidden = model_.coroutines.at(stack.back());
      stack.pop_back();
      layout_.lane_of[hidden.id] = summary_index;
      ++summary.hidden_count;
      if (first || hidden.spawn_seq < summary.span_begin_seq) {
        summary.span_begin_seq = hidden.spawn_seq;
        summary.span_begin_ns = hidden.spawn_ns;
      }
      if (first || hidden.exit_seq > summary.span_end_seq) {
        summary.span_end_seq = hidden.exit_seq;
        summary.span_end_ns = hidden.exit_ns;
      }
      first = false;
      for (auto child = hidden.children.rbegin(); child != hidden.children.rend(); ++child) stack.push_back(*child);
    }
    layout_.lanes.push_back(summary);
  }

  const trace::Model& model_;
  std::size_t budget_;
  std::map<CoroutineId, std::size_t> shown_;
  Layout layout_;
};

}  // namespace

Layout lay_out(const trace::Model& model, std::size_t lane_budget) {
  return LayoutBuilder(model, std::max<std::size_t>(lane_budget, 2)).run();
}

}  // namespace canopy::viewer::detail
