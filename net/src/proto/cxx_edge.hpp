// How the C++ face reads the C edge's results.
#pragma once

#define DILL_DISABLE_RAW_NAMES
#include <libdill.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "canopy/net/socket_handle.hpp"
#include "canopy/result.hpp"

namespace canopy::net::proto {

/// 0 or more: ok; -1: the errno it left.
inline status status_of(long rc) noexcept { return rc < 0 ? status{errno} : status{}; }

/// A handle handed back by a detach, owned again.
inline result<socket_handle> handed_back(int h) {
  if (h < 0) return status{errno};
  return socket_handle(h);
}

/// A C string for the C edge (string_views need not end in a zero); a zero
/// inside is EINVAL.
inline bool c_string(std::string_view in, std::string* out) {
  if (in.find('\0') != std::string_view::npos) return false;
  out->assign(in);
  return true;
}

}  // namespace canopy::net::proto
