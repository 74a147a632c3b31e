// Resolving the C library functions the runtime calls, before any coroutine
// needs them.
#pragma once

namespace canopy::core {

/// Calls, once per process, every C library function the runtime may call
/// on a coroutine's stack. Why: with lazy binding, the first call through
/// a PLT entry enters the dynamic linker, which saves every vector register
/// on the calling stack (2-3 KiB with AVX-512). On a 1 KiB stack-on-stack
/// that first call would overflow into the parent's frame; made here, on
/// the thread's own stack, it costs nothing later.
void resolve_lazy_bindings();

}  // namespace canopy::core
