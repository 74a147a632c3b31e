// HTTP/1.1 request and status lines and header fields, as CRLF-ended
// lines (SUFFIX) of which an empty one ends the fields (TERM).
#include "layered.hpp"

#include <canopy/net/dill_protocols.h>

#include <cstdint>
#include <cstring>
#include <string_view>

namespace canopy::net::proto {
namespace {

/// The longest line received, its terminating zero excluded.
constexpr std::size_t kMaxLineBytes = 1023;

struct HttpSock {
  dill_hvfs hvfs;                      ///< the handle's query and close
  int u;                               ///< the TERM socket over the SUFFIX one, -1 once handed back
  bool heap;                           ///< allocated by http_attach
  dill_suffix_storage suffix_mem;      ///< the CRLF line layer
  dill_term_storage term_mem;          ///< the empty line that ends the fields
  char line[kMaxLineBytes + 1];        ///< the last line received
};
static_assert(fits_in<HttpSock, dill_http_storage>);

/// A received line, cut into blank-separated words.
class Line {
 public:
  explicit Line(std::string_view text) : rest_(text) {}
  /// The next word (empty when none is left).
  std::string_view word() noexcept {
    skip_blanks();
    std::size_t end = rest_.find(' ');
    if (end == std::string_view::npos) end = rest_.size();
    std::string_view w = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return w;
  }
  /// What is left, blanks trimmed at both ends.
  std::string_view rest() noexcept {
    skip_blanks();
    std::size_t end = rest_.find_last_not_of(' ');
    return end == std::string_view::npos ? std::string_view{} : rest_.substr(0, end + 1);
  }
  /// Up to (not including) `c`; false if there is no `c`.
  bool until(char c, std::string_view* out) noexcept {
    std::size_t at = rest_.find(c);
    if (at == std::string_view::npos) return false;
    *out = rest_.substr(0, at);
    rest_.remove_prefix(at + 1);
    return true;
  }
  void skip_blanks() noexcept {
    while (!rest_.empty() && rest_.front() == ' ') rest_.remove_prefix(1);
  }

 private:
  std::string_view rest_;  ///< what is not yet read
};

/// A received line may hold anything a peer sends: only visible ASCII,
/// blanks and tabs make an HTTP line.
bool is_text(std::string_view s) noexcept {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

/// Copies `s` as a C string into [out, out + cap); EMSGSIZE if it does not fit.
int copy_out(std::string_view s, char* out, std::size_t cap) noexcept {
  if (!out || s.size() >= cap) return fail_with(EMSGSIZE);
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = 0;
  return 0;
}

int protocol_error() noexcept {
  errno = EPROTO;
  return -1;
}

/// Receives one line into self->line; -1 with errno (EPIPE: the empty line
/// that ends the fields, EMSGSIZE: a line too long, EPROTO: not text).
int recv_line(HttpSock* self, std::int64_t deadline, std::string_view* out) noexcept {
  ssize_t n = dill_mrecv(self->u, self->line, kMaxLineBytes, deadline);
  if (n < 0) return -1;
  self->line[n] = 0;
  *out = std::string_view(self->line, static_cast<std::size_t>(n));
  if (!is_text(*out)) return protocol_error();
  return 0;
}

int send_words(HttpSock* self, std::int64_t deadline, std::initializer_list<std::string_view> words) noexcept {
  // At most one request or status line or field: 5 pieces.
  dill_iolist iol[5];
  std::size_t n = 0;
  for (std::string_view w : words) {
    iol[n] = dill_iolist{const_cast<char*>(w.data()), w.size(), nullptr, 0};
    if (n > 0) iol[n - 1].iol_next = &iol[n];
    ++n;
  }
  return dill_msendl(self->u, &iol[0], &iol[n - 1], deadline);
}

HttpSock* find_http(int s) noexcept { return find<HttpSock>(s); }

int attach_http(int s, void* mem) {
  // The layers below live inside the object: attached once it exists, in
  // memory had before, so that no failure leaves `s` open.
  bool heap = mem == nullptr;
  if (heap && !(mem = ::operator new(sizeof(HttpSock), std::nothrow))) return fail_closing(s, ENOMEM);
  return make_handle<HttpSock>(mem, -1, [&](HttpSock* self) {
    self->heap = heap;
    int u = dill_suffix_attach_mem(s, "\r\n", 2, &self->suffix_mem);
    if (u >= 0) u = dill_term_attach_mem(u, nullptr, 0, &self->term_mem);
    self->u = u;
    return u < 0 ? errno : 0;
  });
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

DILL_EXPORT int dill_http_attach_mem(int s, struct dill_http_storage* mem) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_http(s, mem);
}

DILL_EXPORT int dill_http_attach(int s) { return attach_http(s, nullptr); }

DILL_EXPORT int dill_http_done(int s, int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  return dill_term_done(self->u, deadline);
}

DILL_EXPORT int dill_http_detach(int s, int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  // Each detach closes its own layer when it fails; ours is then empty.
  int lines = dill_term_detach(self->u, deadline);
  int bytes = lines < 0 ? -1 : dill_suffix_detach(lines, deadline);
  self->u = -1;
  if (bytes < 0) return fail_detach(s);
  dill_hclose(s);
  return bytes;
}

DILL_EXPORT int dill_http_sendrequest(int s, const char* command, const char* resource,
                                      int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  if (!command || !resource || !*command || !*resource || std::strpbrk(command, " \t\r\n") ||
      std::strpbrk(resource, " \t\r\n")) {
    errno = EINVAL;
    return -1;
  }
  return send_words(self, deadline, {command, " ", resource, " HTTP/1.1"});
}

DILL_EXPORT int dill_http_recvrequest(int s, char* command, size_t commandlen, char* resource,
                                      size_t resourcelen, int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  std::string_view text;
  if (recv_line(self, deadline, &text) < 0) return -1;
  Line line(text);
  std::string_view cmd = line.word();
  std::string_view res = line.word();
  std::string_view version = line.word();
  if (cmd.empty() || res.empty() || version != "HTTP/1.1" || !line.rest().empty())
    return protocol_error();
  if (copy_out(cmd, command, commandlen) < 0) return -1;
  return copy_out(res, resource, resourcelen);
}

DILL_EXPORT int dill_http_sendstatus(int s, int status, const char* reason, int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  if (status < 100 || status > 599 || !reason || std::strpbrk(reason, "\r\n")) return fail_with(EINVAL);
  char code[4] = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
                  static_cast<char>('0' + status % 10), ' '};
  return send_words(self, deadline, {"HTTP/1.1 ", std::string_view(code, 4), reason});
}

DILL_EXPORT int dill_http_recvstatus(int s, char* reason, size_t reasonlen, int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  std::string_view text;
  if (recv_line(self, deadline, &text) < 0) return -1;
  Line line(text);
  if (line.word() != "HTTP/1.1") return protocol_error();
  std::string_view code = line.word();
  if (code.size() != 3) return protocol_error();
  int status = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return protocol_error();
    status = status * 10 + (c - '0');
  }
  if (status < 100 || status > 599) return protocol_error();
  if (copy_out(line.rest(), reason, reasonlen) < 0) return -1;
  return status;
}

DILL_EXPORT int dill_http_sendfield(int s, const char* name, const char* value,
                                    int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  if (!name || !*name || !value || std::strpbrk(name, "(),/:;<=>?@[\\]{}\" \t\r\n") ||
      std::strpbrk(value, "\r\n")) {
    errno = EINVAL;
    return -1;
  }
  std::string_view v(value);
  std::size_t from = v.find_first_not_of(' ');
  if (from == std::string_view::npos) {
    errno = EPROTO;  // libdill's errno for an empty value
    return -1;
  }
  v = v.substr(from, v.find_last_not_of(' ') - from + 1);
  return send_words(self, deadline, {name, ": ", v});
}

DILL_EXPORT int dill_http_recvfield(int s, char* name, size_t namelen, char* value,
                                    size_t valuelen, int64_t deadline) {
  HttpSock* self = find_http(s);
  if (!self) return -1;
  std::string_view text;
  if (recv_line(self, deadline, &text) < 0) return -1;
  Line line(text);
  line.skip_blanks();
  std::string_view field;
  if (!line.until(':', &field)) return protocol_error();
  while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
  if (field.empty() || field.find_first_of("(),/;<=>?@[\\]{}\" \t") != std::string_view::npos)
    return protocol_error();
  if (copy_out(field, name, namelen) < 0) return -1;
  return copy_out(line.rest(), value, valuelen);
}

}  // extern "C"
