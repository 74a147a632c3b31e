// The lifetime diagram. Layout constants live here; every coordinate goes
// through fixed() so that output is byte-identical for equal input.
//
// Every drawn element carries data-kind (lifetime, block, grace,
// grace-revoked, cancel, ecanceled, exit, deadline, band, connection,
// message, end, divergence, ...) and data-co (the coroutine it is about),
// so that tests and users' tools can find them. In the HTML page each
// element also carries its place on both axes: data-a0/a1 in nanoseconds
// since the first event, data-s0/s1 in events (seq).
#include "draw.hpp"

#include <algorithm>
#include <array>
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

constexpr int label_width_px = 300;
constexpr int chart_left_px = label_width_px + 10;
constexpr int lane_height_px = 22;
constexpr int lanes_top_px = 64;
constexpr int indent_px = 12;
constexpr std::size_t max_indent_levels = 16;
constexpr double label_char_px = 6.2;  // average glyph width at 11px
/// Room after the last event, so that what happens at the end is not on
/// the chart's edge.
constexpr double end_margin = 0.04;
/// Band members drawn (hidden) for the page to expand; the rest stay in the band.
constexpr std::size_t band_member_lanes = 100;
constexpr std::size_t band_member_lanes_total = 400;
/// Buckets of a band's exit histogram and of the minimap.
constexpr std::size_t histogram_buckets = 80;
constexpr std::size_t minimap_buckets = 240;

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

/// How a coroutine ended, as the exit markers name it.
const char* exit_result(const Coroutine& co) {
  if (!co.exited) return "alive";
  if (co.exit_err == 0) return "returned";
  return co.exit_err == ECANCELED ? "cancelled" : "failed";
}

std::string truncate_to(std::string text, double width_px) {
  const auto fits = static_cast<std::size_t>(std::max(0.0, width_px / label_char_px));
  if (text.size() <= fits) return text;
  if (fits <= 1) return "";
  return text.substr(0, fits - 1) + "\xE2\x80\xA6";  // "…"
}

std::string format_ms(std::int64_t ns) { return fixed(static_cast<double>(ns) / 1e6, 3) + " ms"; }
std::string short_ms(double ns) {
  const double ms = ns / 1e6;
  return fixed(ms, ms >= 100 ? 0 : ms >= 1 ? 1 : 3) + " ms";
}

/// A place on both axes: nanoseconds since the first event, and seq.
struct Pos {
  double t = 0;
  double s = 0;
};

class Drawing {
 public:
  Drawing(const trace::Model& model, const RenderOptions& options, bool interactive, const DrawExtras& extras)
      : model_(model), options_(options), interactive_(interactive), extras_(extras),
        layout_(lay_out(model, LayoutOptions{options.lane_budget, 4, interactive ? band_member_lanes : 0,
                                             interactive ? band_member_lanes_total : 0})) {
    chart_width_ = std::max(200, options.chart_width_px);
    const std::uint64_t last_seq = model.trace.end ? model.trace.end->seq
                                   : model.event_count == 0 ? 1 : model.last_seq;
    seq_span_ = std::max<double>(1, std::max<double>(static_cast<double>(last_seq),
                                                     static_cast<double>(extras.min_seq_span)) * (1 + end_margin));
    // The chart reaches the end of every revoked grace period: the picture
    // shows what was taken away.
    double time_end = static_cast<double>(model.end_ns - model.begin_ns);
    for (const auto& [id, co] : model.coroutines) {
      for (const trace::GracePeriod& grace : co.grace_periods) {
        if (grace.revoked() && grace.deadline_ms <= INT64_MAX / 1000000) {
          time_end = std::max(time_end, static_cast<double>(grace.deadline_ms) * 1e6 -
                                            static_cast<double>(model.begin_ns));
        }
      }
    }
    time_span_ = std::max<double>(1, time_end * (1 + end_margin));
    if (time_end <= 0) time_span_ = 1;
    // Each lane's row: band members share their band's (they are hidden
    // until the page expands the band).
    std::size_t row = 0;
    for (const Lane& lane : layout_.lanes) {
      if (lane.band_member) {
        row_of_.push_back(row_of_[static_cast<std::size_t>(lane.parent_lane)]);
      } else {
        row_of_.push_back(row++);
      }
    }
    for (const trace::Rendezvous& message : model_.rendezvous) messages_by_receiver_[message.receiver].push_back(&message);
  }

  std::string run(Geometry& geometry) {
    geometry.chart_left_px = chart_left_px;
    geometry.chart_width_px = chart_width_;
    geometry.lanes_top_px = lanes_top_px;
    geometry.lane_height_px = lane_height_px;
    geometry.time_span = time_span_;
    geometry.seq_span = seq_span_;
    geometry.event_order_axis = options_.event_order_axis;
    geometry.simulated = model_.trace.header.clock_is_simulated;
    if (interactive_) density(geometry);

    std::size_t shown_lanes = 0;
    for (const Lane& lane : layout_.lanes) shown_lanes += lane.band_member ? 0 : 1;
    const int lanes_bottom = lanes_top_px + static_cast<int>(shown_lanes) * lane_height_px;
    const int legend_top = lanes_bottom + 24;
    const int width = chart_left_px + chart_width_ + 20;
    const int height = legend_top + 82;
    out_ += "<svg";
    if (!interactive_) out_ += " xmlns=\"http://www.w3.org/2000/svg\"";
    out_ += " id=\"" + id("diagram") + "\" class=\"diagram\" width=\"" + std::to_string(width) + "\" height=\"" +
            std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
            "\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">\n";
    style();
    out_ += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    title();
    axis(lanes_bottom);
    out_ += "<g class=\"lanes\">\n";
    for (std::size_t i = 0; i < layout_.lanes.size(); ++i) lane(i, row_of_[i]);
    out_ += "</g>\n";
    guides();
    out_ += "<g class=\"links\" clip-path=\"url(#" + id("chart-clip") + ")\">\n";
    connections();
    cancels();
    out_ += "</g>\n";
    run_end(lanes_bottom);
    if (extras_.mark_divergence) divergence(lanes_bottom);
    legend(legend_top);
    out_ += "</svg>\n";
    return std::move(out_);
  }

 private:
  // --- coordinates -------------------------------------------------------
  std::string id(const char* name) const { return extras_.id_prefix + name; }

  Pos at(std::int64_t time_ns, std::uint64_t seq) const {
    return Pos{static_cast<double>(time_ns - model_.begin_ns), static_cast<double>(seq)};
  }
  double primary(Pos p) const { return options_.event_order_axis ? p.s : p.t; }
  double x(Pos p) const {
    return chart_left_px + primary(p) / (options_.event_order_axis ? seq_span_ : time_span_) * chart_width_;
  }
  // The y of a lane's top: band members share their band's row.
  double lane_top(std::size_t lane) const { return lanes_top_px + static_cast<double>(row_of_[lane]) * lane_height_px; }

  // The data-* attributes of an element: what it is, whom it is about, and
  // (in the page) where it sits on both axes.
  std::string tag(const char* kind, runtime::CoroutineId co, Pos p0, Pos p1) const {
    std::string text = " data-kind=\"" + std::string(kind) + "\"";
    if (co != runtime::no_coroutine) text += " data-co=\"" + std::to_string(co) + "\"";
    if (interactive_) {
      text += " data-a0=\"" + fixed(p0.t, 0) + "\" data-a1=\"" + fixed(p1.t, 0) + "\" data-s0=\"" + fixed(p0.s, 0) +
              "\" data-s1=\"" + fixed(p1.s, 0) + "\"";
    }
    return text;
  }

  void rect(const char* cls, const char* kind, runtime::CoroutineId co, Pos p0, Pos p1, double y, double h,
            const std::string& tip, double min_width = 1.0, const std::string& more = "") {
    used_.insert(cls);
    const double x0 = x(p0);
    const double w = std::max(min_width, x(p1) - x0);
    out_ += "<rect class=\"" + std::string(cls) + "\" x=\"" + fixed(x0) + "\" y=\"" + fixed(y) + "\" width=\"" +
            fixed(w) + "\" height=\"" + fixed(h) + "\"" + tag(kind, co, p0, p1) + more;
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
            ".life{fill:#eceff1}.running{fill:#43a047}.summary{fill:#cfd8dc}.band{fill:#d7e3ea}"
            ".grace{fill:#ffb74d;fill-opacity:0.35;stroke:#ef6c00;stroke-width:1.5}"
            ".grace-revoked{fill:url(#revoked-hatch);stroke:#616161;stroke-width:1;stroke-dasharray:3 2}"
            ".grace-label{fill:#fff3e0;font-size:9px;font-weight:bold;pointer-events:none}.revoked-label{fill:#424242;font-size:9px;font-weight:bold}"
            ".dl{stroke:#263238;stroke-width:1.5}.dl-missed{stroke:#e53935;stroke-width:2.5}"
            ".cancel{stroke:#d32f2f;stroke-width:1.4;fill:none}"
            ".cancel-origin{fill:#d32f2f}.ecanceled{fill:#ffeb3b;stroke:#b71c1c;stroke-width:1.5}"
            ".not-structured{fill:none;stroke:#e53935;stroke-width:1.5}"
            ".ns-label{fill:#c62828;font-weight:bold;font-size:10px}"
            ".ns-badge{fill:#ffffff;fill-opacity:0.92;stroke:#e53935;stroke-width:1}"
            ".guide{stroke:#90a4ae;stroke-width:1;fill:none}.bracket{stroke:#6d4c41;stroke-width:1.5;fill:none}"
            ".label{fill:#212121}.label .co-id{fill:#78909c;font-size:9px}.summary-label{fill:#546e7a;font-style:italic}"
            ".band-label{fill:#37474f;font-weight:bold}"
            ".axis-line{stroke:#b0bec5}.tick{stroke:#cfd8dc}.tick-label{fill:#455a64;font-size:10px}"
            ".block-label{fill:#ffffff;font-size:9px;pointer-events:none}"
            ".exit-returned{fill:#37474f}.exit-cancelled{stroke:#c62828;stroke-width:2.2}.exit-failed{fill:#212121;stroke:#ff1744;stroke-width:1}"
            ".hist-returned{fill:#546e7a}.hist-cancelled{fill:#e53935}.hist-failed{fill:#212121}"
            ".title{font-size:14px;font-weight:bold}"
            ".legend-text{fill:#37474f;font-size:10px}.lane-row:hover .life{fill:#e3f2fd}"
            ".label.label-ns{fill:#c62828;font-weight:bold}"
            ".run-end{stroke:#b71c1c;stroke-width:2;stroke-dasharray:6 3}.run-end-label{fill:#b71c1c;font-size:10px}"
            ".run-cut{fill:#6d4c41;font-size:10px;font-style:italic}"
            ".connection{stroke:#1565c0;stroke-width:1.4;fill:none}.conn-end{fill:#1565c0}"
            ".net-reset{stroke:#d50000;stroke-width:2.2}.net-close{stroke:#1565c0;stroke-width:1.5}"
            ".net-send{stroke:#1565c0;stroke-width:1.2}"
            ".net-partition{fill:#ff8a80;fill-opacity:0.3;stroke:#c62828;stroke-width:1;stroke-dasharray:4 2}"
            ".message{stroke:#283593;stroke-width:1}"
            ".divergence{stroke:#6a1b9a;stroke-width:3}.divergence-label{fill:#6a1b9a;font-size:11px;font-weight:bold}\n";
    for (std::size_t i = 0; i < std::size(reason_colours); ++i) {
      out_ += ".b-" + std::string(reason_name(static_cast<BlockReason>(i))) + "{fill:" + reason_colours[i] + "}";
    }
    out_ += "\n</style>\n";
    out_ += "<defs><clipPath id=\"" + id("lane-clip") + "\"><rect class=\"chart-clip-rect\" x=\"" +
            std::to_string(chart_left_px - 1) + "\" y=\"-2\" width=\"" + std::to_string(chart_width_ + 6) +
            "\" height=\"" + std::to_string(lane_height_px + 4) + "\"/></clipPath>"
            "<clipPath id=\"" + id("chart-clip") + "\"><rect class=\"chart-clip-rect\" x=\"" +
            std::to_string(chart_left_px - 1) + "\" y=\"0\" width=\"" + std::to_string(chart_width_ + 6) +
            "\" height=\"100000\"/></clipPath>"
            "<pattern id=\"revoked-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#bdbdbd\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a8a8a\" stroke-width=\"2\"/></pattern>"
            "<marker id=\"" + id("arrow") + "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
            "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d32f2f\"/></marker>"
            "</defs>\n";
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
            std::to_string(model_.event_count) + " events)";
    out_ += "<text class=\"title\" x=\"10\" y=\"20\">" + xml_escape(text) + "</text>\n";
    if (header.replay) {
      out_ += "<text class=\"tick-label replay\" x=\"10\" y=\"36\">replay: " + xml_escape(*header.replay) +
              "</text>\n";
    }
  }

  void axis(int lanes_bottom) {
    const char* unit = options_.event_order_axis ? "event seq"
                       : model_.trace.header.clock_is_simulated ? "virtual ms" : "ms";
    out_ += "<text class=\"tick-label axis-unit\" x=\"" + std::to_string(chart_left_px - 14) + "\" y=\"" +
            std::to_string(lanes_top_px - 10) + "\" text-anchor=\"end\">" + unit + "</text>\n";
    out_ += "<g class=\"axis\" id=\"" + id("axis") + "\" clip-path=\"url(#" + id("chart-clip") + ")\">\n";
    const double span = options_.event_order_axis ? seq_span_ : time_span_;
    // Nice steps 1-2-5 x 10^k, about eight across the chart.
    const double raw = span / 8.0;
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
    for (int i = 0; i * step <= span + 0.5 && i < 100; ++i) {
      const double value = i * step;
      const std::string xs = fixed(chart_left_px + value / span * chart_width_);
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

  void lane(std::size_t index, std::size_t row) {
    const Lane& lane = layout_.lanes[index];
    out_ += "<g class=\"lane-row\" transform=\"translate(0," + std::to_string(lanes_top_px + static_cast<int>(row) * lane_height_px) + ")\"";
    if (interactive_) {
      out_ += " data-lane=\"" + std::to_string(index) + "\" data-parent-lane=\"" +
              std::to_string(lane.parent_lane) + "\"";
      if (lane.kind == LaneKind::coroutine) out_ += " data-co=\"" + std::to_string(lane.id) + "\"";
      if (lane.kind == LaneKind::band) out_ += " data-band=\"" + std::to_string(lane.hidden_count) + "\"";
      if (lane.band_member) out_ += " data-member=\"1\"";
    }
    out_ += ">\n";
    const double indent = 6.0 + static_cast<double>(std::min(lane.depth, max_indent_levels) * indent_px);
    if (lane.parent_lane >= 0 && !lane.band_member) {
      // The elbow of the tree guide; the vertical part joins it to the parent.
      out_ += "<path class=\"guide\" data-kind=\"tree\" d=\"M" + fixed(indent - indent_px + 4) + ",0 V11 H" + fixed(indent - 2) +
              "\"/>\n";
    }
    switch (lane.kind) {
      case LaneKind::summary: summary_lane(lane, indent); break;
      case LaneKind::band: band_lane(lane, indent); break;
      case LaneKind::coroutine: coroutine_lane(model_.coroutines.at(lane.id), indent); break;
    }
    out_ += "</g>\n";
  }

  std::string clip() const { return "<g clip-path=\"url(#" + id("lane-clip") + ")\">\n"; }

  void summary_lane(const Lane& lane, double indent) {
    out_ += "<text class=\"summary-label\" x=\"" + fixed(indent) + "\" y=\"15\">+" +
            std::to_string(lane.hidden_count) + " coroutines</text>\n";
    out_ += clip();
    rect("summary", "band", runtime::no_coroutine, at(lane.span_begin_ns, lane.span_begin_seq),
         at(lane.span_end_ns, lane.span_end_seq), 6, 10,
         std::to_string(lane.hidden_count) + " collapsed descendants of co " + std::to_string(lane.id), 1.0,
         " data-summary=\"" + std::to_string(lane.id) + "\"");
    out_ += "</g>\n";
  }

  // A run of identical siblings: one lane with how many, their span, and
  // a histogram of when they exited, by how.
  void band_lane(const Lane& lane, double indent) {
    const Coroutine& first = model_.coroutines.at(lane.id);
    std::array<std::size_t, 4> results{};  // returned, cancelled, failed, alive
    for (runtime::CoroutineId member : lane.members) {
      const Coroutine& co = model_.coroutines.at(member);
      const std::string result = exit_result(co);
      results[result == "returned" ? 0 : result == "cancelled" ? 1 : result == "failed" ? 2 : 3]++;
    }
    std::string label = std::to_string(lane.members.size()) + " \xC3\x97 " + short_function(first.fn);
    std::string tip = std::to_string(lane.members.size()) + " identical siblings: " + first.fn + " spawned at " +
                      first.site + " (co " + std::to_string(lane.members.front()) + "\xE2\x80\x93" +
                      std::to_string(lane.members.back()) + ")\nexits: " + std::to_string(results[0]) +
                      " returned, " + std::to_string(results[1]) + " cancelled, " + std::to_string(results[2]) +
                      " failed" + (results[3] != 0 ? ", " + std::to_string(results[3]) + " still alive" : "");
    if (lane.hidden_count != lane.members.size()) {
      tip += "\n" + std::to_string(lane.hidden_count - lane.members.size()) + " descendants drawn in this band too";
    }
    if (interactive_) tip += "\nclick the name to expand (its first members get lanes)";
    out_ += "<text class=\"band-label\" x=\"" + fixed(indent) + "\" y=\"15\" data-kind=\"band\" data-co=\"" +
            std::to_string(lane.id) + "\"";
    if (interactive_) out_ += " data-label=\"1\"";
    out_ += ">" + xml_escape(truncate_to(label, label_width_px - indent - 4)) + "<title>" + xml_escape(tip) +
            "</title></text>\n";
    out_ += clip();
    rect("band", "band", lane.id, at(lane.span_begin_ns, lane.span_begin_seq), at(lane.span_end_ns, lane.span_end_seq),
         4, 14, tip, 1.0, " data-count=\"" + std::to_string(lane.members.size()) + "\"");
    // The exit histogram: buckets along the drawn axis.
    struct Bucket {
      std::array<std::size_t, 3> count{};
      Pos from, to;
      bool used = false;
    };
    std::vector<Bucket> buckets(histogram_buckets);
    const double span = options_.event_order_axis ? seq_span_ : time_span_;
    std::size_t highest = 1;  // the fullest bucket's count
    for (runtime::CoroutineId member : lane.members) {
      const Coroutine& co = model_.coroutines.at(member);
      if (!co.exited) continue;
      const Pos p = at(co.exit_ns, co.exit_seq);
      const auto b = std::min(histogram_buckets - 1, static_cast<std::size_t>(primary(p) / span * histogram_buckets));
      Bucket& bucket = buckets[b];
      const std::size_t which = co.exit_err == 0 ? 0 : co.exit_err == ECANCELED ? 1 : 2;
      if (!bucket.used || p.s < bucket.from.s) bucket.from = p;
      if (!bucket.used || p.s > bucket.to.s) bucket.to = p;
      bucket.used = true;
      ++bucket.count[which];
      highest = std::max(highest, bucket.count[0] + bucket.count[1] + bucket.count[2]);
    }
    static constexpr const char* classes[] = {"hist-returned", "hist-cancelled", "hist-failed"};
    static constexpr const char* names[] = {"returned", "cancelled", "failed"};
    for (const Bucket& bucket : buckets) {
      if (!bucket.used) continue;
      double bottom = 18;
      for (std::size_t which = 0; which < 3; ++which) {
        if (bucket.count[which] == 0) continue;
        // Logarithmic, so that a few early exits show beside a crowd at the end.
        const double h = 13.0 * std::log1p(static_cast<double>(bucket.count[which])) /
                         std::log1p(static_cast<double>(highest));
        bottom -= h;
        rect(classes[which], "exit", lane.id, bucket.from, bucket.to, bottom, std::max(h, 1.0),
             std::to_string(bucket.count[which]) + " " + names[which] + " between " +
                 format_ms(static_cast<std::int64_t>(bucket.from.t)) + " and " +
                 format_ms(static_cast<std::int64_t>(bucket.to.t)),
             2.0, std::string(" data-result=\"") + names[which] + "\" data-count=\"" +
                      std::to_string(bucket.count[which]) + "\"");
      }
    }
    out_ += "</g>\n";
  }

  void coroutine_lane(const Coroutine& co, double indent) {
    const std::string name = short_function(co.fn.empty() ? "?" : co.fn);
    const std::string id_text = " co " + std::to_string(co.id);
    const bool outlived_parent = model_.outlived_parent(co) != nullptr;
    const std::string shown = truncate_to(name, label_width_px - indent - 4 - label_char_px * static_cast<double>(id_text.size()));
    out_ += "<text class=\"" + std::string(outlived_parent ? "label label-ns" : "label") + "\" x=\"" + fixed(indent) +
            "\" y=\"15\" data-kind=\"lifetime\" data-co=\"" + std::to_string(co.id) + "\"";
    if (interactive_) out_ += " data-label=\"1\"";
    out_ += ">" + xml_escape(shown) + "<tspan class=\"co-id\">" + id_text + "</tspan><title>" +
            xml_escape(lifetime_summary(co)) + "</title></text>\n";
    if (interactive_) out_ += "<desc class=\"events\">" + xml_escape(event_list(co)) + "</desc>\n";
    out_ += clip();
    const Pos begin = at(co.spawn_ns, co.spawn_seq);
    const Pos end = at(co.exit_ns, co.exit_seq);
    rect("life", "lifetime", co.id, begin, end, 5, 12, "", 1.0);
    grace_periods(co, false);
    intervals(co);
    grace_periods(co, true);
    deadlines(co);
    messages(co);
    net_marks(co);
    if (co.got_ecanceled) ecanceled(co);
    exit_mark(co, end);
    not_structured(co);
    out_ += "</g>\n";
  }

  std::string lifetime_summary(const Coroutine& co) const {
    std::string text = co.label() + "\nspawned at seq " + std::to_string(co.spawn_seq) + " (" +
                       format_ms(co.spawn_ns - model_.begin_ns) + ")";
    if (!co.site.empty()) text += " at " + co.site;
    if (co.bundle != 0) text += " in bundle " + std::to_string(co.bundle);
    if (co.exited) {
      text += "\nexited at seq " + std::to_string(co.exit_seq) + " (" + format_ms(co.exit_ns - model_.begin_ns) +
              ", " + exit_result(co) + ")";
    } else {
      text += "\nstill alive when the trace ended";
    }
    if (co.cancel_requested) {
      text += "\ncancelled by co " + std::to_string(co.cancelled_by) + " at seq " + std::to_string(co.cancel_seq) +
              "; exited " + format_ms(co.grace_ns()) + " later";
    }
    return text;
  }

  // Intervals narrower than one pixel column share it: only the first one
  // in each column of both axes is drawn, which bounds a lane to about
  // twice the chart's width in rects.
  void intervals(const Coroutine& co) {
    std::pair<double, double> last_tiny_column{-1, -1};
    const double seq_px = chart_width_ / seq_span_;
    const double time_px = chart_width_ / time_span_;
    for (const StateInterval& interval : co.intervals) {
      if (interval.state == State::ready) continue;
      const Pos p0 = at(interval.begin_ns, interval.begin_seq);
      const Pos p1 = at(interval.end_ns, interval.end_seq);
      const double width = x(p1) - x(p0);
      const double other_width = options_.event_order_axis ? (p1.t - p0.t) * time_px : (p1.s - p0.s) * seq_px;
      if (width < 1.0 && (!interactive_ || other_width < 1.0)) {
        const std::pair<double, double> column{std::floor(p0.t * time_px / 2.0), std::floor(p0.s * seq_px / 2.0)};
        if (column == last_tiny_column) continue;
        last_tiny_column = column;
      }
      if (interval.state == State::running) {
        rect("running", "lifetime", co.id, p0, p1, 5, 12,
             width >= 3 ? "running, seq " + std::to_string(interval.begin_seq) + "-" + std::to_string(interval.end_seq)
                        : "",
             1.0, " data-state=\"running\"");
        continue;
      }
      std::string what = reason_name(interval.reason);
      if (interval.object_kind != runtime::ObjectKind::none) {
        what += std::string(" ") + object_short(interval.object_kind) + " " + std::to_string(interval.object);
      } else if (interval.object != 0) {
        what += " " + std::to_string(interval.object);
      }
      std::string tip = "blocked: " + what + ", seq " + std::to_string(interval.begin_seq) + "-" +
                        std::to_string(interval.end_seq) + ", " + format_ms(interval.end_ns - interval.begin_ns);
      if (interval.deadline_ms >= 0) tip += ", deadline " + std::to_string(interval.deadline_ms) + " ms";
      if (interval.wake_err == ECANCELED) tip += ", ended by ECANCELED";
      if (interval.wake_err == ETIMEDOUT) tip += ", ended by ETIMEDOUT";
      const std::string cls = std::string("b-") + reason_name(interval.reason);
      rect(cls.c_str(), "block", co.id, p0, p1, 5, 12, tip, 1.0,
           std::string(" data-reason=\"") + reason_name(interval.reason) + "\"");
      if (width >= 40 || interactive_) {
        out_ += "<text class=\"block-label\" x=\"" + fixed(x(p0) + 2) + "\" y=\"14.5\"" + tag("block", co.id, p0, p1);
        if (interactive_) out_ += " data-fitw=\"1\"";
        out_ += ">" + xml_escape(interactive_ ? what : truncate_to(what, width * 1.3 - 4)) + "</text>\n";
      }
    }
  }

  // Grace periods the coroutine granted, shaded from the start of the wait
  // to its end; the part an outer grace period took away is the grey box.
  // The shading goes under the blocked bars (`labels` false), its labels
  // over them.
  void grace_periods(const Coroutine& co, bool labels) {
    for (const trace::GracePeriod& grace : co.grace_periods) {
      const Pos p0 = at(grace.begin_ns, grace.begin_seq);
      const Pos p1 = at(grace.end_ns, grace.end_seq);
      const std::string lasted = format_ms(grace.end_ns - grace.begin_ns);
      std::string granted = grace.deadline_ms >= 0
                                ? format_ms(grace.deadline_ms * 1000000 - grace.begin_ns) : std::string("no limit");
      std::string tip = short_function(co.fn) + " (co " + std::to_string(co.id) + ") gives bundle " +
                        std::to_string(grace.bundle) + " a grace period of " + granted + " at seq " +
                        std::to_string(grace.begin_seq) + "; ";
      if (!grace.ended) {
        tip += "still waiting when the trace ended";
      } else if (grace.end_err == 0) {
        tip += "every member finished within it, after " + lasted;
      } else if (grace.end_err == ETIMEDOUT) {
        tip += "it ran out after " + lasted + ": the members still running were cancelled";
      } else if (grace.end_err == ECANCELED) {
        tip += "cut short after " + lasted + ": " + short_function(co.fn) + " was itself cancelled" +
               (co.cancel_requested ? " by co " + std::to_string(co.cancelled_by) : std::string());
      } else {
        tip += "ended after " + lasted + " with an error";
      }
      const std::string more = " data-bundle=\"" + std::to_string(grace.bundle) + "\"" +
                               (grace.deadline_ms >= 0 ? " data-deadline-ms=\"" + std::to_string(grace.deadline_ms) + "\""
                                                       : std::string());
      const std::string lasted_short = short_ms(static_cast<double>(grace.end_ns - grace.begin_ns));
      if (!labels) {
        rect("grace", "grace", co.id, p0, p1, 1, 20, tip, 2.0, more);
      } else if (x(p1) - x(p0) >= 150 || interactive_) {
        out_ += "<text class=\"grace-label\" x=\"" + fixed(x(p1) - 4) + "\" y=\"14.5\" text-anchor=\"end\"" +
                tag("grace", co.id, p0, p1) + (interactive_ ? " data-dx=\"-4\" data-fitw=\"1\"" : "") + ">grace " +
                xml_escape(lasted_short) + "</text>\n";
      }
      if (!grace.revoked() || grace.deadline_ms > INT64_MAX / 1000000) continue;
      const std::int64_t deadline_ns = grace.deadline_ms * 1000000;
      if (deadline_ns <= grace.end_ns) continue;
      // On the event axis the revoked time has no events: a fixed sliver.
      const Pos r1{static_cast<double>(deadline_ns - model_.begin_ns),
                   p1.s + std::max(1.0, seq_span_ * end_margin * 0.6)};
      const std::string revoked = format_ms(deadline_ns - grace.end_ns);
      if (labels) {
        if (x(r1) - x(p1) >= 90 || interactive_) {
          out_ += "<text class=\"revoked-label\" x=\"" + fixed(x(p1) + 4) + "\" y=\"14.5\"" +
                  tag("grace-revoked", co.id, p1, r1) + (interactive_ ? " data-dx=\"4\" data-fitw=\"1\"" : "") +
                  ">cut short: " + xml_escape(short_ms(static_cast<double>(deadline_ns - grace.end_ns))) +
                  " revoked</text>\n";
        }
        continue;
      }
      rect("grace-revoked", "grace-revoked", co.id, p1, r1, 1, 20,
           "revoked: " + revoked + " of the grace period " + short_function(co.fn) + " gave bundle " +
               std::to_string(grace.bundle) + " (until " + std::to_string(grace.deadline_ms) +
               " ms) never happened: an outer, shorter grace period ended first",
           2.0, more);
    }
  }

  void deadlines(const Coroutine& co) {
    // A deadline is missed when it expired while something waited on it;
    // a sleep reaching its deadline is the sleep doing its job. Ticks sit
    // at the deadline's time (on the seq axis: where it expired or was set).
    std::set<std::tuple<std::int64_t, bool>> drawn;
    auto tick = [&](std::int64_t deadline_ms, bool missed, std::uint64_t at_seq) {
      if (!drawn.insert({deadline_ms, missed}).second) return;
      // A deadline past what nanoseconds can hold means "forever": no tick.
      if (deadline_ms > INT64_MAX / 1000000) return;
      const Pos p{static_cast<double>(deadline_ms) * 1e6 - static_cast<double>(model_.begin_ns),
                  static_cast<double>(at_seq)};
      if (!options_.event_order_axis && (p.t < 0 || p.t > time_span_)) return;
      const std::string xs = fixed(x(p));
      used_.insert(missed ? "dl-missed" : "dl");
      out_ += "<line class=\"" + std::string(missed ? "dl-missed" : "dl") + "\" x1=\"" + xs + "\" y1=\"1\" x2=\"" +
              xs + "\" y2=\"21\"" + tag("deadline", co.id, p, p) + " data-missed=\"" + (missed ? "1" : "0") +
              "\"><title>deadline " + std::to_string(deadline_ms) + " ms" +
              (missed ? " (missed: it expired before the call completed)" : " (met)") + "</title></line>\n";
    };
    std::set<std::int64_t> slept;
    for (const StateInterval& interval : co.intervals) {
      if (interval.state != State::blocked || interval.deadline_ms < 0) continue;
      // A sleep reaching its deadline is the sleep doing its job; a call
      // cancelled before its deadline neither met nor missed it.
      if (interval.reason == BlockReason::msleep || interval.wake_err == ECANCELED) {
        slept.insert(interval.deadline_ms);
        continue;
      }
      tick(interval.deadline_ms, interval.wake_err == ETIMEDOUT, interval.end_seq);
    }
    for (const trace::Deadline& deadline : co.deadlines) {
      if (slept.count(deadline.deadline_ms) != 0) continue;
      tick(deadline.deadline_ms, deadline.expired, deadline.expired ? deadline.expired_seq : deadline.set_seq);
    }
  }

  void ecanceled(const Coroutine& co) {
    const Pos p = at(co.ecanceled_ns, co.ecanceled_seq);
    used_.insert("ecanceled");
    std::string call = "a blocking call";
    for (const StateInterval& interval : co.intervals) {
      if (interval.state == State::blocked && interval.wake_err == ECANCELED && interval.end_seq <= co.ecanceled_seq) {
        call = reason_name(interval.reason);
      }
    }
    out_ += "<path class=\"ecanceled\" transform=\"translate(" + fixed(x(p)) + ",11)\"" + tag("ecanceled", co.id, p, p) +
            " d=\"M0,-6 L6,0 L0,6 L-6,0 Z\"><title>ECANCELED: " + xml_escape(call) + " returned ECANCELED at seq " +
            std::to_string(co.ecanceled_seq) + " (" + format_ms(co.ecanceled_ns - model_.begin_ns) +
            ")</title></path>\n";
  }

  void exit_mark(const Coroutine& co, Pos end) {
    if (!co.exited) return;
    const std::string result = exit_result(co);
    const std::string xs = fixed(x(end));
    const std::string tip = "<title>exit: " + result + " at seq " + std::to_string(co.exit_seq) + " (" +
                            format_ms(co.exit_ns - model_.begin_ns) + ")</title>";
    const std::string data = tag("exit", co.id, end, end) + " data-result=\"" + result + "\"";
    used_.insert("exit-" + result);
    if (result == "returned") {
      out_ += "<path class=\"exit-returned\" transform=\"translate(" + xs + ",11)\"" + data +
              " d=\"M-1,-7 H1 V7 H-1 Z M1,-4 L6,0 L1,4 Z\">" + tip + "</path>\n";
    } else if (result == "cancelled") {
      out_ += "<path class=\"exit-cancelled\" transform=\"translate(" + xs + ",11)\"" + data +
              " d=\"M-4,-5 L4,5 M-4,5 L4,-5\">" + tip + "</path>\n";
    } else {
      out_ += "<path class=\"exit-failed\" transform=\"translate(" + xs + ",11)\"" + data +
              " d=\"M0,-8 L7,6 H-7 Z\">" + tip + "</path>\n";
    }
  }

  // Messages as ticks on the receiving lane, one per pixel column.
  void messages(const Coroutine& co) {
    auto it = messages_by_receiver_.find(co.id);
    if (it == messages_by_receiver_.end()) return;
    std::set<std::pair<long, long>> columns;
    const double seq_px = chart_width_ / seq_span_;
    const double time_px = chart_width_ / time_span_;
    for (const trace::Rendezvous* message : it->second) {
      const Pos p = at(message->time_ns, message->recv_seq);
      if (!columns.insert({std::lround(p.t * time_px), std::lround(p.s * seq_px)}).second) continue;
      used_.insert("message");
      const std::string xs = fixed(x(p));
      out_ += "<line class=\"message\" x1=\"" + xs + "\" y1=\"17\" x2=\"" + xs + "\" y2=\"21\"" +
              tag("message", co.id, p, p) + " data-from=\"" + std::to_string(message->sender) + "\"><title>message: " +
              std::to_string(message->bytes) + " bytes on channel " + std::to_string(message->channel) + " from co " +
              std::to_string(message->sender) + " at seq " + std::to_string(message->recv_seq) + "</title></line>\n";
    }
  }

  void net_marks(const Coroutine& co) {
    std::set<std::pair<long, long>> send_columns;
    const double seq_px = chart_width_ / seq_span_;
    const double time_px = chart_width_ / time_span_;
    for (const trace::NetEvent& net : co.net_events) {
      const Pos p = at(net.time_ns, net.seq);
      const std::string xs = fixed(x(p));
      const std::string socket = "socket " + std::to_string(net.socket);
      const std::string sockets = " data-socket=\"" + std::to_string(net.socket) + "\" data-peer-socket=\"" +
                                  std::to_string(net.peer_socket) + "\"";
      if (net.kind == EventKind::net_send) {
        // A message on the connection: a tick over the writer's lane, one
        // per pixel column.
        if (!send_columns.insert({std::lround(p.t * time_px), std::lround(p.s * seq_px)}).second) continue;
        used_.insert("net-send");
        out_ += "<line class=\"net-send\" x1=\"" + xs + "\" y1=\"1\" x2=\"" + xs + "\" y2=\"6\"" +
                tag("message", co.id, p, p) + " data-net=\"send\"" + sockets + " data-bytes=\"" +
                std::to_string(net.sent) + "\"><title>" + socket + " sent " + std::to_string(net.sent) +
                " bytes to socket " + std::to_string(net.peer_socket) + " at seq " + std::to_string(net.seq) +
                "</title></line>\n";
        continue;
      }
      if (net.kind == EventKind::net_partition) {
        // From the write that partitioned the connection to its healing;
        // on the event axis nothing happens in between: a fixed sliver.
        const bool heals = net.until_ms >= 0 && net.until_ms <= INT64_MAX / 1000000;
        const std::int64_t until_ns = heals ? std::max(net.until_ms * 1000000, net.time_ns) : model_.end_ns;
        const Pos p1{static_cast<double>(until_ns - model_.begin_ns),
                     p.s + std::max(1.0, seq_span_ * end_margin * 0.6)};
        rect("net-partition", "partition", co.id, p, p1, 2, 18,
             "partition: nothing " + socket + " sends reaches socket " + std::to_string(net.peer_socket) +
                 " until " + (heals ? std::to_string(net.until_ms) + " ms" : std::string("the end")) + " (from seq " +
                 std::to_string(net.seq) + ", " + format_ms(until_ns - net.time_ns) + ")",
             2.0, " data-net=\"partition\"" + sockets);
        continue;
      }
      if (net.kind == EventKind::net_close) {
        used_.insert("net-close");
      } else if (net.kind == EventKind::net_reset || net.err != 0) {
        used_.insert("net-reset");
      }
      if (net.kind == EventKind::net_reset) {
        out_ += "<path class=\"net-reset\" transform=\"translate(" + xs + ",11)\"" + tag("connection", co.id, p, p) +
                " data-net=\"reset\" d=\"M-4,-8 L3,-2 L-3,2 L4,8\"><title>reset: the connection of " + socket +
                " was reset (ECONNRESET) at seq " + std::to_string(net.seq) + "</title></path>\n";
      } else if (net.kind == EventKind::net_close) {
        out_ += "<line class=\"net-close\" x1=\"" + xs + "\" y1=\"3\" x2=\"" + xs + "\" y2=\"19\"" +
                tag("connection", co.id, p, p) + " data-net=\"close\"><title>" + socket + " closed at seq " +
                std::to_string(net.seq) + ": sent " + std::to_string(net.sent) + " bytes, received " +
                std::to_string(net.received) + "</title></line>\n";
      } else if (net.err != 0) {
        out_ += "<path class=\"net-reset\" transform=\"translate(" + xs + ",11)\"" + tag("connection", co.id, p, p) +
                " data-net=\"refused\" d=\"M-4,-4 L4,4 M-4,4 L4,-4\"><title>connect on " + socket +
                " failed at seq " + std::to_string(net.seq) + "</title></path>\n";
      }
    }
  }

  void not_structured(const Coroutine& co) {
    const Coroutine* parent = model_.outlived_parent(co);
    if (parent == nullptr) return;
    const Pos p0 = at(parent->exit_ns, parent->exit_seq);
    const Pos p1 = at(co.exit_ns, co.exit_seq);
    rect("not-structured", "not-structured", co.id, p0, p1, 2, 18,
         "not structured: outlived its parent co " + std::to_string(parent->id) + ", which exited at seq " +
             std::to_string(parent->exit_seq),
         2.0);
    // A badge at the start of the overhang: white behind red text so it
    // reads over any bar.
    const std::string badge = "not structured: outlived parent co " + std::to_string(parent->id);
    const double badge_width = 10 + 5.6 * static_cast<double>(badge.size());
    out_ += "<rect class=\"ns-badge\" x=\"" + fixed(x(p0) + 2) + "\" y=\"4\" width=\"" + fixed(badge_width) +
            "\" height=\"14\" rx=\"3\"" + tag("not-structured", co.id, p0, p0) +
            (interactive_ ? " data-minw=\"" + fixed(badge_width) + "\" data-dx=\"2\"" : std::string()) + "/>\n";
    out_ += "<text class=\"ns-label\" x=\"" + fixed(x(p0) + 7) + "\" y=\"15\"" + tag("not-structured", co.id, p0, p0) +
            (interactive_ ? " data-dx=\"7\"" : "") + ">" + badge + "</text>\n";
  }

  // How the run ended: a line across every lane at the end line's place,
  // labelled; a trace without one says so (a killed process leaves none).
  void run_end(int lanes_bottom) {
    const trace::Trace& traced = model_.trace;
    const std::string label_at = "x=\"" + std::to_string(chart_left_px + chart_width_) + "\" y=\"36\" text-anchor=\"end\"";
    if (!traced.end) {
      std::string note = "no end line: the process was killed before it could write one";
      if (traced.cut_at_line != 0) note += "; the trace is cut at line " + std::to_string(traced.cut_at_line);
      out_ += "<text id=\"" + id("run-end") + "\" class=\"run-cut\" data-kind=\"end\" " + label_at + ">" +
              xml_escape(note) + "</text>\n";
      return;
    }
    const trace::TraceEnd& end = *traced.end;
    const Pos p = at(end.time_ns, end.seq);
    const std::string xs = fixed(x(p));
    out_ += "<line id=\"" + id("run-end") + "\" class=\"run-end\" x1=\"" + xs + "\" y1=\"" +
            std::to_string(lanes_top_px - 4) + "\" x2=\"" + xs + "\" y2=\"" + std::to_string(lanes_bottom) + "\"" +
            tag("end", runtime::no_coroutine, p, p) + " data-how=\"" + xml_escape(end.how) + "\"><title>" +
            xml_escape(end_summary(end) + (end.report ? "\n" + *end.report : std::string())) + "</title></line>\n";
    std::string label = end_summary(end);
    if (traced.cut_at_line != 0) label += " (trace cut at line " + std::to_string(traced.cut_at_line) + ")";
    out_ += "<text class=\"run-end-label\" " + label_at + " data-kind=\"end\">" +
            xml_escape(truncate_to(label, chart_width_ / 2.0)) + "</text>\n";
  }

  static std::string end_summary(const trace::TraceEnd& end) { return "run ended: " + trace::describe_end(end); }

  void divergence(int lanes_bottom) {
    const std::uint64_t seq = extras_.divergence_seq;
    std::int64_t t = model_.end_ns;
    const auto& events = model_.trace.events;
    if (seq < events.size()) t = events[seq].event.time_ns;
    const Pos p = at(t, seq);
    const std::string xs = fixed(x(p));
    out_ += "<line id=\"" + id("divergence") + "\" class=\"divergence\" x1=\"" + xs + "\" y1=\"" +
            std::to_string(lanes_top_px - 12) + "\" x2=\"" + xs + "\" y2=\"" + std::to_string(lanes_bottom + 4) +
            "\"" + tag("divergence", runtime::no_coroutine, p, p) + " data-seq=\"" + std::to_string(seq) +
            "\"><title>first divergence: seq " + std::to_string(seq) + "</title></line>\n";
    out_ += "<text class=\"divergence-label\" x=\"" + fixed(x(p) + 4) + "\" y=\"" + std::to_string(lanes_top_px - 16) +
            "\"" + tag("divergence", runtime::no_coroutine, p, p) + (interactive_ ? " data-dx=\"4\"" : "") +
            ">first divergence (seq " + std::to_string(seq) + ")</text>\n";
  }

  // Vertical parts of the tree guides, and one bracket per bundle.
  void guides() {
    out_ += "<g class=\"guides\">\n";
    for (std::size_t i = 0; i < layout_.lanes.size(); ++i) {
      const Lane& lane = layout_.lanes[i];
      if (lane.parent_lane < 0 || lane.band_member) continue;
      const double gx = 6.0 + static_cast<double>(std::min(lane.depth, max_indent_levels) * indent_px) -
                        indent_px + 4;
      const auto parent = static_cast<std::size_t>(lane.parent_lane);
      out_ += "<line class=\"guide\" data-kind=\"tree\" x1=\"" + fixed(gx) + "\" y1=\"" + fixed(lane_top(parent) + 17) + "\" x2=\"" +
              fixed(gx) + "\" y2=\"" + fixed(lane_top(i)) + "\"";
      if (interactive_) out_ += " data-l0=\"" + std::to_string(parent) + "\" data-o0=\"17\" data-l1=\"" +
                                std::to_string(i) + "\" data-o1=\"0\"";
      out_ += "/>\n";
    }
    // Bundles: members are the parent's visible children sharing a bundle.
    for (const Lane& lane : layout_.lanes) {
      if (lane.kind != LaneKind::coroutine) continue;
      const Coroutine& parent = model_.coroutines.at(lane.id);
      std::map<runtime::ObjectId, std::pair<std::size_t, std::size_t>> spans;  // bundle -> first, last lane
      for (runtime::CoroutineId child : parent.children) {
        const Coroutine& member = model_.coroutines.at(child);
        if (member.bundle == 0) continue;
        std::size_t member_lane = layout_.lane_of.at(child);
        if (layout_.lanes[member_lane].band_member) member_lane = static_cast<std::size_t>(layout_.lanes[member_lane].parent_lane);
        auto [it, inserted] = spans.try_emplace(member.bundle, member_lane, member_lane);
        if (!inserted) {
          it->second.first = std::min(it->second.first, member_lane);
          it->second.second = std::max(it->second.second, member_lane);
        }
      }
      std::size_t nth = 0;
      for (const auto& [bundle, span] : spans) {
        const double bx = label_width_px - 6.0 - 5.0 * static_cast<double>(nth++ % 4);
        const double y0 = lane_top(span.first) + 3;
        const double y1 = lane_top(span.second) + 19;
        out_ += "<path class=\"bracket\" d=\"M" + fixed(bx + 4) + "," + fixed(y0) + " H" + fixed(bx) + " V" +
                fixed(y1) + " H" + fixed(bx + 4) + "\" data-kind=\"bundle\" data-co=\"" + std::to_string(parent.id) + "\"";
        if (interactive_) out_ += " data-bx=\"" + fixed(bx) + "\" data-l0=\"" + std::to_string(span.first) +
                                  "\" data-l1=\"" + std::to_string(span.second) + "\"";
        out_ += "><title>bundle " + std::to_string(bundle) + " of co " + std::to_string(parent.id) +
                "</title></path>\n";
      }
    }
    out_ += "</g>\n";
  }

  // A line between two lanes, which the page moves on zoom (x) and on
  // collapse (y).
  void link(const char* cls, const char* kind, runtime::CoroutineId co, std::size_t lane0, Pos p0, std::size_t lane1,
            Pos p1, const std::string& more, const std::string& tip) {
    used_.insert(cls);
    out_ += "<path class=\"" + std::string(cls) + "\" d=\"" +
            link_path(x(p0), lane_top(lane0) + 11, x(p1), lane_top(lane1) + 11) + "\"" + tag(kind, co, p0, p1) + more;
    if (interactive_) out_ += " data-link=\"1\" data-l0=\"" + std::to_string(lane0) + "\" data-l1=\"" + std::to_string(lane1) + "\"";
    out_ += "><title>" + xml_escape(tip) + "</title></path>\n";
  }

  // A curve bowing to the right, so that links between lanes at one
  // instant (common under the simulator) stay visible beside the lanes'
  // own marks. The page's script draws the same curve.
  static std::string link_path(double x0, double y0, double x1, double y1) {
    const double bow = 10 + std::min(30.0, std::fabs(y1 - y0) / 3);
    return "M" + fixed(x0) + "," + fixed(y0) + " C" + fixed(x0 + bow) + "," + fixed(y0) + " " + fixed(x1 + bow) + "," +
           fixed(y1) + " " + fixed(x1) + "," + fixed(y1);
  }

  // One fan per cancellation: the cancel events one canceller made through
  // one handle at one instant (hclose of a bundle cancels every member,
  // with their wake-ups between). Each branch is an arrow from the
  // canceller to where ECANCELED reached the target; the arrowheads into
  // one lane (a band, a summary) are one per pixel column.
  void cancels() {
    using FanKey = std::tuple<runtime::CoroutineId, runtime::ObjectId, std::int64_t>;
    std::map<FanKey, std::vector<const trace::Cancel*>> fans;
    std::vector<FanKey> order;
    for (const trace::Cancel& cancel : model_.cancels) {
      auto [it, inserted] = fans.try_emplace(FanKey{cancel.by, cancel.object, cancel.time_ns});
      if (inserted) order.push_back(it->first);
      it->second.push_back(&cancel);
    }
    for (const FanKey& key : order) {
      const std::vector<const trace::Cancel*>& members = fans.at(key);
      const trace::Cancel& first = *members.front();
      const runtime::CoroutineId by = first.by;
      const auto origin_lane = layout_.lane_of.find(by);
      if (origin_lane == layout_.lane_of.end()) continue;
      const Pos p0 = at(first.time_ns, first.seq);
      std::set<std::tuple<std::size_t, long, long>> drawn;
      for (const trace::Cancel* member : members) {
        const trace::Cancel& cancel = *member;
        const Coroutine* target = model_.find(cancel.target);
        const auto target_lane = layout_.lane_of.find(cancel.target);
        if (target == nullptr || target_lane == layout_.lane_of.end() || target_lane->second == origin_lane->second) {
          continue;
        }
        const bool landed = target->got_ecanceled && target->ecanceled_seq >= cancel.seq;
        const Pos p1 = landed ? at(target->ecanceled_ns, target->ecanceled_seq) : at(cancel.time_ns, cancel.seq);
        const std::size_t lane1 = target_lane->second;
        const long time_column = std::lround(p1.t * chart_width_ / time_span_);
        const long seq_column = std::lround(p1.s * chart_width_ / seq_span_);
        const auto drawn_key = interactive_ ? std::make_tuple(lane1, time_column, seq_column)
                               : options_.event_order_axis ? std::make_tuple(lane1, 0L, seq_column)
                                                           : std::make_tuple(lane1, time_column, 0L);
        if (!drawn.insert(drawn_key).second) continue;
        link("cancel", "cancel", target->id, origin_lane->second, p0, lane1, p1,
             " data-by=\"" + std::to_string(by) + "\" marker-end=\"url(#" + id("arrow") + ")\"",
             "cancel: co " + std::to_string(by) + " cancelled co " + std::to_string(target->id) + " at seq " +
                 std::to_string(cancel.seq) +
                 (landed ? "; ECANCELED reached it at seq " + std::to_string(target->ecanceled_seq)
                         : std::string("; it was not blocked: its next blocking call fails")));
      }
      out_ += "<circle class=\"cancel-origin\" cx=\"" + fixed(x(p0)) + "\" cy=\"" +
              fixed(lane_top(origin_lane->second) + 11) + "\" r=\"3.5\"" + tag("cancel", by, p0, p0) +
              " data-origin=\"1\"";
      if (interactive_) out_ += " data-l0=\"" + std::to_string(origin_lane->second) + "\" data-o0=\"11\"";
      out_ += "><title>co " + std::to_string(by) + " cancels " + std::to_string(members.size()) +
              " coroutine(s) at seq " + std::to_string(first.seq) + "</title></circle>\n";
    }
  }

  // Connections of the simulated network: a link from the connecting
  // coroutine to the accepting one, at the moment the connection was made.
  void connections() {
    std::size_t drawn = 0;
    for (const trace::Connection& connection : model_.connections) {
      if (drawn >= max_connections_drawn) break;
      const auto client = layout_.lane_of.find(connection.client);
      const auto server = layout_.lane_of.find(connection.server);
      if (client == layout_.lane_of.end() || server == layout_.lane_of.end()) continue;
      const Pos p0 = at(connection.accept_ns, connection.accept_seq);
      const Pos p1 = at(connection.connect_ns, connection.connect_seq);
      std::string tip = "connection: socket " + std::to_string(connection.client_socket) + " of co " +
                        std::to_string(connection.client) + " to socket " + std::to_string(connection.server_socket) +
                        " of co " + std::to_string(connection.server) + " (accepted at seq " +
                        std::to_string(connection.accept_seq) + ", connected at seq " +
                        std::to_string(connection.connect_seq) + ")";
      if (connection.reset) tip += "; reset at seq " + std::to_string(connection.reset_seq);
      if (connection.partitions != 0) tip += "; partitioned " + std::to_string(connection.partitions) + " time(s)";
      if (connection.sends != 0) tip += "; " + std::to_string(connection.sends) + " write(s) traced";
      link("connection", "connection", connection.client, server->second, p0, client->second, p1,
           " data-server=\"" + std::to_string(connection.server) + "\"" + (connection.reset ? " data-reset=\"1\"" : "") +
               (connection.partitions != 0 ? " data-partitioned=\"1\"" : ""),
           tip);
      ++drawn;
    }
  }

  void legend(int top) {
    out_ += "<g class=\"legend\" id=\"" + id("legend") + "\" transform=\"translate(0," + std::to_string(top) + ")\">\n";
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
    std::set<BlockReason> reasons;
    for (const auto& [id, co] : model_.coroutines) {
      for (const StateInterval& interval : co.intervals) {
        if (interval.state == State::blocked) reasons.insert(interval.reason);
      }
    }
    for (BlockReason reason : reasons) {
      const std::string name = reason_name(reason);
      swatch(box + "b-" + name + "\"/>", "blocked: " + name);
    }
    // Only what this diagram draws.
    auto used = [&](const char* cls) { return used_.count(cls) != 0; };
    if (used("grace")) swatch(box + "grace\"/>", "grace period granted");
    if (used("grace-revoked")) swatch(box + "grace-revoked\"/>", "grace revoked (cut short)");
    if (used("cancel")) {
      swatch("<line class=\"cancel\" x1=\"0\" y1=\"7\" x2=\"14\" y2=\"7\" marker-end=\"url(#" + id("arrow") + ")\"/>",
             "cancellation");
    }
    if (used("ecanceled")) {
      swatch("<path class=\"ecanceled\" transform=\"translate(8,7)\" d=\"M0,-5 L5,0 L0,5 L-5,0 Z\"/>", "ECANCELED");
    }
    if (used("exit-returned") || used("hist-returned")) {
      swatch("<path class=\"exit-returned\" transform=\"translate(8,7)\" d=\"M-1,-7 H1 V7 H-1 Z M1,-4 L6,0 L1,4 Z\"/>",
             "returned");
    }
    if (used("exit-cancelled") || used("hist-cancelled")) {
      swatch("<path class=\"exit-cancelled\" transform=\"translate(8,7)\" d=\"M-4,-5 L4,5 M-4,5 L4,-5\"/>", "cancelled");
    }
    if (used("exit-failed") || used("hist-failed")) {
      swatch("<path class=\"exit-failed\" transform=\"translate(8,8)\" d=\"M0,-7 L6,5 H-6 Z\"/>", "failed");
    }
    if (used("dl")) swatch("<line class=\"dl\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "deadline met");
    if (used("dl-missed")) swatch("<line class=\"dl-missed\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "deadline missed");
    if (used("not-structured")) {
      swatch("<rect x=\"0\" y=\"2\" width=\"16\" height=\"10\" class=\"not-structured\"/>", "not structured");
    }
    if (used("band")) swatch(box + "band\"/>", "band of identical siblings");
    swatch("<path class=\"bracket\" d=\"M12,1 H8 V13 H12\"/>", "bundle");
    if (used("message")) swatch("<line class=\"message\" x1=\"8\" y1=\"3\" x2=\"8\" y2=\"13\"/>", "message");
    if (used("connection")) swatch("<line class=\"connection\" x1=\"0\" y1=\"7\" x2=\"16\" y2=\"7\"/>", "connection");
    if (used("net-reset")) {
      swatch("<path class=\"net-reset\" transform=\"translate(8,7)\" d=\"M-4,-7 L3,-2 L-3,2 L4,7\"/>", "reset / refused");
    }
    if (used("net-send")) swatch("<line class=\"net-send\" x1=\"8\" y1=\"2\" x2=\"8\" y2=\"8\"/>", "bytes sent");
    if (used("net-partition")) swatch(box + "net-partition\"/>", "partitioned");
    if (used("net-close")) swatch("<line class=\"net-close\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "socket closed");
    if (model_.trace.end) swatch("<line class=\"run-end\" x1=\"8\" y1=\"0\" x2=\"8\" y2=\"14\"/>", "end of run");
    out_ += "</g>\n";
  }

  // The minimap's bars: how many events fell in each stretch of each axis,
  // from the model's finer histogram (each of its buckets goes where its
  // middle falls).
  void density(Geometry& geometry) const {
    const trace::EventDensity& density = model_.density;
    auto resample = [&](const std::vector<std::uint32_t>& fine, double width, double span) {
      std::vector<std::uint32_t> bars(minimap_buckets, 0);
      for (std::size_t i = 0; i < fine.size(); ++i) {
        if (fine[i] == 0) continue;
        const double middle = (static_cast<double>(i) + 0.5) * width;
        bars[std::min(minimap_buckets - 1, static_cast<std::size_t>(middle / span * minimap_buckets))] += fine[i];
      }
      return bars;
    };
    geometry.time_density = resample(density.by_time, static_cast<double>(density.bucket_ns), time_span_);
    // On the event axis every bucket has as many events: the model counts
    // what changes the tree instead (spawns, cancels, exits).
    geometry.seq_density = resample(density.by_seq, static_cast<double>(density.bucket_seq), seq_span_);
  }

  static constexpr std::size_t max_connections_drawn = 20000;

  const trace::Model& model_;
  const RenderOptions& options_;
  bool interactive_;
  const DrawExtras& extras_;
  Layout layout_;
  int chart_width_ = 0;
  double time_span_ = 1;
  double seq_span_ = 1;
  std::string out_;
  std::vector<std::size_t> row_of_;  ///< by lane index
  std::set<std::string> used_;       ///< classes drawn, for the legend
  std::map<runtime::CoroutineId, std::vector<const trace::Rendezvous*>> messages_by_receiver_;
};

std::string Drawing::event_list(const Coroutine& co) const {
  // The model kept the first lines; show as many as the options ask.
  std::size_t shown = 0;
  std::size_t cut = 0;
  while (shown < options_.tooltip_events && cut < co.first_events.size()) {
    cut = co.first_events.find('\n', cut + 1);
    if (cut == std::string::npos) cut = co.first_events.size();
    ++shown;
  }
  std::string text = co.label() + co.first_events.substr(0, cut);
  const std::size_t more = co.more_events + (co.first_events_count - shown);
  if (more > 0) text += "\n... " + std::to_string(more) + " more";
  return text;
}

}  // namespace

std::string draw_svg(const trace::Model& model, const RenderOptions& options, bool interactive, Geometry& geometry,
                     const DrawExtras& extras) {
  return Drawing(model, options, interactive, extras).run(geometry);
}

}  // namespace canopy::viewer::detail
