// The diff page: two runs' diagrams aligned on the event axis, the first
// divergence marked on both, and what each run did next.
#include <algorithm>

#include "canopy/viewer/diff.hpp"
#include "canopy/viewer/render.hpp"
#include "draw.hpp"

namespace canopy::viewer {
namespace {

std::uint64_t last_seq(const trace::Model& model) {
  if (model.trace.end) return model.trace.end->seq;
  return model.trace.events.empty() ? 0 : model.trace.events.back().seq;
}

// The events of `model` around `seq`: the last common one, then the next few.
std::string next_events(const trace::Model& model, std::uint64_t seq, const char* name) {
  const auto& events = model.trace.events;
  std::string rows;
  if (seq > 0 && seq - 1 < events.size()) {
    rows += "<tr class=\"common\"><td>" + std::to_string(seq - 1) + "</td><td>" +
            detail::xml_escape(trace::canonical_line(events[seq - 1])) + "</td></tr>\n";
  }
  for (std::uint64_t i = seq; i < events.size() && i < seq + diff_events_after; ++i) {
    rows += std::string("<tr") + (i == seq ? " class=\"first\"" : "") + "><td>" + std::to_string(i) + "</td><td>" +
            detail::xml_escape(trace::canonical_line(events[i])) + "</td></tr>\n";
  }
  if (seq >= events.size()) {
    rows += "<tr class=\"first\"><td>" + std::to_string(seq) + "</td><td>" +
            detail::xml_escape(model.trace.end ? trace::canonical_line(*model.trace.end)
                                               : std::string("(the trace ends here)")) +
            "</td></tr>\n";
  }
  return "<div class=\"next\"><h3>run " + std::string(name) + " after the divergence</h3><table>\n" + rows +
         "</table></div>\n";
}

}  // namespace

std::string render_diff_html(const trace::Model& a, const trace::Model& b, const DiffResult& result) {
  RenderOptions options;
  options.event_order_axis = true;
  detail::DrawExtras extras;
  extras.mark_divergence = !result.identical;
  extras.divergence_seq = result.first_difference_seq;
  extras.min_seq_span = std::max(last_seq(a), last_seq(b));
  detail::Geometry geometry;
  extras.id_prefix = "a-";
  options.title = "run a";
  const std::string svg_a = detail::draw_svg(a, options, false, geometry, extras);
  extras.id_prefix = "b-";
  options.title = "run b";
  const std::string svg_b = detail::draw_svg(b, options, false, geometry, extras);
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>canopy diff</title>\n<style>\n"
          "body{margin:0;font-family:\"DejaVu Sans\",Verdana,sans-serif;background:#fafafa;color:#212121}\n"
          "header{background:#37474f;color:#fff;padding:8px 12px}header h1{font-size:16px;margin:0}\n"
          "pre{background:#eceff1;padding:8px;margin:8px 12px;white-space:pre-wrap;font-size:12px}\n"
          ".diagram{width:100%;height:auto;display:block;background:#fff}\n"
          ".run{margin:6px 12px;border:1px solid #cfd8dc}\n"
          ".nexts{display:flex;gap:12px;margin:8px 12px}.next{flex:1;min-width:0}.next h3{font-size:13px;margin:4px 0}\n"
          ".next table{border-collapse:collapse;font:11px monospace;width:100%}.next td{padding:2px 6px;border-bottom:1px solid #e0e0e0;vertical-align:top;word-break:break-all}\n"
          ".next td:first-child{white-space:nowrap;word-break:normal}.next tr.common{color:#78909c}.next tr.first{background:#f3e5f5;font-weight:bold}\n"
          "</style>\n</head>\n<body>\n<header><h1>canopy diff: ";
  page += result.identical ? "the runs are identical"
                           : "the runs diverge at seq " + std::to_string(result.first_difference_seq);
  page += "</h1></header>\n<pre id=\"report\">" + detail::xml_escape(result.report) + "</pre>\n";
  if (!result.identical) {
    page += "<div class=\"nexts\">\n" + next_events(a, result.first_difference_seq, "a") +
            next_events(b, result.first_difference_seq, "b") + "</div>\n";
  }
  page += "<div class=\"run\" id=\"run-a\">\n" + svg_a + "</div>\n<div class=\"run\" id=\"run-b\">\n" + svg_b + "</div>\n";
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace canopy::viewer
