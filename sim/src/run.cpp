// run(): one simulated run of a body on the calling thread.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>
#include <vector>

#include "abort_note.hpp"
#include "canopy/runtime/embedding.hpp"
#include "canopy/sim/coverage.hpp"
#include "canopy/sim/run.hpp"
#include "simulation.hpp"

namespace canopy::sim {

namespace {

struct Body {
  void (*fn)(void*);
  void* context;
  std::string exception;  ///< set when the body threw
};

void run_body(void* p) {
  auto& b = *static_cast<Body*>(p);
  // Caught here, not in a coroutine: an exception escaping the run would
  // unwind through frames the scheduler still owns.
  try {
    b.fn(b.context);
  } catch (const std::exception& e) {
    b.exception = std::string("the body threw ") + typeid(e).name() + ": " + e.what();
  } catch (...) {
    b.exception = "the body threw an exception of unknown type";
  }
}

std::string leaked_coroutines(const runtime::SchedulerCounters& counters) {
  return std::to_string(counters.live_coroutines) +
         " coroutine(s) still alive when the body returned (nobody closed their handles or "
         "bundles):" +
         runtime::describe_live_coroutines();
}

std::string leaked_handles(const runtime::SchedulerCounters& counters) {
  return std::to_string(counters.open_handles) + " handle(s) still open when the body returned:" +
         runtime::describe_open_handles() +
         "\n  (close every handle: hclose, or let the C++ owner go out of scope)";
}

}  // namespace

outcome run_erased(const options& o, void (*body)(void*), void* context) {
  // The embedded scheduler takes its stacks from a pool kept per thread, so
  // that many short runs map no memory.
  detail::Simulation sim(o, detail::Simulation::mode::embedded);
  outcome out;
  {
    detail::Simulation* previous_sim = detail::install_simulation(&sim);
    runtime::EmbeddedScheduler s(sim.platform());
    detail::set_abort_note(o.replay_line());
    Body b{body, context, {}};
    bool finished = s.run_main(run_body, &b);
    const runtime::SchedulerCounters counters = runtime::current_counters();
    if (finished && !b.exception.empty()) sim.note_failure(failure_kind::crashed, b.exception);
    if (finished && o.check_leaks && sim.failure == failure_kind::none) {
      if (counters.live_coroutines != 0) {
        sim.note_failure(failure_kind::coroutines_leaked, leaked_coroutines(counters));
      } else if (counters.open_handles != 0) {
        sim.note_failure(failure_kind::handles_leaked, leaked_handles(counters));
      }
    }
    sim.stats.spawned = counters.spawned;
    sim.stats.switches = counters.switches;
    sim.finish(out);
    if (o.coverage != nullptr) o.coverage->add(out);
    detail::clear_abort_note();
    detail::install_simulation(previous_sim);
  }
  return out;
}

void fail(const std::string& what) {
  detail::Simulation* sim = detail::current_simulation();
  if (sim == nullptr) {
    std::fprintf(stderr, "canopy::sim::fail outside a simulated run: %s\n", what.c_str());
    std::abort();
  }
  sim->fail(failure_kind::body_failed, what);
}

std::uint64_t current_coroutine() {
  return runtime::running_coroutine();
}

std::int64_t elapsed_ms() {
  detail::Simulation* sim = detail::current_simulation();
  if (sim == nullptr) return 0;
  return sim->clock.now_ns() / 1'000'000 - epoch_ms;
}

bool active() { return detail::current_simulation() != nullptr; }

}  // namespace canopy::sim
