// The simulator's random numbers: splitmix64, written out here rather than
// taken from <random> because the standard distributions differ between
// library versions and a seed must mean the same run everywhere.
#pragma once

#include <cstdint>

namespace canopy::sim::detail {

/// Independent streams drawn from one seed, so that e.g. adding a timer does
/// not change which coroutine the scheduler picks next. A run draws from
/// them through its ChoiceSource (choices.hpp).
enum class stream : std::uint64_t {
  schedule = 1,
  timers = 2,
  jitter = 3,
  inject = 4,
  network = 5,
  scenario = 6,
  real_fds = 7,
  faults = 8,
  sockets = 9,
  slow = 10,
  auto_pick = 11,
  directed = 12,
  directed_slow = 13,
  directed_late = 14,
  entropy = 15,  ///< the simulated network's random_bytes (websocket masks)
};

class Rng {
 public:
  Rng() = default;
  Rng(std::uint64_t seed, stream s) : state_(mix(seed ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(s)))) {}

  /// For canopy::sim::generator, which keeps the state as a plain integer.
  static Rng from_state(std::uint64_t state) {
    Rng r;
    r.state_ = state;
    return r;
  }
  std::uint64_t state() const { return state_; }

  std::uint64_t next() {
    std::uint64_t z = (state_ += golden_gamma);
    return mix_step(z);
  }
  /// What next() will return, without drawing it.
  std::uint64_t peek() const { return mix_step(state_ + golden_gamma); }
  /// Draws the value peek() gave, without mixing it again.
  void skip() { state_ += golden_gamma; }
  /// Uniform in [0, n); n > 0. Multiply-shift: the bias is below 2^-32 for
  /// the sizes a scheduler sees.
  std::uint64_t below(std::uint64_t n) { return scaled_below(next(), n); }
  /// A draw `value` mapped into [0, n), as below(n) maps its own.
  static std::uint64_t scaled_below(std::uint64_t value, std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(value) * n) >> 64);
  }

 private:
  static constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ull;
  static std::uint64_t mix_step(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static std::uint64_t mix(std::uint64_t z) { return mix_step(z + 0x9E3779B97F4A7C15ull); }
  std::uint64_t state_ = 0;
};

/// One stream's below(n), with the value of the draw after it already
/// mixed: a draw is a load and a multiply, and the mixing of the next (two
/// dependent multiplies) runs beside the caller's work instead of before
/// it. A scheduler's pick waits on its index to know where to switch.
/// Draws exactly what the stream's own below(n) would, and mixes afresh if
/// something else drew from the stream in between.
class DrawAhead {
 public:
  DrawAhead() = default;
  explicit DrawAhead(Rng& stream) : stream_(&stream) { mix_next(); }
  bool on() const { return stream_ != nullptr; }
  /// Uniform in [0, n), n > 0: the stream's below(n).
  std::uint64_t below(std::uint64_t n) {
    if (__builtin_expect(stream_->state() != ahead_for_state_, 0)) mix_next();
    const std::uint64_t value = peek_below(n);
    take();
    return value;
  }
  /// Nothing else drew from the stream since the next value was mixed:
  /// below(n) is then peek_below(n) followed by take().
  bool fresh() const { return stream_ != nullptr && stream_->state() == ahead_for_state_; }
  /// What below(n) would return, when fresh(), without drawing it.
  std::uint64_t peek_below(std::uint64_t n) const { return Rng::scaled_below(ahead_, n); }
  /// Draws the value peek_below() read.
  void take() {
    stream_->skip();
    mix_next();
  }

 private:
  void mix_next() {
    ahead_for_state_ = stream_->state();
    ahead_ = stream_->peek();
  }
  Rng* stream_ = nullptr;
  std::uint64_t ahead_ = 0;            ///< what the stream's next() returns
  std::uint64_t ahead_for_state_ = 0;  ///< the stream's state ahead_ was mixed at
};

}  // namespace canopy::sim::detail
