// Whole-program mode's entry: the runtime asks it, through its environment
// hooks (canopy/runtime/environment.hpp), which platform the main thread runs on.
#pragma once

#include "canopy/runtime/platform.hpp"

namespace canopy::sim {

/// The simulated platform CANOPY_SEED or CANOPY_REPLAY ask for, or null when
/// neither is set. Exits with status 2 and a sentence naming the variable
/// when one is malformed. Called once, when the main thread first uses the
/// runtime.
runtime::Platform* platform_from_environment();

}  // namespace canopy::sim
