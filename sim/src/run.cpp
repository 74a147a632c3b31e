// run(): one simulated run of a body on the calling thread.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>
#include <vector>

#include "abort_note.hpp"
#include "canopy/sim/run.hpp"
#include "failure.hpp"
#include "scheduler.hpp"
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

std::string leaked_coroutines(core::Scheduler& s) {
  std::string report = std::to_string(s.stats().live) +
                       " coroutine(s) still alive when the body returned (nobody closed their "
                       "handles or bundles):";
  s.for_each_coroutine([&](core::Coroutine& c) {
    if (!c.is_main) report += "\n  " + core::describe_coroutine(c);
  });
  return report;
}

std::string leaked_handles(core::Scheduler& s) {
  std::string report = std::to_string(s.handles().open_count()) +
                       " handle(s) still open when the body returned:";
  s.handles().for_each([&](int, core::Object* o) {
    report += std::string("\n  ") + runtime::to_string(o->kind) + " " + std::to_string(o->id);
  });
  return report + "\n  (close every handle: hclose, or let the C++ owner go out of scope)";
}

}  // namespace

outcome run_erased(const options& o, void (*body)(void*), void* context) {
  // One pool for every run on this thread: without it each run would map a
  // fresh slab of stacks and unmap it again, which is most of a short run's
  // cost. The scheduler gives abandoned coroutines' stacks back to it.
  thread_local core::StackPool stacks;
  detail::Simulation sim(o, detail::Simulation::mode::embedded);
  outcome out;
  {
    core::Scheduler s(sim.platform(), &stacks);
    detail::Simulation* previous_sim = detail::install_simulation(&sim);
    core::Scheduler* previous = core::Scheduler::install(&s);
    detail::set_abort_note(o.replay_line());
    Body b{body, context, {}};
    bool finished = s.run_main(run_body, &b);
    if (finished && !b.exception.empty()) sim.note_failure(failure_kind::crashed, b.exception);
    if (finished && o.check_leaks && sim.failure == failure_kind::none) {
      if (s.stats().live != 0) {
        sim.note_failure(failure_kind::coroutines_leaked, leaked_coroutines(s));
      } else if (s.handles().open_count() != 0) {
        sim.note_failure(failure_kind::handles_leaked, leaked_handles(s));
      }
    }
    sim.stats.spawned = s.stats().spawned;
    sim.stats.switches = s.stats().switches;
    sim.finish(out);
    detail::clear_abort_note();
    core::Scheduler::install(previous);
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
  core::Scheduler* s = core::Scheduler::current_if_any();
  if (s == nullptr || s->running_or_null() == nullptr) return 0;
  return s->running_or_null()->id;
}

std::int64_t elapsed_ms() {
  detail::Simulation* sim = detail::current_simulation();
  if (sim == nullptr) return 0;
  return sim->clock.now_ns() / 1'000'000 - epoch_ms;
}

bool active() { return detail::current_simulation() != nullptr; }

}  // namespace canopy::sim
