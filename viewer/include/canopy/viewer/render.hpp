// Lifetime diagrams of the coroutine tree, as SVG or as one HTML page.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "canopy/trace/model.hpp"

namespace canopy::viewer {

/// How a diagram is laid out.
struct RenderOptions {
  /// Lanes drawn before subtrees collapse into "+N coroutines" lanes.
  /// Collapsing is breadth-first and in spawn order, so it is deterministic.
  std::size_t lane_budget = 150;
  /// Width of the time axis, in pixels (labels come on top of this).
  int chart_width_px = 1100;
  /// Place events by seq instead of time (simulated runs do much at one
  /// virtual instant; this spreads it out).
  bool event_order_axis = false;
  /// Events listed per coroutine in an HTML tooltip before "... N more".
  std::size_t tooltip_events = 30;
  /// Title shown above the diagram; empty means the program's name.
  std::string title;
};

/// The model as a standalone SVG document: one lane per coroutine nested
/// under its parent (tree guides), a bracket per bundle, running and blocked
/// intervals (colour by block reason, object named), grace periods shaded,
/// cancellations fanning out from the canceller to each ECANCELED point,
/// deadline ticks (missed ones red), children outliving their parent marked
/// "not structured", a time axis and a legend. Byte-identical for equal
/// models and options.
std::string render_svg(const trace::Model& model, const RenderOptions& options = {});

/// One self-contained HTML page (inline SVG, CSS and JS; loads nothing):
/// the SVG above plus tooltips listing each coroutine's events, the replay
/// line, click-to-collapse on lane labels, and zoom/pan in time (mouse wheel
/// and drag, or the buttons). Byte-identical for equal models and options.
std::string render_html(const trace::Model& model, const RenderOptions& options = {});

/// `text` safe as HTML or XML text and attribute values (&, <, >, " escaped).
std::string escape_markup(std::string_view text);

}  // namespace canopy::viewer
