// The runtime library's composition: the layers linked into it that answer
// core's questions about the environment (canopy/runtime/environment.hpp).
#include "canopy/runtime/environment.hpp"
#include "canopy/sim/environment.hpp"
#include "canopy/trace/environment.hpp"

namespace canopy::runtime {

const EnvironmentHooks linked_environment_hooks{
    /*platform=*/&sim::platform_from_environment,
    /*observer=*/&trace::observer_from_environment,
    /*process_ending=*/&trace::end_environment_trace,
};

}  // namespace canopy::runtime
