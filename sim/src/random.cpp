#include "canopy/sim/random.hpp"

#include "rng.hpp"

namespace canopy::sim {

// The state is a detail::Rng's, kept as a plain integer so that the public
// header does not expose the internal class.
generator::generator(std::uint64_t seed) : state_(detail::Rng(seed, detail::stream::scenario).state()) {}

std::uint64_t generator::next() {
  detail::Rng r = detail::Rng::from_state(state_);
  std::uint64_t v = r.next();
  state_ = r.state();
  return v;
}

std::uint64_t generator::below(std::uint64_t n) {
  detail::Rng r = detail::Rng::from_state(state_);
  std::uint64_t v = r.below(n);
  state_ = r.state();
  return v;
}

}  // namespace canopy::sim
