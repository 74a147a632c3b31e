// How <libdill.h>'s go() macro works in C++: the call expression becomes a
// lambda that is moved onto the child's stack and run there.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

extern "C" int canopy_go_closure(void* mem, std::size_t len, int join, int bndl, const char* file, int line,
                                 const char* expr, std::size_t closure_bytes,
                                 std::size_t closure_align, void (*construct)(void*, void*),
                                 void* src, void (*run)(void*));

namespace canopy::detail {

/// Moves the callable at `src` into the raw storage at `dst`.
template <class F>
void construct_closure(void* dst, void* src) {
  new (dst) F(std::move(*static_cast<F*>(src)));
}

/// Runs the callable stored at `p`, then destroys it.
template <class F>
void run_closure(void* p) {
  F& f = *static_cast<F*>(p);
  struct Destroy {
    F& f;
    ~Destroy() { f.~F(); }
  } destroy{f};
  f();
}

template <class F>
int go_expression(F&& f, void* mem, std::size_t len, int join, int bndl, const char* file,
                  int line, const char* expr) {
  using Fn = std::decay_t<F>;
  return canopy_go_closure(mem, len, join, bndl, file, line, expr, sizeof(Fn), alignof(Fn),
                           &construct_closure<Fn>, const_cast<void*>(static_cast<const void*>(std::addressof(f))), &run_closure<Fn>);
}

}  // namespace canopy::detail
