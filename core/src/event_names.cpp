// The names event.hpp promises, looked up in its tables.
#include <cstddef>

#include "canopy/runtime/event.hpp"

namespace canopy::runtime {

namespace {

/// table[index], or "?" when a value cast from garbage is out of range: a
/// report must still print something.
template <std::size_t N>
const char* name_at(const char* const (&table)[N], std::size_t index) {
  return index < N ? table[index] : "?";
}

}  // namespace

const char* to_string(BlockReason reason) {
  return name_at(block_reason_names, static_cast<std::size_t>(reason));
}

const char* to_string(ObjectKind kind) {
  return name_at(object_kind_names, static_cast<std::size_t>(kind));
}

const char* to_string(EventKind kind) {
  return name_at(event_kind_names, static_cast<std::size_t>(kind));
}

}  // namespace canopy::runtime
