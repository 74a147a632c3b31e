// Outcomes that cannot be silently ignored.
#pragma once

#include <cerrno>
#include <system_error>
#include <utility>
#include <variant>

namespace canopy {

/// The outcome of an operation that returns nothing: success, or an errno
/// value (ECANCELED, ETIMEDOUT, EPIPE, ...). [[nodiscard]]: dropping one
/// without looking is a compile warning, because ECANCELED is how a
/// cancelled coroutine learns it must clean up and exit.
class [[nodiscard]] status {
 public:
  constexpr status() noexcept = default;
  /// 0 is success; anything else an errno value.
  constexpr explicit status(int err) noexcept : err_(err) {}
  constexpr bool ok() const noexcept { return err_ == 0; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  /// The errno value, 0 on success.
  constexpr int error() const noexcept { return err_; }
  std::error_code code() const noexcept { return {err_, std::generic_category()}; }
  constexpr bool cancelled() const noexcept { return err_ == ECANCELED; }
  constexpr bool timed_out() const noexcept { return err_ == ETIMEDOUT; }
  constexpr bool ended() const noexcept { return err_ == EPIPE; }
  /// Throws std::system_error unless ok().
  void throw_if_error(const char* what) const {
    if (!ok()) throw std::system_error(code(), what);
  }
  friend constexpr bool operator==(status a, status b) noexcept { return a.err_ == b.err_; }

 private:
  int err_ = 0;
};

/// A value, or the errno value saying why there is none.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(status failure) : v_(std::in_place_index<1>, failure.error()) {}  // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  status error() const noexcept { return ok() ? status{} : status{std::get<1>(v_)}; }
  /// The value; throws std::system_error when there is none.
  T& value() & {
    if (!ok()) throw std::system_error(error().code(), "canopy::result has no value");
    return std::get<0>(v_);
  }
  T&& value() && { return std::move(value()); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, int> v_;
};

}  // namespace canopy
