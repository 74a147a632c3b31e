// Typed unbuffered channels.
#pragma once

#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include "canopy/detail/api.hpp"
#include "canopy/detail/go_expression.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy {

namespace detail {
/// How a message of type T crosses: memcpy when that is a valid copy,
/// otherwise a move-construction straight into the receiver's storage.
template <class T>
constexpr void (*mover())(void*, void*) {
  if constexpr (std::is_trivially_copyable_v<T>) {
    return nullptr;
  } else {
    return &construct_closure<T>;
  }
}
}  // namespace detail

template <class T>
class channel;

/// A non-owning view of a channel's sending side, for passing to the
/// coroutines that send. Valid while the channel lives.
template <class T>
class sender {
 public:
  /// Blocks until a receiver takes `value` (moved into it), or fails:
  /// ended() after done(), timed_out(), cancelled().
  CANOPY_CALL_SITE status send(T value, deadline until = deadline::forever()) const {
    detail::choose_clause c{true, handle_, &value, sizeof(T), detail::mover<T>()};
    int err = 0;
    int r = detail::choose_one(c, until.ms(), err);
    return status{r < 0 ? -r : err};
  }
  /// No more messages: every receiver, blocked or later, gets ended().
  status done() const { return status{detail::chdone(handle_)}; }
  int native_handle() const noexcept { return handle_; }

 private:
  friend class channel<T>;
  explicit sender(int h) : handle_(h) {}
  int handle_;
};

/// A non-owning view of a channel's receiving side.
template <class T>
class receiver {
 public:
  /// The next message, or why there is none: ended(), timed_out(), cancelled().
  CANOPY_CALL_SITE result<T> recv(deadline until = deadline::forever()) const {
    alignas(T) unsigned char storage[sizeof(T)];
    detail::choose_clause c{false, handle_, storage, sizeof(T), nullptr};
    int err = 0;
    int r = detail::choose_one(c, until.ms(), err);
    if (r < 0) return status{-r};
    if (err != 0) return status{err};
    T* p = std::launder(reinterpret_cast<T*>(storage));
    result<T> out(std::move(*p));
    p->~T();
    return out;
  }
  int native_handle() const noexcept { return handle_; }

 private:
  friend class channel<T>;
  explicit receiver(int h) : handle_(h) {}
  int handle_;
};

/// An unbuffered channel of T: send() blocks until a receiver takes the
/// message. Owns both ends; destroying it ends both directions (EPIPE for
/// anyone still waiting). Declare it before the bundle or child that uses it
/// so that it outlives them.
template <class T>
class channel {
  static_assert(std::is_move_constructible_v<T>, "channel messages must be movable");

 public:
  /// Throws std::system_error when no channel can be made (ENOMEM).
  channel() {
    if (int err = detail::chmake(nullptr, ends_)) {
      throw std::system_error(err, std::generic_category(), "canopy::channel");
    }
  }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;
  ~channel() {
    (void)detail::hclose(ends_[1]);
    (void)detail::hclose(ends_[0]);
  }

  CANOPY_CALL_SITE status send(T value, deadline until = deadline::forever()) const {
    return tx().send(std::move(value), until);
  }
  CANOPY_CALL_SITE result<T> recv(deadline until = deadline::forever()) const {
    return rx().recv(until);
  }
  /// No more messages: every receiver, blocked or later, gets ended().
  status done() const { return tx().done(); }
  sender<T> tx() const { return sender<T>(ends_[1]); }
  receiver<T> rx() const { return receiver<T>(ends_[0]); }

 private:
  int ends_[2] = {-1, -1};  ///< [0] receives what [1] sends, as chmake
};

}  // namespace canopy
