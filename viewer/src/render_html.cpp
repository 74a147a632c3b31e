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
      {"left", geometry.chart_left_px},       {"width", geometry.chart_width_px},
      {"top", geometry.lanes_top_px},         {"laneHeight", geometry.lane_height_px},
      {"span", geometry.axis_span},           {"eventOrder", geometry.event_order_axis},
      {"replay", header.replay ? nlohmann::ordered_json(*header.replay) : nlohmann::ordered_json(nullptr)},
  };
  // Inside <script> neither "</script" nor "<!--" may appear: every "<"
  // becomes \u003c, which JSON reads back as the same character.
  std::string geometry_json;
  for (char c : data.dump()) {
    if (c == '<') {
      geometry_json += "\\u003c";
    } else {
      geometry_json += c;
    }
  }
  const std::string title = detail::xml_escape(options.title.empty() ? header.program : options.title);
  std::string page;
  page.reserve(svg.size() + 16384);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>canopy trace: " + title + "</title>\n<style>" + detail::page_css + "</style>\n</head>\n<body>\n";
  page += "<div id=\"toolbar\"><strong>canopy</strong> " + title +
          " <button id=\"zoom-in\" title=\"zoom in\">+</button><button id=\"zoom-out\" title=\"zoom out\">&#8722;</button>"
          "<button id=\"pan-left\" title=\"earlier\">&#9664;</button><button id=\"pan-right\" title=\"later\">&#9654;</button>"
          "<button id=\"reset\">reset</button><span>wheel: zoom, drag: pan, click a name: collapse</span>";
  page += "<span class=\"replay\" id=\"replay-line\">";
  page += header.replay ? "replay: " + detail::xml_escape(*header.replay) : std::string("no replay line (real clock)");
  page += "</span></div>\n<div id=\"view\">\n" + svg + "</div>\n<div id=\"tip\"></div>\n";
  page += "<script type=\"application/json\" id=\"geometry\">" + geometry_json + "</script>\n";
  page += "<script>" + std::string(detail::page_script) + "</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace canopy::viewer
