// Launching coroutines from C++: canopy::go returns the child's owning handle.
#pragma once

#include <cerrno>
#include <cstddef>
#include <source_location>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>

#include "canopy/detail/api.hpp"
#include "canopy/detail/go_expression.hpp"
#include "canopy/result.hpp"

namespace canopy {

/// How to run a coroutine.
struct go_options {
  /// Stack size in bytes; 0: the default (256 KiB, or CANOPY_STACK_BYTES).
  std::size_t stack_bytes = 0;
  /// Run on this memory instead of a pooled stack (no guard page: an
  /// overflow corrupts what lies below). At least 512 bytes.
  std::span<std::byte> stack_memory{};
  /// Name shown in traces and reports; default: the spawning function.
  const char* name = nullptr;
};

/// The owning handle of a running (or finished) child coroutine.
///
/// Destroying it closes it: the child is cancelled (every blocking call in
/// it fails with ECANCELED from then on) and the destructor returns only
/// once the child has exited. So a child never outlives the scope holding
/// its handle: structured concurrency by RAII.
class [[nodiscard]] child {
 public:
  child() noexcept = default;
  /// Adopts a handle from <libdill.h>'s go().
  explicit child(int handle) noexcept : handle_(handle) {}
  child(child&& other) noexcept : handle_(std::exchange(other.handle_, -1)) {}
  child& operator=(child&& other) noexcept {
    if (this != &other) {
      (void)close();
      handle_ = std::exchange(other.handle_, -1);
    }
    return *this;
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() { (void)close(); }

  /// Cancels the child and waits for it to exit; ok if it already had.
  status close() noexcept {
    if (handle_ < 0) return status{};
    return status{detail::hclose(std::exchange(handle_, -1))};
  }
  bool valid() const noexcept { return handle_ >= 0; }
  int native_handle() const noexcept { return handle_; }
  /// Gives up ownership: the caller must hclose() the handle.
  int release() noexcept { return std::exchange(handle_, -1); }

 private:
  int handle_ = -1;
};

namespace detail {
template <class F>
int spawn_callable(int bundle_handle, F&& f, const go_options& options,
                   const std::source_location& where) {
  using Fn = std::decay_t<F>;
  static_assert(std::is_invocable_v<Fn&>, "canopy::go needs something callable with no arguments");
  Fn local(std::forward<F>(f));
  runtime::SpawnRequest request;
  request.join = bundle_handle != -1;
  request.bundle_handle = bundle_handle;
  request.memory = options.stack_memory.data();
  request.memory_bytes = options.stack_memory.size();
  request.stack_bytes = options.stack_bytes;
  request.site = {where.file_name(), static_cast<int>(where.line()),
                  options.name != nullptr ? options.name : where.function_name()};
  return detail::spawn(request, {sizeof(Fn), alignof(Fn), &construct_closure<Fn>, &local, &run_closure<Fn>});
}
}  // namespace detail

/// Runs `f()` as a new coroutine at once; returns when it first blocks.
/// Throws std::system_error when no coroutine can be made (ENOMEM).
/// An exception escaping `f` is reported with the spawn site and ends the
/// process (or fails the simulated run): it has nowhere to go.
template <class F>
child go(F&& f, const go_options& options = {},
         std::source_location where = std::source_location::current()) {
  int h = detail::spawn_callable(-1, std::forward<F>(f), options, where);
  if (h < 0) throw std::system_error(-h, std::generic_category(), "canopy::go");
  return child(h);
}

}  // namespace canopy
