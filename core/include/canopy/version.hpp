#pragma once

namespace canopy {
/// The library's version, "major.minor.patch".
const char* version() noexcept;
}  // namespace canopy
