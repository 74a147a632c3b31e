// Names for code addresses that are the same in every run of one binary.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace canopy::sim::detail {

/// "module+0x1a2b (function+0x10)": the module's file name and the offset
/// inside it (stable under address-space randomization), plus the nearest
/// dynamic symbol when dladdr knows one. "unknown" for null.
std::string symbolize(const void* address);
/// symbolize(), remembered per thread: every run of a sweep meets the same
/// call sites, and dladdr is most of what naming one costs. (A map looked
/// up by address, never iterated. Code unloaded by dlclose and other code
/// loaded at its address would keep the old name.)
const std::string& symbolize_cached(const void* address);

/// For sites symbolize() named inside the running executable: site ->
/// "function at file:line", from one run of addr2line (binutils) over the
/// executable's debug information. Sites it cannot place, and every site
/// when addr2line is missing, are left out. For reports, never for traces.
std::map<std::string, std::string> source_lines(const std::vector<std::string>& sites);

}  // namespace canopy::sim::detail
