// Turning a hit on a guard page into a report that names the coroutine.
#pragma once

namespace canopy::core {

/// Installs, once per process, a SIGSEGV handler that recognises a fault in
/// the running coroutine's guard region, and gives the calling thread an
/// alternate signal stack for it (the overflowed stack has no room left).
/// Faults that are not stack overflows go to the handler that was there
/// before (the default, or a sanitizer's).
void install_stack_guard_for_thread();
}  // namespace canopy::core
