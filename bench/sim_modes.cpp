// Seeds needed per realizable mode to find each latent bug of the corpus
// (tests/sim/support/corpus.c), beside PCT's bound, and bugs found per
// CPU-second per mode. Prints Markdown tables (docs/simulation.md, section
// "Measured"). Usage: canopy_sim_modes [SEED_LIMIT] (default 1000).
#include <canopy/sim/run.hpp>

#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../tests/sim/support/corpus.h"
#include "../tests/sim/support/modes.hpp"

namespace sim = canopy::sim;

extern "C" void corpus_fail(const char* why) { sim::fail(why); }

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string bound_text(double v) {
  char text[32];
  if (v < 1e6) {
    std::snprintf(text, sizeof text, "%.0f", v);
  } else {
    std::snprintf(text, sizeof text, "%.1e", v);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t limit = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  if (limit == 0 || limit > 1'000'000) {
    std::fprintf(stderr, "usage: canopy_sim_modes [SEED_LIMIT in 1..1000000]\n");
    return 2;
  }
  std::vector<sim_modes::mode> modes;
  for (const sim_modes::mode& m : sim_modes::realizable())
    if (m.options.strategy != sim::strategy::fifo) modes.push_back(m);
  std::vector<double> cpu(modes.size(), 0.0);
  std::vector<int> found(modes.size(), 0);

  std::printf("Seeds until the first failure (seeds 1..%llu; - = not found):\n\n| bug |",
              static_cast<unsigned long long>(limit));
  for (const auto& m : modes) std::printf(" %s |", m.name.c_str());
  std::printf(" PCT bound d=1 / 2 / 3 |\n|---|");
  for (std::size_t i = 0; i <= modes.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const corpus_program* p = corpus_bugs; p->name != nullptr; ++p) {
    std::printf("| %s |", p->name);
    for (std::size_t i = 0; i < modes.size(); ++i) {
      sim::options o = modes[i].options;
      double start = cpu_seconds();
      std::uint64_t needed = 0;
      for (o.seed = 1; o.seed <= limit; ++o.seed) {
        if (!sim::run(o, [&] { p->body(); }).passed) {
          needed = o.seed;
          break;
        }
      }
      cpu[i] += cpu_seconds() - start;
      if (needed != 0) ++found[i];
      std::printf(needed != 0 ? " %llu |" : " - |", static_cast<unsigned long long>(needed));
    }
    // PCT's guarantee for a bug of depth d: at least 1/(k n^(d-1)) per run,
    // k coroutines and n steps (from the fifo run): expected seeds at most k n^(d-1).
    sim::options f;
    f.strategy = sim::strategy::fifo;
    sim::outcome r = sim::run(f, [&] { p->body(); });
    double k = static_cast<double>(r.stats.spawned + 1), n = static_cast<double>(r.stats.steps);
    std::printf(" %s / %s / %s |\n", bound_text(k).c_str(), bound_text(k * n).c_str(), bound_text(k * n * n).c_str());
  }
  std::printf("\nBugs found per CPU-second (each mode sweeps each bug until its first failure or the limit):\n\n"
              "| mode | bugs found (of 8) | CPU seconds | bugs per CPU-second |\n|---|---|---|---|\n");
  for (std::size_t i = 0; i < modes.size(); ++i) {
    std::printf("| %s | %d | %.3f | %.0f |\n", modes[i].name.c_str(), found[i], cpu[i],
                cpu[i] > 0 ? found[i] / cpu[i] : 0.0);
  }
  return 0;
}
