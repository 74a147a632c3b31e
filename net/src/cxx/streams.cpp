// The C++ face's TCP and IPC streams and listeners over the C API's.
#include <libdill.h>

#include "canopy/net/ipc.hpp"
#include "canopy/net/tcp.hpp"

namespace canopy::net {

namespace {
status outcome(int rc) { return rc == 0 ? status{} : status{errno}; }
}  // namespace

status byte_stream::send(std::span<const std::byte> bytes, deadline until) {
  return outcome(dill_bsend(native_handle(), bytes.data(), bytes.size(), until.ms()));
}
status byte_stream::recv(std::span<std::byte> bytes, deadline until) {
  return outcome(dill_brecv(native_handle(), bytes.data(), bytes.size(), until.ms()));
}
status byte_stream::done() { return outcome(done_call(native_handle())); }
status byte_stream::close(deadline until) {
  if (!is_open()) return status{EBADF};
  // The close call closes the handle in every case.
  return outcome(close_call(release(), until.ms()));
}

result<tcp_stream> tcp_stream::connect(const ip_address& to, deadline until) {
  int h = dill_tcp_connect(static_cast<const dill_ipaddr*>(to.native()), until.ms());
  if (h < 0) return status{errno};
  return tcp_stream(h);
}
result<tcp_stream> tcp_stream::connect(const char* name, int port, deadline until) {
  int h = dill_happyeyeballs_connect(name, port, until.ms());
  if (h < 0) return status{errno};
  return tcp_stream(h);
}
int tcp_stream::done_call(int handle) { return dill_tcp_done(handle, -1); }
int tcp_stream::close_call(int handle, std::int64_t deadline_ms) {
  return dill_tcp_close(handle, deadline_ms);
}

result<tcp_listener> tcp_listener::listen(const ip_address& on, int backlog) {
  ip_address where = on;  // tcp_listen writes back the chosen port
  int h = dill_tcp_listen(static_cast<dill_ipaddr*>(where.native()), backlog);
  if (h < 0) return status{errno};
  return tcp_listener(h, where.port());
}
result<tcp_stream> tcp_listener::accept(deadline until, ip_address* peer) {
  int h = dill_tcp_accept(native_handle(), peer ? static_cast<dill_ipaddr*>(peer->native())
                                                : nullptr,
                          until.ms());
  if (h < 0) return status{errno};
  return tcp_stream::adopt(h);
}

result<ipc_stream> ipc_stream::connect(const char* path, deadline until) {
  int h = dill_ipc_connect(path, until.ms());
  if (h < 0) return status{errno};
  return ipc_stream(h);
}
result<std::pair<ipc_stream, ipc_stream>> ipc_stream::pair() {
  int s[2];
  if (dill_ipc_pair(s) != 0) return status{errno};
  return std::pair<ipc_stream, ipc_stream>(ipc_stream(s[0]), ipc_stream(s[1]));
}
status ipc_stream::send_fd(int fd, deadline until) {
  return outcome(dill_ipc_sendfd(native_handle(), fd, until.ms()));
}
result<int> ipc_stream::recv_fd(deadline until) {
  int fd = dill_ipc_recvfd(native_handle(), until.ms());
  if (fd < 0) return status{errno};
  return fd;
}
int ipc_stream::done_call(int handle) { return dill_ipc_done(handle, -1); }
int ipc_stream::close_call(int handle, std::int64_t deadline_ms) {
  return dill_ipc_close(handle, deadline_ms);
}

result<ipc_listener> ipc_listener::listen(const char* path, int backlog) {
  int h = dill_ipc_listen(path, backlog);
  if (h < 0) return status{errno};
  return ipc_listener(h);
}
result<ipc_stream> ipc_listener::accept(deadline until) {
  int h = dill_ipc_accept(native_handle(), until.ms());
  if (h < 0) return status{errno};
  return ipc_stream(h);
}

}  // namespace canopy::net
