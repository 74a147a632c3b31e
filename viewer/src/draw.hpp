// Shared by the SVG and HTML renderers: the drawing itself.
#pragma once

#include <string>

#include "canopy/viewer/render.hpp"

namespace canopy::viewer::detail {

/// Numbers the page's script needs to redo the layout after zoom/collapse.
struct Geometry {
  int chart_left_px = 0;
  int chart_width_px = 0;
  int lanes_top_px = 0;
  int lane_height_px = 0;
  double axis_span = 1;  ///< axis units (ns since start, or seq) across the chart
  bool event_order_axis = false;
  bool simulated = false;
};

/// The <svg> element. `interactive` adds the data-* attributes, ids and
/// tooltips the HTML page's script uses, and leaves out the xmlns (inline
/// SVG in HTML needs none).
std::string draw_svg(const trace::Model& model, const RenderOptions& options, bool interactive,
                     Geometry& geometry);

/// Fixed-point decimal text of `value` with `decimals` digits: no locale,
/// no varying precision, so output is byte-identical across runs.
std::string fixed(double value, int decimals = 1);

/// Escapes &, <, >, " for XML text and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace canopy::viewer::detail
