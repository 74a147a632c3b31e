// A user handle: an object of the program's own type, made with hmake
// (<libdillimpl.h>), that the runtime knows only through its function table.
#pragma once

#include "object.hpp"

struct dill_hvfs;

namespace canopy::core {

struct UserHandle : Object {
  dill_hvfs* vfs = nullptr;  ///< the user's table: query and close are called through it
  int handle = -1;           ///< its handle, changed by hown

  UserHandle() : Object(runtime::ObjectKind::user) {}
};

}  // namespace canopy::core
