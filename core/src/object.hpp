// The base of everything a handle can name.
#pragma once

#include "canopy/runtime/event.hpp"

namespace canopy::core {

struct Coroutine;

struct Object {
  runtime::ObjectKind kind;   ///< which struct this really is
  int handle = -1;            ///< the handle naming it (hown changes it); -1: none (a bundle member)
  runtime::ObjectId id = 0;   ///< per-scheduler sequence number, for traces and reports
  Coroutine* owner = nullptr; ///< who opened it: a coroutine must not exit while owning running children
  Object* owned_prev = nullptr;  ///< neighbours in owner's list of open children
  Object* owned_next = nullptr;

  explicit Object(runtime::ObjectKind k) : kind(k) {}
};

}  // namespace canopy::core
