// Seeded numbers for the program under test (a scenario's random(), a
// workload's sizes), from a stream of the run's seed that is separate from
// the scheduler's: drawing one more number never changes the schedule.
#pragma once

#include <cstdint>

namespace canopy::sim {

class generator {
 public:
  /// The program's stream for `seed`; equal seeds give equal sequences on
  /// every platform and library version.
  explicit generator(std::uint64_t seed);
  std::uint64_t next();
  /// Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t state_;
};

}  // namespace canopy::sim
