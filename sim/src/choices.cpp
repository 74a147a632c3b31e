// The two choice sources (choices.hpp): the seed's streams and a fuzz input's bytes.
#include "choices.hpp"

#include <cerrno>

namespace canopy::sim::detail {

namespace {
/// Slow steps: one step in this many is slow, when slow_ms is set.
constexpr std::uint64_t slow_step_one_in = 4;
}  // namespace

ChoiceSource::ChoiceSource(std::uint64_t seed) : seed_(seed) {
  for (std::size_t i = 0; i < stream_slots; ++i) streams_[i] = Rng(seed, static_cast<stream>(i));
}

Rng ChoiceSource::coroutine_stream(std::uint64_t id, stream s) const {
  return Rng(seed_ ^ (0xD1B54A32D192ED03ull * (id + 1)), s);
}

std::size_t SeededChoices::decision(std::size_t ready) {
  return static_cast<std::size_t>(decision_stream()->below(ready));
}

int SeededChoices::slow_step_ms(int slow_ms) {
  Rng& slow = stream_of(stream::slow);
  if (slow.below(slow_step_one_in) != 0) return 0;
  return 1 + static_cast<int>(slow.below(static_cast<std::uint64_t>(slow_ms)));
}

int SeededChoices::whatif(int per_mille, bool may_cancel, bool may_time_out) {
  Rng& inject = stream_of(stream::inject);
  if (inject.below(1000) >= static_cast<std::uint64_t>(per_mille)) return 0;
  if (may_cancel && may_time_out) return inject.below(2) == 0 ? ECANCELED : ETIMEDOUT;
  if (may_cancel) return ECANCELED;
  if (may_time_out) return ETIMEDOUT;
  return 0;
}

std::uint64_t InputChoices::take_below(std::uint64_t n) {
  if (n <= 1) return 0;
  // As many bytes as it takes to name n values, little-endian.
  std::uint64_t value = 0;
  int shift = 0;
  for (std::uint64_t span = n - 1; span != 0 && shift < 64; span >>= 8, shift += 8) {
    std::uint64_t byte = next_ < bytes_.size() ? bytes_[next_++] : 0;
    value |= byte << shift;
  }
  return value % n;
}

int InputChoices::slow_step_ms(int slow_ms) {
  // Past the end of the bytes both reads are 0: a slow step of 1 ms, which
  // the gap after each slow step (policy.cpp) spaces out.
  if (take_below(slow_step_one_in) != 0) return 0;
  return 1 + static_cast<int>(take_below(static_cast<std::uint64_t>(slow_ms)));
}

int InputChoices::whatif(int per_mille, bool may_cancel, bool may_time_out) {
  if (!may_cancel && !may_time_out) return 0;
  if (next_ >= bytes_.size()) return 0;
  const unsigned byte = bytes_[next_++];
  // Injects for bytes below per_mille/1000 of 256: 50 per mille is 0..12.
  if (byte * 1000u >= static_cast<unsigned>(per_mille) * 256u) return 0;
  if (may_cancel && may_time_out) return (byte & 1u) != 0 ? ETIMEDOUT : ECANCELED;
  return may_cancel ? ECANCELED : ETIMEDOUT;
}

std::unique_ptr<ChoiceSource> make_choice_source(const options& o) {
  if (o.fuzz_choices) return std::make_unique<InputChoices>(o.seed, *o.fuzz_choices);
  return std::make_unique<SeededChoices>(o.seed);
}

}  // namespace canopy::sim::detail
