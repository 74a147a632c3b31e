// The socket seam's accessor: which Sockets this thread's network calls use.
#include "canopy/runtime/sockets.hpp"

#include "scheduler.hpp"

namespace canopy::runtime {

Sockets* platform_sockets() { return core::Scheduler::current().platform().sockets; }

}  // namespace canopy::runtime
