#include "cxx_edge.hpp"

namespace canopy::net {

status socket_handle::close() noexcept {
  if (h_ < 0) return status{};
  return proto::status_of(dill_hclose(std::exchange(h_, -1)));
}

}  // namespace canopy::net
