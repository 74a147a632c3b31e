// An owned socket handle: what the protocols' C++ types are attached over
// and hand back when detached.
#pragma once

#include <utility>

#include "canopy/result.hpp"

namespace canopy::net {

/// Owns one handle of <libdill.h> (a TCP or IPC connection, a protocol
/// layered on one...): closed with hclose when it goes. Move-only.
class socket_handle {
 public:
  socket_handle() noexcept = default;
  /// Takes over `h` (may be -1: empty).
  explicit socket_handle(int h) noexcept : h_(h) {}
  socket_handle(socket_handle&& other) noexcept : h_(std::exchange(other.h_, -1)) {}
  socket_handle& operator=(socket_handle&& other) noexcept {
    if (this != &other) {
      (void)close();
      h_ = std::exchange(other.h_, -1);
    }
    return *this;
  }
  socket_handle(const socket_handle&) = delete;
  socket_handle& operator=(const socket_handle&) = delete;
  ~socket_handle() { (void)close(); }

  /// The handle, still owned.
  int get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ >= 0; }
  /// Gives the handle up to the caller, who closes it.
  int release() noexcept { return std::exchange(h_, -1); }
  /// Closes now (hclose: abrupt, no handshake); ok when empty.
  status close() noexcept;

 private:
  int h_ = -1;  ///< the handle, -1 when empty
};

}  // namespace canopy::net
