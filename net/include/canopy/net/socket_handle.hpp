// Any socket owned as a handle: what a protocol's detach hands back, and
// what the C++ face makes of a handle from the C API.
#pragma once

#include "canopy/net/owned_handle.hpp"

namespace canopy::net {

/// Owns a socket handle of any kind (a TCP or IPC connection, a protocol
/// layered on one...): closed at once (hclose) when it goes.
class socket_handle : public owned_handle {
 public:
  /// Takes over `h`.
  explicit socket_handle(int h) noexcept : owned_handle(h) {}
};

}  // namespace canopy::net
