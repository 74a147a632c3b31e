// The names event.hpp promises: defined here so that the runtime's names and
// the trace format's names are one table (names_table.hpp).
#include "../common/event_schema.hpp"
#include "../common/names_table.hpp"

#include "canopy/runtime/event.hpp"

namespace canopy::runtime {

const char* to_string(BlockReason reason) {
  return trace::names::name_at(trace::names::block_reasons, static_cast<std::size_t>(reason));
}

const char* to_string(ObjectKind kind) {
  return trace::names::name_at(trace::names::object_kinds, static_cast<std::size_t>(kind));
}

const char* to_string(EventKind kind) { return trace::schema::name(kind); }

}  // namespace canopy::runtime
