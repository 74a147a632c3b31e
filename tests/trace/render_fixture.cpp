// Renders a trace to HTML for html_in_browser.sh: render_fixture TRACE OUT.
#include <cstdio>
#include <fstream>

#include "canopy/trace/read.hpp"
#include "canopy/viewer/render.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s TRACE OUT.html\n", argv[0]);
    return 2;
  }
  canopy::trace::ParseResult parsed = canopy::trace::read_trace_file(argv[1]);
  if (!parsed.ok) {
    std::fprintf(stderr, "%s:%zu: %s\n", argv[1], parsed.error.line, parsed.error.message.c_str());
    return 2;
  }
  const canopy::trace::Model model = canopy::trace::build_model(std::move(parsed.trace));
  std::ofstream out(argv[2], std::ios::binary);
  out << canopy::viewer::render_html(model);
  return out.good() ? 0 : 2;
}
