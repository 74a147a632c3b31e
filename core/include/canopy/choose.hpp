// Waiting on several typed channel operations at once.
//
//   canopy::choose(canopy::after(100ms),
//       canopy::on_recv(jobs.rx(), [&](canopy::result<job> j) { ... }),
//       canopy::on_send(results.tx(), r, [&](canopy::status s) { ... }));
//
// The first clause that can complete does, in the order given; its handler
// is called with the outcome (a message, or EPIPE / EMSGSIZE), and choose
// returns its index. timed_out() / cancelled() when none completed.
#pragma once

#include <array>
#include <cstddef>
#include <new>
#include <tuple>
#include <utility>

#include "canopy/channel.hpp"

namespace canopy {

template <class T, class F>
class recv_clause {
 public:
  recv_clause(receiver<T> rx, F f) : rx_(rx), f_(std::move(f)) {}
  detail::choose_clause clause() {
    return {false, rx_.native_handle(), storage_, sizeof(T), nullptr};
  }
  void complete(int err) {
    if (err != 0) {
      f_(result<T>(status{err}));
      return;
    }
    T* p = std::launder(reinterpret_cast<T*>(storage_));
    result<T> r(std::move(*p));
    p->~T();
    f_(std::move(r));
  }

 private:
  receiver<T> rx_;
  F f_;
  alignas(T) unsigned char storage_[sizeof(T)];
};

template <class T, class F>
class send_clause {
 public:
  send_clause(sender<T> tx, T value, F f) : tx_(tx), value_(std::move(value)), f_(std::move(f)) {}
  detail::choose_clause clause() {
    return {true, tx_.native_handle(), &value_, sizeof(T), detail::mover<T>()};
  }
  void complete(int err) { f_(status{err}); }

 private:
  sender<T> tx_;
  T value_;
  F f_;
};

/// Receive from `rx`; `f(result<T>)` runs if this clause completes.
template <class T, class F>
recv_clause<T, F> on_recv(receiver<T> rx, F f) {
  return recv_clause<T, F>(rx, std::move(f));
}

/// Send `value` to `tx`; `f(status)` runs if this clause completes.
template <class T, class F>
send_clause<T, F> on_send(sender<T> tx, T value, F f) {
  return send_clause<T, F>(tx, std::move(value), std::move(f));
}

/// The index of the clause that completed (its handler has run), or why
/// none did: timed_out(), cancelled().
template <class... Clauses>
CANOPY_CALL_SITE result<std::size_t> choose(deadline until, Clauses&&... clauses) {
  static_assert(sizeof...(Clauses) > 0, "choose needs at least one clause");
  std::array<detail::choose_clause, sizeof...(Clauses)> raw{clauses.clause()...};
  int err = 0;
  int index;
  if constexpr (sizeof...(Clauses) == 1) {
    index = detail::choose_one(raw[0], until.ms(), err);
  } else if constexpr (sizeof...(Clauses) == 2) {
    index = detail::choose_two(raw.data(), until.ms(), err);
  } else {
    index = detail::choose(raw.data(), static_cast<int>(raw.size()), until.ms(), err);
  }
  if (index < 0) return status{-index};
  std::size_t i = 0;
  ((i++ == static_cast<std::size_t>(index) ? (clauses.complete(err), 0) : 0), ...);
  return static_cast<std::size_t>(index);
}

}  // namespace canopy
