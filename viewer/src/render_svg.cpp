#include "canopy/viewer/render.hpp"
#include "draw.hpp"

namespace canopy::viewer {

std::string render_svg(const trace::Model& model, const RenderOptions& options) {
  detail::Geometry geometry;
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + detail::draw_svg(model, options, false, geometry);
}

}  // namespace canopy::viewer
