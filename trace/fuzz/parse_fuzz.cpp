// libFuzzer target: the parser must never crash, whatever the bytes, and an
// error must always name a line. Build with clang (see trace/CMakeLists.txt)
// and run: canopy_trace_parse_fuzz -max_len=4096 tests/trace/golden/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "canopy/trace/lint.hpp"
#include "canopy/trace/model.hpp"
#include "canopy/trace/read.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  canopy::trace::ParseResult result = canopy::trace::parse_trace(text);
  if (!result.ok) {
    if (result.error.line == 0 || result.error.message.empty()) std::abort();
    return 0;
  }
  // A trace that parses must also survive rebuilding and linting.
  canopy::trace::Model model = canopy::trace::build_model(std::move(result.trace));
  (void)canopy::trace::lint(model);
  return 0;
}
