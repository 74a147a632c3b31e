// Checks a rebuilt trace for structured-concurrency mistakes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "canopy/trace/model.hpp"

namespace canopy::trace {

/// Which rule a finding breaks.
enum class LintKind : std::uint8_t {
  /// A child was still alive after its closer's hclose returned (or after
  /// its bundle was closed): the close did not wait for it.
  child_outlived_close,
  /// A cancelled coroutine went on blocking (other than to close its own
  /// children) more than `max_blocks_after_ecanceled` times after ECANCELED
  /// was delivered to it.
  kept_blocking_after_ecanceled,
  /// During its grace period (cancel requested, not yet exited) a coroutine
  /// started a blocking call that was refused at once with ECANCELED: the
  /// cleanup it meant to do could not happen.
  refused_during_grace,
  /// A coroutine ran without blocking for more than `max_events_without_block`
  /// events it caused, or more than `max_run_ns` of trace time: it starves
  /// the others (missing yield()).
  never_yielding,
  /// A coroutine outlived its parent: it was still alive when its parent
  /// exited (Model::outlived_parent, the viewer's "not structured").
  orphan,
};

/// "child-outlived-close", "orphan", ...
const char* lint_name(LintKind kind);

/// Thresholds; the defaults suit real programs and simulations alike.
struct LintOptions {
  std::size_t max_blocks_after_ecanceled = 2;
  std::uint64_t max_events_without_block = 1000;
  std::int64_t max_run_ns = 100'000'000;  ///< 100 ms; ignored on "sim" clocks
};

/// One finding: which rule, the coroutines involved (with their spawn sites)
/// and the event numbers that show it.
struct Lint {
  LintKind kind = LintKind::orphan;
  std::vector<runtime::CoroutineId> coroutines;
  std::vector<std::string> sites;  ///< parallel to `coroutines`
  std::vector<std::uint64_t> seqs;
  std::string message;  ///< one sentence naming all of the above
};

/// Every finding, ordered by rule, then by first seq, then by coroutine.
std::vector<Lint> lint(const Model& model, const LintOptions& options = {});

/// "orphan: co 4 worker (a.cpp:9) ... [seq 12, 30]" — one line, no newline,
/// with control characters from the trace escaped (printable()).
std::string format_lint(const Lint& finding);

}  // namespace canopy::trace
