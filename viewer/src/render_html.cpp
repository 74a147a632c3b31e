#include <nlohmann/json.hpp>

#include "canopy/viewer/render.hpp"
#include "draw.hpp"
#include "page_script.hpp"

namespace canopy::viewer {

std::string render_html(const trace::Model& model, const RenderOptions& options) {
  detail::Geometry geometry;
  const std::string svg = detail::draw_svg(model, options, /*interactive=*/true, geometry);
  const trace::Header& header = model.trace.header;
  nlohmann::ordered_json data = {
      {"left", geometry.chart_left_px},
      {"width", geometry.chart_width_px},
      {"top", geometry.lanes_top_px},
      {"laneHeight", geometry.lane_height_px},
      {"timeSpan", geometry.time_span},
      {"seqSpan", geometry.seq_span},
      {"eventOrder", geometry.event_order_axis},
      {"simulated", geometry.simulated},
      {"timeDensity", geometry.time_density},
      {"seqDensity", geometry.seq_density},
      {"replay", header.replay ? nlohmann::ordered_json(*header.replay) : nlohmann::ordered_json(nullptr)},
  };
  const std::string title = detail::xml_escape(options.title.empty() ? header.program : options.title);
  std::string page;
  page.reserve(svg.size() + 20000);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>canopy trace: " + title + "</title>\n<style>" + detail::page_css + "</style>\n</head>\n<body>\n";
  page += "<div id=\"toolbar\"><strong>canopy</strong> " + title +
          " <button id=\"zoom-in\" title=\"zoom in (+)\">+</button><button id=\"zoom-out\" title=\"zoom out (-)\">&#8722;</button>"
          "<button id=\"pan-left\" title=\"earlier (&#8592;)\">&#9664;</button><button id=\"pan-right\" title=\"later (&#8594;)\">&#9654;</button>"
          "<button id=\"reset\" title=\"the whole run (0)\">fit</button><button id=\"axis-toggle\" title=\"time or event order (e)\">axis: time</button>"
          "<span class=\"keys\">wheel/drag or + &#8722; &#8592; &#8594;: zoom, pan &#183; 0: fit &#183; e: axis &#183; "
          "j/k: lanes &#183; Enter or click a name: collapse/expand</span>";
  page += "<span class=\"replay\" id=\"replay-line\">";
  page += header.replay ? "replay: " + detail::xml_escape(*header.replay) : std::string("no replay line (real clock)");
  page += "</span></div>\n<div id=\"minimap-box\"><svg id=\"minimap\" height=\"28\" width=\"100\"></svg></div>\n";
  page += "<div id=\"view\">\n" + svg + "</div>\n<div id=\"tip\"></div>\n";
  page += "<script type=\"application/json\" id=\"geometry\">" + detail::script_safe(data.dump()) + "</script>\n";
  page += "<script>" + std::string(detail::page_script) + "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace canopy::viewer
