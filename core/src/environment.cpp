// Asking the linked layers about the environment (canopy/runtime/environment.hpp).
#include "canopy/runtime/environment.hpp"

namespace canopy::runtime {

Observer* observer_from_environment(bool clock_is_simulated) {
  const EnvironmentHooks& hooks = linked_environment_hooks;
  return hooks.observer != nullptr ? hooks.observer(clock_is_simulated) : nullptr;
}

}  // namespace canopy::runtime
