// Shared by the SVG and HTML renderers: the drawing itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canopy/viewer/render.hpp"

namespace canopy::viewer::detail {

/// Numbers the page's script needs to redo the layout after zoom/collapse.
struct Geometry {
  int chart_left_px = 0;
  int chart_width_px = 0;
  int lanes_top_px = 0;
  int lane_height_px = 0;
  double time_span = 1;  ///< ns since start across the chart
  double seq_span = 1;   ///< events across the chart
  bool event_order_axis = false;
  bool simulated = false;
  /// The minimap: events per bucket of each axis, first bucket first.
  std::vector<std::uint32_t> time_density;
  std::vector<std::uint32_t> seq_density;
};

/// What to draw besides the trace itself.
struct DrawExtras {
  /// Draw a "first divergence" marker at this seq (the diff page).
  bool mark_divergence = false;
  std::uint64_t divergence_seq = 0;
  /// The seq axis spans at least this many events (to align two diagrams).
  std::uint64_t min_seq_span = 0;
  /// Element ids are prefixed with this (two diagrams on one page).
  std::string id_prefix;
};

/// The <svg> element. `interactive` adds the data-* attributes, ids and
/// tooltips the HTML page's script uses, and leaves out the xmlns (inline
/// SVG in HTML needs none).
std::string draw_svg(const trace::Model& model, const RenderOptions& options, bool interactive,
                     Geometry& geometry, const DrawExtras& extras = {});

/// Fixed-point decimal text of `value` with `decimals` digits: no locale,
/// no varying precision, so output is byte-identical across runs.
std::string fixed(double value, int decimals = 1);

/// Escapes &, <, >, " for XML text and attribute values.
std::string xml_escape(std::string_view text);

/// `text` made safe inside a <script> element: every "<" becomes \u003c
/// (which JSON and JavaScript strings read back as the same character).
std::string script_safe(std::string_view text);

/// The function's name from a spawn's `fn` ("foo(env, ch[0])" -> "foo").
std::string short_function(std::string_view fn);

}  // namespace canopy::viewer::detail
