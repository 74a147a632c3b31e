// A bundle: any number of coroutines behind one handle.
#pragma once

#include <source_location>
#include <system_error>
#include <utility>

#include "canopy/child.hpp"
#include "canopy/time.hpp"

namespace canopy {

/// Owns a set of coroutines. Destroying it cancels every member that is
/// still running, all at once, and returns when the last has exited; give
/// them a grace period first with wait().
class bundle {
 public:
  /// Throws std::system_error when no bundle can be made (ENOMEM).
  bundle() : handle_(detail::bundle_open(nullptr)) {
    if (handle_ < 0) throw std::system_error(-handle_, std::generic_category(), "canopy::bundle");
  }
  bundle(bundle&& other) noexcept : handle_(std::exchange(other.handle_, -1)) {}
  bundle& operator=(bundle&& other) noexcept {
    if (this != &other) {
      (void)close();
      handle_ = std::exchange(other.handle_, -1);
    }
    return *this;
  }
  bundle(const bundle&) = delete;
  bundle& operator=(const bundle&) = delete;
  ~bundle() { (void)close(); }

  /// Runs `f()` as a member, at once. Throws std::system_error (ENOMEM, or
  /// EBADF after close()).
  template <class F>
  void go(F&& f, const go_options& options = {},
          std::source_location where = std::source_location::current()) {
    if (handle_ < 0) throw std::system_error(EBADF, std::generic_category(), "canopy::bundle::go after close");
    int r = detail::spawn_callable(handle_, std::forward<F>(f), options, where);
    if (r < 0) throw std::system_error(-r, std::generic_category(), "canopy::bundle::go");
  }
  /// Ok once every member has finished; timed_out() at the deadline with
  /// members still running; cancelled() if the caller is being closed.
  CANOPY_CALL_SITE status wait(deadline until) { return status{detail::bundle_wait(handle_, until.ms())}; }
  /// Cancels the members still running and waits until they have exited.
  status close() noexcept {
    if (handle_ < 0) return status{};
    return status{detail::hclose(std::exchange(handle_, -1))};
  }
  int native_handle() const noexcept { return handle_; }

 private:
  int handle_;
};

}  // namespace canopy
