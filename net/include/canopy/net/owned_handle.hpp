// A handle that is closed when its owner goes: the base of the network
// layer's C++ types.
#pragma once

#include <utility>

#include "canopy/detail/api.hpp"

namespace canopy::net {

class owned_handle {
 public:
  owned_handle(owned_handle&& other) noexcept : handle_(std::exchange(other.handle_, -1)) {}
  owned_handle& operator=(owned_handle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, -1);
    }
    return *this;
  }
  owned_handle(const owned_handle&) = delete;
  owned_handle& operator=(const owned_handle&) = delete;
  /// Closes at once (hclose): no graceful shutdown.
  ~owned_handle() { reset(); }

  /// The handle, for the C API; -1 once closed or released.
  int native_handle() const noexcept { return handle_; }
  /// Gives the handle up: the caller closes it.
  int release() noexcept { return std::exchange(handle_, -1); }
  bool is_open() const noexcept { return handle_ >= 0; }

 protected:
  explicit owned_handle(int handle) noexcept : handle_(handle) {}
  void reset() noexcept {
    if (handle_ >= 0) (void)detail::hclose(std::exchange(handle_, -1));
  }

 private:
  int handle_ = -1;
};

}  // namespace canopy::net
