// A bundle: a set of coroutines named by one handle, cancelled together.
#pragma once

#include <cstddef>

#include "object.hpp"

namespace canopy::core {

struct Coroutine;
struct Wait;

struct Bundle : Object {
  Coroutine* members_head = nullptr;  ///< running members, oldest first: cancelled in spawn order
  Coroutine* members_tail = nullptr;
  std::size_t member_count = 0;
  Wait* waiters = nullptr;         ///< coroutines in bundle_wait on it
  Coroutine* closer = nullptr;     ///< who waits in hclose for the last member
  bool closing = false;            ///< hclose began: no new members
  bool user_memory = false;        ///< placed in bundle_mem() memory: not deleted
  bool hidden = false;             ///< what a go() handle became (bundle_go, bundle_wait on it): no node of its own in traces

  Bundle() : Object(runtime::ObjectKind::bundle) {}
};

}  // namespace canopy::core
