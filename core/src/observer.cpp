// The Observer's default for the yield event: the Event every observer
// that does not take yields on a path of its own (the trace recorder, a
// test's) sees through record().
#include "canopy/runtime/event.hpp"

namespace canopy::runtime {

void Observer::yielded(CoroutineId id, std::int64_t time_ns) {
  record(Event{.kind = EventKind::block, .time_ns = time_ns, .coroutine = id, .reason = BlockReason::yield});
}

}  // namespace canopy::runtime
