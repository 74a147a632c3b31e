// Socket objects as user handle types (hmake/hquery), the way any protocol
// of a user's own is made: the object starts with its struct dill_hvfs, lives
// in the caller's `_mem` storage or on the heap, and is destroyed by hclose.
#pragma once

#include <cerrno>
#include <cstddef>
#include <new>
#include <utility>

#include <libdillimpl.h>

namespace canopy::net {

/// The object of type T whose member at `offset` (offsetof) is `member`.
template <class T>
T* owner_of(void* member, std::size_t offset) {
  return reinterpret_cast<T*>(static_cast<char*>(member) - offset);
}

/// Builds a T in `mem` (or on the heap when null) and makes it a handle.
/// T has `dill_hvfs vfs_table` and `bool in_user_memory`, and its vfs_table close
/// calls destroy(). Returns the handle, or -1 with errno (ENOMEM, or what
/// hmake gives); on failure the object is destroyed without closing what
/// it was given (the caller still owns that).
template <class T, class... Args>
int make_handle(void* mem, T** made, Args&&... args) {
  void* where = mem ? mem : ::operator new(sizeof(T), std::nothrow);
  if (!where) return errno = ENOMEM, -1;
  T* object = new (where) T(std::forward<Args>(args)...);
  object->in_user_memory = mem != nullptr;
  int h = hmake(&object->vfs_table);
  if (h < 0) {
    int err = errno;
    object->~T();
    if (!mem) ::operator delete(where);
    errno = err;
    return -1;
  }
  if (made) *made = object;
  return h;
}

/// The end of an object made by make_handle (from its vfs_table close).
template <class T>
void destroy(T* object) {
  bool on_heap = !object->in_user_memory;
  object->~T();
  if (on_heap) ::operator delete(object);
}

}  // namespace canopy::net
