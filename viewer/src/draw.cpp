// The lifetime diagram. Layout constants live here; every coordinate goes
// through fixed() so that output is byte-identical for equal input.
#include "draw.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "layout.hpp"

namespace canopy::viewer::detail {
namespace {

using runtime::BlockReason;
using runtime::EventKind;
using trace::Coroutine;
using trace::State;
using trace::StateInterval;

constexpr int label_width_px = 320;
constexpr int chart_left_px = label_width_px + 10;
constexpr int lane_height_px = 20;
constexpr int lanes_top_px = 64;
constexpr int indent_px = 12;
constexpr std::size_t max_indent_levels = 16;
constexpr double label_char_px = 6.2;  // average glyph width at 11px

// Index = BlockReason value; the names come from the trace format's table.
constexpr const char* reason_colours[] = {
    "#1e88e5", "#00acc1", "#5c6bc0", "#9e9e9e", "#8d6e63", "#bcaaa4", "#ab47bc", "#ec407a", "#c0ca33",
};
static_assert(std::size(reason_colours) == static_cast<std::size_t>(BlockReason::yield) + 1,
              "one colour per block reason");

const char* reason_name(BlockReason reason) { return trace::block_reason_name(reason); }

const char* object_short(runtime::ObjectKind kind) {
  switch (kind) {
    case runtime::ObjectKind::coroutine: return "co";
    case runtime::ObjectKind::bundle: return "bundle";
    case runtime::ObjectKind::channel: return "ch";
    case runtime::ObjectKind::user: return "user";
    case runtime::ObjectKind::none: return "";
  }
  return "";
}

std::string truncate_to(std::string text, double width_px) {
  const auto fits = static_cast<std::size_t>(std::max(0.0, width_px / label_char_px));
  if (text.size() <= fits) return text;
  if (fits <= 1) return "";
  return text.substr(0, fits - 1) + "\xE2\x80\xA6";  // "…"
}

std::string format_ms(std::int64_t ns) { return fixed(static_cast<double>(ns) / 1e6, 3) + " ms"; }

class Drawing {
 public:
  Drawing(const trace::Model& model, const RenderOptions& options, bool interactive)
      : model_(model), options_(options), interactive_(interactive),
        layout_(lay_out(model, options.lane_budget)) {
    chart_width_ = std::max(200, options.chart_width_px);
    if (options.event_order_axis) {
      const std::uint64_t last_seq = model.trace.end ? model.trace.end->seq
                                     : model.trace.events.empty() ? 1 : model.trace.events.back().seq;
      span_ = std::max<double>(1, static_cast<double>(last_seq));
    } else {
      span_ = std::max<double>(1, static_cast<double>(model.end_ns - model.begin_ns));
    }
    if (interactive_) index_events();
  }

  std::string run(Geometry& geometry) {
    geometry.chart_left_px = chart_left_px;
    geometry.chart_width_px = chart_width_;
    geometry.lanes_top_px = lanes_top_px;
    geometry.lane_height_px = lane_height_px;
    geometry.axis_span = span_;
    geometry.event_order_axis = options_.event_order_axis;
    geometry.simulated = model_.trace.header.clock_is_simulated;

    const int lanes_bottom = lanes_top_px + static_cast<int>(layout_.lanes.size()) * lane_height_px;
    const int legend_top = lanes_bottom + 24;
    const int width = chart_left_px + chart_width_ + 20;
    const int height = legend_top + 62;
    out_ += "<svg";
    if (!interactive_) out_ += " xmlns=\"http://www.w3.org/2000/svg\"";
    out_ += " id=\"diagram\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
            "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
            "\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">\n";
    style();
    out_ += "<rect id=\"background\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    title();
    axis(lanes_bottom);
    out_ += "<g id=\"lanes\">\n";
    for (std::size_t i = 0; i < layout_.lanes.size(); ++i) lane(i);
    out_ += "</g>\n";
    guides();
    cancels();
    run_end(lanes_bottom);
    legend(legend_top);
    out_ += "</svg>\n";
    return std::move(out_);
  }

 private:
  // --- coordinates -------------------------------------------------------
  double axis_value(std::int64_t time_ns, std::uint64_t seq) const {
    if (options_.event_order_axis) return static_cast<double>(seq);
    return static_cast<double>(time_ns - model_.begin_ns);
  }
  double x(double axis) const { return chart_left_px + axis / span_ * chart_width_; }
  static int lane_y(std::size_t lane) { return lanes_top_px + static_cast<int>(lane) * lane_height_px; }

  // data-a0/a1 let the page's script redo x after a zoom.
  std::string axis_attributes(double a0, double a1) const {
    if (!interactive_) return "";
    return " data-a0=\"" + fixed(a0, 0) + "\" data-a1=\"" + fixed(a1, 0) + "\"";
  }

  void rect(const char* cls, double a0, double a1, double y, double h, const std::string& tip,
            double min_width = 0.0) {
    const double x0 = x(a0);
    const double w = std::max(min_width, x(a1) - x0);
    out_ += "<rect class=\"" + std::string(cls) + "\" x=\"" + fixed(x0) + "\" y=\"" + fixed(y) +
            "\" width=\"" + fixed(w) + "\" height=\"" + fixed(h) + "\"" + axis_attributes(a0, a1);
    if (interactive_ && min_width > 0) out_ += " data-minw=\"" + fixed(min_width) + "\"";
    if (tip.empty()) {
      out_ += "/>\n";
    } else {
      out_ += "><title>" + xml_escape(tip) + "</title></rect>\n";
    }
  }

  // --- pieces ------------------------------------------------------------
  void style() {
    out_ += "<style>\n"
            ".life{fill:#eceff1}.running{fill:#43a047}.summary{fill:#cfd8dc}"
            ".grace{fill:#ff9800;fill-opacity:0.28}.busy{fill:#78909c}"
            ".dl{stroke:#263238;stroke-width:1.5}.dl-missed{stroke:#e53935;stroke-width:2}"
            ".cancel{stroke:#d32f2f;stroke-width:1.2;stroke-dasharray:4 2;fill:none}"
            ".cancel-origin{fill:#d32f2f}.ecanceled{fill:#d32f2f}"
            ".not-structured{fill:none;stroke:#e53935;stroke-width:1.5}"
            ".ns-label{fill:#c62828;font-weight:bold;font-size:10px}"
            ".ns-badge{fill:#ffffff;fill-opacity:0.92;stroke:#e53935;stroke-width:1}"
            ".guide{stroke:#90a4ae;stroke-width:1;fill:none}.bracket{stroke:#6d4c41;stroke-width:1.5;fill:none}"
            ".label{fill:#212121}.summary-label{fill:#546e7a;font-style:italic}"
            ".axis-line{stroke:#b0bec5}.tick{stroke:#cfd8dc}.tick-label{fill:#455a64;font-size:10px}"
            ".block-label{fill:#ffffff;font-size:9px}.exit{stroke:#37474f;stroke-width:2}"
            ".exit-cancelled{stroke:#d32f2f;stroke-width:2}.title{font-size:14px;font-weight:bold}"
            ".legend-text{fill:#37474f;font-size:10px}.lane-row:hover .life{fill:#e3f2fd}"
            ".label.label-ns{fill:#c62828;font-weight:bold}"
            ".run-end{stroke:#b71c1c;stroke-width:2;stroke-dasharray:6 3}.run-end-label{fill:#b71c1c;font-size:10px}"
            ".run-cut{fill:#6d4c41;font-size:10px;font-style:italic}\n";
    for (std::size_t i = 0; i < std::size(reason_colours); ++i) {
      out_ += ".b-" + std::string(reason_name(static_cast<BlockReason>(i))) + "{fill:" + reason_colours[i] + "}";
    }
    out_ += "\n</style>\n";
    out_ += "<defs><clipPath id=\"lane-clip\"><rect x=\"" + std::to_string(chart_left_px - 1) +
            "\" y=\"-2\" width=\"" + std::to_string(chart_width_ + 2) + "\" height=\"" +
            std::to_string(lane_height_px + 4) + "\"/></clipPath>"
            "<clipPath id=\"chart-clip\"><rect x=\"" + std::to_string(chart_left_px - 1) + "\" y=\"0\" width=\"" +
            std::to_string(chart_width_ + 2) + "\" height=\"100000\"/></clipPath></defs>\n";
  }

  void title() {
    const trace::Header& header = model_.trace.header;
    std::string text = options_.title.empty() ? header.program : options_.title;
    if (text.empty()) text = "trace";
    if (header.scenario) text += " \xE2\x80\x94 scenario " + *header.scenario;
    text += header.clock_is_simulated ? " (simulated clock" : " (real clock";
    if (header.seed) text += ", seed " + std::to_string(*header.seed);
    if (header.strategy) text += ", " + *header.strategy;
    text += ", " + std::to_string(model_.coroutines.size()) + " coroutines, " +
            std::to_string(model_.trace.events.size()) + " events)";
    out_ += "<text class=\"title\" x=\"10\" y=\"20\">" + xml_escape(text) + "</text>\n";
    if (header.replay) {
      out_ += "<text id=\"replay\" class=\"tick-label\" x=\"10\" y=\"36\">replay: " + xml_escape(*header.replay) +
              "</text>\n";
    }
  }

  void axis(int lanes_bottom) {
    const char* unit = options_.event_order_axis ? "event seq"
                       : model_.trace.header.clock_is_simulated ? "virtual ms" : "ms";
    out_ += "<text class=\"tick-label\" x=\"" + std::to_string(chart_left_px - 14) + "\" y=\"" +
            std::to_string(lanes_top_px - 10) + "\" text-anchor=\"end\">" + unit + "</text>\n";
    out_ += "<g id=\"axis\" clip-path=\"url(#chart-clip)\">\n";
    // Nice steps 1-2-5 x 10^k, about eight across the chart.
    const double raw = span_ / 8.0;
    const double power = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
    double step = power;
    for (double factor : {1.0, 2.0, 5.0, 10.0}) {
      step = factor * power;
      if (step >= raw) break;
    }
    step = std::max(step, 1.0);
    const double ms_step = step / 1e6;
    const int decimals = options_.event_order_axis ? 0
                         : std::clamp(static_cast<int>(-std::floor(std::log10(ms_step))), 0, 6);
    for (int i = 0; i * step <= span_ + 0.5 && i < 100; ++i) {
      const double value = i * step;
      const std::string xs = fixed(x(value));
      out_ += "<line class=\"tick\" x1=\"" + xs + "\" y1=\"" + std::to_string(lanes_top_px - 6) + "\" x2=\"" + xs +
              "\" y2=\"" + std::to_string(lanes_bottom) + "\"/>";
      const std::string label = options_.event_order_axis ? fixed(value, 0) : fixed(value / 1e6, decimals);
      out_ += "<text class=\"tick-label\" x=\"" + xs + "\" y=\"" + std::to_string(lanes_top_px - 10) +
              "\" text-anchor=\"middle\">" + label + "</text>\n";
    }
    out_ += "</g>\n<line class=\"axis-line\" x1=\"" + std::to_string(chart_left_px) + "\" y1=\"" +
            std::to_string(lanes_top_px - 4) + "\" x2=\"" + std::to_string(chart_left_px + chart_width_) +
            "\" y2=\"" + std::to_string(lanes_top_px - 4) + "\"/>\n";
  }

  std::string event_list(const Coroutine& co) const;

  void lane(std::size_t index) {
    const Lane& lane = layout_.lanes[index];
    out_ += "<g class=\"lane-row\" transform=\"translate(0," + std::to_string(lane_y(index)) + ")\"";
    if (interactive_) {
      out_ += " data-lane=\"" + std::to_string(index) + "\" data-parent-lane=\"" +
              std::to_string(lane.parent_lane) + "\"";
      if (!lane.summary) out_ += " data-co=\"" + std::to_string(lane.id) + "\"";
    }
    out_ += ">\n";
    const double indent = 6.0 + static_cast<double>(std::min(lane.depth, max_indent_levels) * indent_px);
    if (lane.parent_lane >= 0) {
      // The elbow of the tree guide; the vertical part joins it to the parent.
      out_ += "<path class=\"guide\" d=\"M" + fixed(indent - indent_px + 4) + ",0 V10 H" + fixed(indent - 2) +
              "\"/>\n";
    }
    if (lane.summary) {
      summary_lane(lane, indent);
    } else {
      coroutine_lane(model_.coroutines.at(lane.id), indent);
    }
    out_ += "</g>\n";
  }

  void summary_lane(const Lane& lane, double indent) {
    out_ += "<text class=\"summary-label\" x=\"" + fixed(indent) + "\" y=\"14\">+" +
            std::to_string(lane.hidden_count) + " coroutines</text>\n";
    out_ += "<g clip-path=\"url(#lane-clip)\">\n";
    rect("summary", axis_value(lane.span_begin_ns, lane.span_begin_seq),
         axis_value(lane.span_end_ns, lane.span_end_seq), 5, 10,
         std::to_string(lane.hidden_count) + " collapsed descendants of co " + std::to_string(lane.id), 1.0);
    out_ += "</g>\n";
  }

  void coroutine_lane(const Coroutine& co, double indent) {
    const std::string label = truncate_to(co.label(), label_width_px - indent - 4);
    const bool outlived_parent = model_.outlived_parent(co) != nullptr;
    out_ += "<text class=\"" + std::string(outlived_parent ? "label label-ns" : "label") + "\" x=\"" + fixed(indent) +
            "\" y=\"14\"";
    if (interactive_) out_ += " data-label=\"1\"";
    out_ += ">" + xml_escape(label) + "<title>" + xml_escape(lifetime_summary(co)) + "</title></text>\n";
    if (interactive_) out_ += "<desc class=\"events\">" + xml_escape(event_list(co)) + "</desc>\n";
    out_ += "<g clip-path=\"url(#lane-clip)\">\n";
    const double begin = axis_value(co.spawn_ns, co.spawn_seq);
    const double end = axis_value(co.exit_ns, co.exit_seq);
    rect("life", begin, end, 4, 12, "", 1.0);
    intervals(co);
    if (co.cancel_requested) {
      rect("grace", axis_value(co.cancel_ns, co.cancel_seq), end, 1, 18,
           "grace period: cancel requested at seq " + std::to_string(co.cancel_seq) + " by co " +
               (co.cancelled_by == runtime::no_coroutine ? std::string("?") : std::to_string(co.cancelled_by)) +
               ", lasted " + format_ms(co.grace_ns()),
           1.0);
    }
    deadlines(co);
    if (co.got_ecanceled) {
      const double a = axis_value(co.ecanceled_ns, co.ecanceled_seq);
      out_ += "<path class=\"ecanceled\" transform=\"translate(" + fixed(x(a)) + ",10)\"" + axis_attributes(a, a) +
              " d=\"M0,-4 L4,0 L0,4 L-4,0 Z\"><title>ECANCELED delivered at seq " +
              std::to_string(co.ecanceled_seq) + "</title></path>\n";
    }
    if (co.exited) {
      const std::string xs = fixed(x(end));
      out_ += "<line class=\"" + std::string(co.exit_err == 0 ? "exit" : "exit-cancelled") + "\" x1=\"" + xs +
              "\" y1=\"3\" x2=\"" + xs + "\" y2=\"17\"" + axis_attributes(end, end) + "/>\n";
    }
    not_structured(co);
    out_ += "</g>\n";
  }

  std::string lifetime_summary(const Coroutine& co) const {
    std::string text = co.label() + "\nspawned at seq " + std::to_string(co.spawn_seq) + " (" +
                       format_ms(co.spawn_ns - model_.begin_ns) + ")";
    if (co.bundle != 0) text += " in bundle " + std::to_string(co.bundle);
    if (co.exited) {
      text += "\nexited at seq " + std::to_string(co.exit_seq) + " (" + format_ms(co.exit_ns - model_.begin_ns) +
              ", " + (co.exit_err == 0 ? "returned" : co.exit_err == ECANCELED ? "cancelled" : "failed") + ")";
    } else {
      text += "\nstill alive when the trace ended";
    }
    if (co.cancel_requested) text += "\ngrace period " + format_ms(co.grace_ns());
    return text;
  }

  // Intervals narrower than one pixel column share it: only the first one
  // in each column is drawn, which bounds a lane to about chart_width rects.
  void intervals(const Coroutine& co) {
    double last_tiny_column = -1;
    for (const StateInterval& interval : co.intervals) {
      if (interval.state == State::ready) continue;
      const double a0 = axis_value(interval.begin_ns, interval.begin_seq);
      const double a1 = axis_value(interval.end_ns, interval.end_seq);
      const double width = x(a1) - x(a0);
      if (width < 1.0) {
        const double column = std::floor(x(a0) / 2.0);
        if (column == last_tiny_column) continue;
        last_tiny_column = column;
      }
      if (interval.state == State::running) {
        rect("running", a0, a1, 4, 12, width >= 3 ? "running, seq " + std::to_string(interval.begin_seq) + "-" +
                                                        std::to_string(interval.end_seq) : "", 1.0);
        continue;
      }
      std::string what = reason_name(interval.reason);
      if (interval.object_kind != runtime::ObjectKind::none) {
        what += std::string(" ") + object_short(interval.object_kind) + " " + std::to_string(interval.object);
      }
      std::string tip;
      if (width >= 3) {
        tip = "blocked: " + what + ", seq " + std::to_string(interval.begin_seq) + "-" +
              std::to_string(interval.end_seq) + ", " + format_ms(interval.end_ns - interval.begin_ns);
        if (interval.deadline_ms >= 0) tip += ", deadline " + std::to_string(interval.deadline_ms) + " ms";
        if (interval.wake_err == ECANCELED) tip += ", ended by ECANCELED";
        if (interval.wake_err == ETIMEDOUT) tip += ", ended by ETIMEDOUT";
      }
      const std::string cls = std::string("b-") + reason_name(interval.reason);
      rect(cls.c_str(), a0, a1, 4, 12, tip, 1.0);
      if (width >= 40) {
        out_ += "<text class=\"block-label\" x=\"" + fixed(x(a0) + 2) + "\" y=\"13\"" + axis_attributes(a0, a1) +
                ">" + xml_escape(truncate_to(what, width * 1.3 - 4)) + "</text>\n";
      }
    }
  }

  void deadlines(const Coroutine& co) {
    // A deadline is missed when its timer expired; ticks sit at the
    // deadline's time (on the seq axis: where it expired, if it did).
    std::set<std::tuple<std::int64_t, bool>> drawn;
    auto tick = [&](std::int64_t deadline_ms, bool missed, std::uint64_t at_seq) {
      if (!drawn.insert({deadline_ms, missed}).second) return;
      double a = 0;
      if (options_.event_order_axis) {
        a = static_cast<double>(at_seq);
      } else {
        // A deadline past what nanoseconds can hold means "forever": no tick.
        if (deadline_ms > INT64_MAX / 1000000) return;
        a = static_cast<double>(deadline_ms) * 1e6 - static_cast<double>(model_.begin_ns);
        if (a < 0 || a > span_) return;
      }
      const std::string xs = fixed(x(a));
      out_ += "<line class=\"" + std::string(missed ? "dl-missed" : "dl") + "\" x1=\"" + xs + "\" y1=\"1\" x2=\"" +
              xs + "\" y2=\"19\"" + axis_attributes(a, a) + "><title>deadline " + std::to_string(deadline_ms) +
              " ms" + (missed ? " (missed: it expired)" : "") + "</title></line>\n";
    };
    for (const trace::Deadline& deadline : co.deadlines) {
      tick(deadline.deadline_ms, deadline.expired, deadline.expired ? deadline.expired_seq : deadline.set_seq);
    }
    for (const StateInterval& interval : co.intervals) {
      if (interval.state == State::blocked && interval.deadline_ms >= 0) {
        tick(interval.deadline_ms, interval.wake_err == ETIMEDOUT, interval.end_seq);
      }
    }
  }

  void not_structured(const Coroutine& co) {
    const Coroutine* parent = model_.outlived_parent(co);
    if (parent == nullptr) return;
    const double a0 = axis_value(parent->exit_ns, parent->exit_seq);
    const double a1 = axis_value(co.exit_ns, co.exit_seq);
    rect("not-structured", a0, a1, 2, 16, "not structured: outlived its parent co " + std::to_string(parent->id) +
                                              ", which exited at seq " + std::to_string(parent->exit_seq), 2.0);
    // A badge at the start of the overhang: white behind red text so it
    // reads over any bar.
    const std::string badge = "not structured: outlived parent co " + std::to_string(parent->id);
    const double badge_width = 10 + 5.6 * static_cast<double>(badge.size());
    out_ += "<rect class=\"ns-badge\" x=\"" + fixed(x(a0) + 2) + "\" y=\"3\" width=\"" + fixed(badge_width) +
            "\" height=\"14\" rx=\"3\"" + axis_attributes(a0, a0) +
            (interactive_ ? " data-minw=\"" + fixed(badge_width) + "\"" : std::string()) + "/>\n";
    out_ += "<text class=\"ns-label\" x=\"" + fixed(x(a0) + 7) + "\" y=\"14\"" + axis_attributes(a0, a0) +
            (interactive_ ? " data-dx=\"7\"" : "") + ">" + badge + "</text>\n";
  }

  // How the run ended: a line across every lane at the end line's place,
  // labelled; a trace without one says so (a killed process leaves none).
  void run_end(int lanes_bottom) {
    // The label sits on the replay line's row, flush with the chart's right
    // edge: where the end is, since the axis ends with the trace.
    const trace::Trace& traced = model_.trace;
    const std::string label_at = "x=\"" + std::to_string(chart_left_px + chart_width_) + "\" y=\"36\" text-anchor=\"end\"";
    if (!traced.end) {
      std::string note = "no end line: the process was killed before it could write one";
      if (traced.cut_at_line != 0) note += "; the trace is cut at line " + std::to_string(traced.cut_at_line);
      out_ += "<text id=\"run-end\" class=\"run-cut\" " + label_at + ">" + xml_escape(note) + "</text>\n";
      return;
    }
    const trace::TraceEnd& end = *traced.end;
    const double a = axis_value(end.time_ns, end.seq);
    const std::string xs = fixed(x(a));
    out_ += "<line id=\"run-end\" class=\"run-end\" x1=\"" + xs + "\" y1=\"" + std::to_string(lanes_top_px - 4) +
            "\" x2=\"" + xs + "\" y2=\"" + std::to_string(lanes_bottom) + "\"" + axis_attributes(a, a) + "><title>" +
            xml_escape(end_summary(end) + (end.report ? "\n" + *end.report : std::string())) + "</title></line>\n";
    std::string label = end_summary(end);
    if (traced.cut_at_line != 0) label += " (trace cut at line " + std::to_string(traced.cut_at_line) + ")";
    out_ += "<text class=\"run-end-label\" " + label_at + ">" + xml_escape(truncate_to(label, chart_width_ / 2.0)) +
            "</text>\n";
  }

  static std::string end_summary(const trace::TraceEnd& end) { return "run ended: " + trace::describe_end(end); }

  // Vertical parts of the tree guides, and one bracket per bundle.
  void guides() {
    out_ += "<g id=\"guides\">\n";
    for (std::size_t i = 0; i < layout_.lanes.size(); ++i) {
      const Lane& lane = layout_.lanes[i];
      if (lane.parent_lane < 0) continue;
      const double gx = 6.0 + static_cast<double>(std::min(lane.depth, max_indent_levels) * indent_px) -
                        indent_px + 4;
      const auto parent = static_cast<std::size_t>(lane.parent_lane);
      out_ += "<line class=\"guide\" x1=\"" + fixed(gx) + "\" y1=\"" + std::to_string(lane_y(parent) + 16) +
              "\" x2=\"" + fixed(gx) + "\" y2=\"" + std::to_string(lane_y(i)) + "\"";
      if (interactive_) out_ += " data-l0=\"" + std::to_string(parent) + "\" data-o0=\"16\" data-l1=\"" +
                                std::to_string(i) + "\" data-o1=\"0\"";
      out_ += "/>\n";
    }
    // Bundles: members are the parent's visible children sharing a bundle.
    for (const Lane& lane : layout_.lanes) {
      if (lane.summary) continue;
      const Coroutine& parent = model_.coroutines.at(lane.id);
      std::map<runtime::ObjectId, std::pair<std::size_t, std::size_t>> spans;  // bundle -> first, last lane
      for (runtime::CoroutineId child : parent.children) {
        const Coroutine& member = model_.coroutines.at(child);
        if (member.bundle == 0) continue;
        const std::size_t member_lane = layout_.lane_of.at(child);
        auto [it, inserted] = spans.try_emplace(member.bundle, member_lane, member_lane);
        if (!inserted) {
          it->second.first = std::min(it->second.first, member_lane);
          it->second.second = std::max(it->second.second, member_lane);
        }
      }
      std::size_t nth = 0;
      for (const auto& [bundle, span] : spans) {
        const double bx = label_width_px - 6.0 - 5.0 * static_cast<double>(nth++ % 4);
        const int y0 = lane_y(span.first) + 3;
        const int y1 = lane_y(span.second) + 17;
        out_ += "<path class=\"bracket\" d=\"M" + fixed(bx + 4) + "," + std::to_string(y0) + " H" + fixed(bx) +
                " V" + std::to_string(y1) + " H" + fixed(bx + 4) + "\"";
        if (interactive_) out_ += " data-bx=\"" + fixed(bx) + "\" data-l0=\"" + std::to_string(span.first) +
                                  "\" data-l1=\"" + std::to_string(span.second) + "\"";
        out_ += "><title>bundle " + std::to_string(bundle) + " of co " + std::to_string(parent.id) +
                "</title></path>\n";
      }
    }
    out_ += "</g>\n";
  }

  // One fan per cancellation: consecutive cancel events by the same
  // canceller through the same handle form one fan.
  void cancels() {
    out_ += "<g id=\"cancels\" clip-path=\"url(#chart-clip)\">\n";
    const auto& events = model_.trace.events;
    for (std::size_t i = 0; i < events.size();) {
      const runtime::Event& first = events[i].event;
      if (first.kind != EventKind::cancel) {
        ++i;
        continue;
      }
      std::size_t j = i;
      std::set<std::tuple<std::size_t, std::string>> drawn;  // lane, x: collapsed targets share one line
      const auto origin_lane = layout_.lane_of.find(first.other);
      const double a0 = axis_value(first.time_ns, events[i].seq);
      const bool has_origin = origin_lane != layout_.lane_of.end();
      while (j < events.size() && events[j].event.kind == EventKind::cancel && events[j].event.other == first.other &&
             events[j].event.object == first.object) {
        const Coroutine* target = model_.find(events[j].event.coroutine);
        const auto target_lane = layout_.lane_of.find(events[j].event.coroutine);
        if (target != nullptr && has_origin && target_lane != layout_.lane_of.end() &&
            target_lane->second != origin_lane->second) {
          const bool landed = target->got_ecanceled && target->ecanceled_seq >= events[j].seq;
          const double a1 = landed ? axis_value(target->ecanceled_ns, target->ecanceled_seq)
                                   : axis_value(events[j].event.time_ns, events[j].seq);
          if (drawn.insert({target_lane->second, fixed(x(a1))}).second) {
            out_ += "<line class=\"cancel\" x1=\"" + fixed(x(a0)) + "\" y1=\"" +
                    std::to_string(lane_y(origin_lane->second) + 10) + "\" x2=\"" + fixed(x(a1)) + "\" y2=\"" +
                    std::to_string(lane_y(target_lane->second) + 10) + "\"" + axis_attributes(a0, a1);
            if (interactive_) out_ += " data-l0=\"" + std::to_string(origin_lane->second) + "\" data-o0=\"10\" data-l1=\"" +
                                      std::to_string(target_lane->second) + "\" data-o1=\"10\"";
            out_ += "><title>cancel: co " + std::to_string(first.other) + " cancelled co " +
                    std::to_string(target->id) + " at seq " + std::to_string(events[j].seq) +
                    (landed ? "; ECANCELED at seq " + std::to_string(target->ecanceled_seq) : std::string()) +
                    "</title></line>\n";
          }
        }
        ++j;
      }
      if (has_origin) {
        out_ += "<circle class=\"cancel-origin\" cx=\"" + fixed(x(a0)) + "\" cy=\"" +
                std::to_string(lane_y(origin_lane->second) + 10) + "\" r=\"3\"" + axis_attributes(a0, a0);
        if (interactive_) out_ += " data-l0=\"" + std::to_string(origin_lane->second) + "\" data-o0=\"10\"";
        out_ += "><title>co " + std::to_string(first.other) + " cancels " + std::to_string(j - i) +
                " coroutine(s) at seq " + std::to_string(events[i].seq) + "</title></circle>\n";
      }
      i = j;
    }
    out_ += "</g>\n";
  }

  void legend(int top) {
    out_ += "<g id=\"legend\" transform=\"translate(0," + std::to_string(top) + ")\">\n";
    double lx = 10;
    int row = 0;
    auto swatch = [&](const std::string& shape, const std::string& text) {
      const double width = 22 + label_char_px * static_cast<double>(text.size()) + 14;
      if (lx + width > chart_left_px + chart_width_) {
        lx = 10;
        ++row;
      }
      const int y = row * 20;
      out_ += "<g transform=\"translate(" + fixed(lx) + "," + std::to_string(y) + ")\">" + shape +
              "<text class=\"legend-text\" x=\"20\" y=\"11\">" + xml_escape(text) + "</text></g>\n";
      lx += width;
    };
    const std::string box = "<rect x=\"0\" y=\"2\" width=\"16\" height=\"10\" class=\"";
    swatch(box + "life\"/>", "alive (ready)");
    swatch(box + "running\"/>", "running");
    for (std::size_t i = 0; i < std::size(reason_colours); ++i) {
      const std::string name = reason_name(static_cast<BlockReason>(i));
      swatch(box + "b-" + name + "\"/>", "blocked: " + name);
    }
    swatch(box + "grace\"/>", "grace period");
    swatch("<line class=\"dl\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "deadline");
    swatch("<line class=\"dl-missed\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "deadline missed");
    swatch("<line class=\"cancel\" x1=\"0\" y1=\"7\" x2=\"16\" y2=\"7\"/>", "cancellation");
    swatch("<path class=\"ecanceled\" transform=\"translate(8,7)\" d=\"M0,-4 L4,0 L0,4 L-4,0 Z\"/>", "ECANCELED");
    swatch("<rect x=\"0\" y=\"2\" width=\"16\" height=\"10\" class=\"not-structured\"/>", "not structured");
    swatch("<path class=\"bracket\" d=\"M12,1 H8 V13 H12\"/>", "bundle");
    if (model_.trace.end) swatch("<line class=\"run-end\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "end of run");
    out_ += "</g>\n";
  }

  const trace::Model& model_;
  const RenderOptions& options_;
  bool interactive_;
  Layout layout_;
  int chart_width_ = 0;
  double span_ = 1;
  std::string out_;
  struct EventIndex {
    std::vector<std::uint64_t> listed;
    std::size_t more = 0;
  };
  std::map<runtime::CoroutineId, EventIndex> events_by_coroutine_;
  void index_events();
};

std::string Drawing::event_list(const Coroutine& co) const {
  std::string text = co.label();
  auto it = events_by_coroutine_.find(co.id);
  if (it == events_by_coroutine_.end()) return text;
  for (std::uint64_t seq : it->second.listed) text += "\n" + trace::canonical_line(model_.trace.events[seq]);
  if (it->second.more > 0) text += "\n... " + std::to_string(it->second.more) + " more";
  return text;
}

void Drawing::index_events() {
  // The events about each coroutine or caused by it, first ones first; one
  // pass, so tooltips cost O(events) however many coroutines there are.
  for (const trace::TraceEvent& traced : model_.trace.events) {
    const runtime::CoroutineId about = traced.event.coroutine;
    const runtime::CoroutineId actor = trace::actor_of(traced.event);
    auto note = [&](runtime::CoroutineId id) {
      EventIndex& index = events_by_coroutine_[id];
      if (index.listed.size() < options_.tooltip_events) {
        index.listed.push_back(traced.seq);
      } else {
        ++index.more;
      }
    };
    note(about);
    if (actor != runtime::no_coroutine && actor != about) note(actor);
  }
}

}  // namespace

std::string draw_svg(const trace::Model& model, const RenderOptions& options, bool interactive, Geometry& geometry) {
  return Drawing(model, options, interactive).run(geometry);
}

}  // namespace canopy::viewer::detail
