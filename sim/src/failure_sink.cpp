// What the runtime reports goes to the simulation, which ends the run.
#include "simulation.hpp"

namespace canopy::sim::detail {

void SimFailureSink::deadlock(const std::string& report) { sim_.fail(failure_kind::deadlock, report); }

void SimFailureSink::structure_broken(const std::string& report) {
  if (!sim_.opts().stop_at_structure_broken) {
    // Bounded: a program that breaks its structure in a loop keeps the first.
    if (sim_.structure_reports.size() < 100) sim_.structure_reports.push_back("structure broken: " + report);
    return;
  }
  // The structure is already broken; running on would only report
  // consequences of it, so the run ends here.
  sim_.fail(failure_kind::structure_broken, "structure broken: " + report);
}

void SimFailureSink::crashed(const std::string& report) { sim_.fail(failure_kind::crashed, report); }

}  // namespace canopy::sim::detail
