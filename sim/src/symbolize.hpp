// Names for code addresses that are the same in every run of one binary.
#pragma once

#include <string>

namespace canopy::sim::detail {

/// "module+0x1a2b (function+0x10)": the module's file name and the offset
/// inside it (stable under address-space randomization), plus the nearest
/// dynamic symbol when dladdr knows one. "unknown" for null.
std::string symbolize(const void* address);

}  // namespace canopy::sim::detail
