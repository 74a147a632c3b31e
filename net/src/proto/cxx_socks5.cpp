#include "canopy/net/socks5.hpp"

#include "cxx_edge.hpp"

namespace canopy::net {

using proto::c_string;
using proto::status_of;

status socks5_connect(int stream, std::string_view host, int port, const socks5_credentials& credentials,
                      deadline until) {
  std::string h, user, password;
  if (!c_string(host, &h) || !c_string(credentials.user, &user) ||
      !c_string(credentials.password, &password))
    return status{EINVAL};
  bool with_password = !user.empty() || !password.empty();
  return status_of(dill_socks5_client_connectbyname(stream, with_password ? user.c_str() : nullptr,
                                                    with_password ? password.c_str() : nullptr,
                                                    h.c_str(), port, until.ms()));
}

status socks5_proxy_auth(int stream, socks5_check* check, deadline until) {
  return status_of(dill_socks5_proxy_auth(stream, check, until.ms()));
}

result<socks5_command> socks5_proxy_recv_command(int stream, deadline until) {
  char host[256];
  int port = 0;
  int code = dill_socks5_proxy_recvcommandbyname(stream, host, &port, until.ms());
  if (code < 0) return status{errno};
  return socks5_command{code, host, port};
}

status socks5_proxy_send_reply(int stream, int reply, deadline until) {
  return status_of(dill_socks5_proxy_sendreply(stream, reply, nullptr, until.ms()));
}

}  // namespace canopy::net
