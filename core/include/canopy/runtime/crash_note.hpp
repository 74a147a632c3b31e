// A line the runtime adds to its report when a coroutine overflows its stack.
#pragma once

namespace canopy::runtime {

/// Sets the line printed after every stack-overflow report (e.g. the
/// simulator's replay command); "" prints none. Copied; at most 1 KiB is
/// kept. Safe to call at any time; the report reads it from a signal handler.
void set_crash_note(const char* note);

}  // namespace canopy::runtime
