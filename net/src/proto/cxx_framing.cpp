#include "canopy/net/framing.hpp"

#include "cxx_edge.hpp"

namespace canopy::net {

using proto::handed_back;
using proto::status_of;

status message_socket::send(std::span<const std::byte> message, deadline until) {
  return status_of(dill_msend(native_handle(), message.data(), message.size(), until.ms()));
}

result<std::size_t> message_socket::recv(std::span<std::byte> buffer, deadline until) {
  ssize_t n = dill_mrecv(native_handle(), buffer.data(), buffer.size(), until.ms());
  if (n < 0) return status{errno};
  return static_cast<std::size_t>(n);
}

result<prefix_socket> prefix_socket::attach(owned_handle&& stream, std::size_t header_bytes,
                                            byte_order order) {
  int flags = order == byte_order::little_endian ? DILL_PREFIX_LITTLE_ENDIAN : DILL_PREFIX_BIG_ENDIAN;
  int h = dill_prefix_attach(stream.release(), header_bytes, flags);
  if (h < 0) return status{errno};
  return prefix_socket(h);
}

result<socket_handle> prefix_socket::detach() && { return handed_back(dill_prefix_detach(release())); }

result<suffix_socket> suffix_socket::attach(owned_handle&& stream, std::span<const std::byte> delimiter) {
  int h = dill_suffix_attach(stream.release(), delimiter.data(), delimiter.size());
  if (h < 0) return status{errno};
  return suffix_socket(h);
}

result<socket_handle> suffix_socket::detach(deadline until) && {
  return handed_back(dill_suffix_detach(release(), until.ms()));
}

result<term_socket> term_socket::attach(owned_handle&& messages, std::span<const std::byte> terminal) {
  int h = dill_term_attach(messages.release(), terminal.data(), terminal.size());
  if (h < 0) return status{errno};
  return term_socket(h);
}

status term_socket::done(deadline until) { return status_of(dill_term_done(native_handle(), until.ms())); }

result<socket_handle> term_socket::detach(deadline until) && {
  return handed_back(dill_term_detach(release(), until.ms()));
}

}  // namespace canopy::net
