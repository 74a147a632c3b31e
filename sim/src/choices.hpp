// Where every seeded choice of a run comes from: one seam, two sources.
//
// A choice the replay line records -- which ready coroutine runs at a
// decision, whether a step is slow and how slow, a what-if injection at a
// blocking call -- is a virtual call of ChoiceSource, answered either by the
// seed's streams (SeededChoices) or by a fuzz input's bytes (InputChoices,
// canopy/sim/fuzz.hpp, CANOPY_FUZZ_INPUT). Either way the component that
// asked records the value as usual, so that the ordinary line repeats the
// run. Every other choice (timer order and jitter, directed cancellation's
// profiles and draws, the simulated network's latencies, pieces, buffers
// and faults, the order of ready real descriptors, pct's priorities) is the
// seed's in every run: drawn from a stream (rng.hpp) of the same object, so
// that one choice never shifts another's draws. Under a fuzz input that seed
// is the input's first 8 bytes, so every choice of the run comes from it.
//
// A new kind of recorded choice becomes one more virtual call here, with
// its seeded and its input form side by side.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "canopy/sim/options.hpp"
#include "rng.hpp"

namespace canopy::sim::detail {

class ChoiceSource {
 public:
  explicit ChoiceSource(std::uint64_t seed);
  virtual ~ChoiceSource() = default;
  ChoiceSource(const ChoiceSource&) = delete;
  ChoiceSource& operator=(const ChoiceSource&) = delete;

  // Recorded choices.
  /// Which of `ready` (>= 2) ready coroutines runs, for a strategy that
  /// draws its decisions (random, and every fuzz input's run).
  virtual std::size_t decision(std::size_t ready) = 0;
  /// The stream whose below(ready) every decision() is, or null when
  /// decisions come from elsewhere: the policy then draws inline, without
  /// a call at every step.
  virtual Rng* decision_stream() { return nullptr; }
  /// With slow steps on (slow_ms >= 1): how many ms the step about to run
  /// takes, 0 for a fast step.
  virtual int slow_step_ms(int slow_ms) = 0;
  /// With what-if injection on: ECANCELED or ETIMEDOUT to inject at this
  /// blocking call, or 0; `may_cancel` / `may_time_out` say which the call
  /// may see (what-if asks for it and the call allows it).
  virtual int whatif(int per_mille, bool may_cancel, bool may_time_out) = 0;

  // Choices the line leaves to the seed.
  /// Uniform in [0, n), n >= 1, from stream `s`.
  std::uint64_t below(stream s, std::uint64_t n) { return streams_[slot(s)].below(n); }
  /// 64 bits from stream `s` (sort keys, priorities, bytes).
  std::uint64_t next(stream s) { return streams_[slot(s)].next(); }
  /// A stream of coroutine `id`'s own, the same whatever else the run does
  /// (directed cancellation's per-coroutine profile).
  Rng coroutine_stream(std::uint64_t id, stream s) const;

 protected:
  /// The recorded choices' seeded streams, for SeededChoices.
  Rng& stream_of(stream s) { return streams_[slot(s)]; }

 private:
  static constexpr std::size_t stream_slots = 16;
  static_assert(static_cast<std::size_t>(stream::entropy) < stream_slots, "a slot for every stream");
  static std::size_t slot(stream s) { return static_cast<std::size_t>(s) % stream_slots; }
  std::uint64_t seed_;
  std::array<Rng, stream_slots> streams_;
};

/// Every choice from the seed's streams: an ordinary seeded run.
class SeededChoices final : public ChoiceSource {
 public:
  using ChoiceSource::ChoiceSource;
  std::size_t decision(std::size_t ready) override;
  Rng* decision_stream() override { return &stream_of(stream::schedule); }
  int slow_step_ms(int slow_ms) override;
  int whatif(int per_mille, bool may_cancel, bool may_time_out) override;
};

/// The recorded choices from a fuzz input's bytes, in the order the run
/// makes them (docs/fuzzing.md has the encoding); past their end, what a
/// replay does past the end of its lists: the oldest ready coroutine, and no
/// injection (and slow steps of 1 ms: slow_step_ms reads two zeros).
class InputChoices final : public ChoiceSource {
 public:
  /// Reads `bytes` (which must outlive this: the run's own options).
  InputChoices(std::uint64_t seed, const std::vector<std::uint8_t>& bytes) : ChoiceSource(seed), bytes_(bytes) {}
  std::size_t decision(std::size_t ready) override { return static_cast<std::size_t>(take_below(ready)); }
  int slow_step_ms(int slow_ms) override;
  int whatif(int per_mille, bool may_cancel, bool may_time_out) override;

 private:
  /// A choice in [0, n) for n >= 1, from as few next bytes as can name n
  /// values (one byte up to 256), little-endian, taken modulo n; 0 once the
  /// bytes run out.
  std::uint64_t take_below(std::uint64_t n);
  const std::vector<std::uint8_t>& bytes_;
  std::size_t next_ = 0;
};

/// The source `o` asks for: its fuzz input's bytes when it has some, else
/// its seed's streams.
std::unique_ptr<ChoiceSource> make_choice_source(const options& o);

}  // namespace canopy::sim::detail
