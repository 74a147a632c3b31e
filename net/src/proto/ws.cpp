// WebSockets (RFC 6455): the HTTP upgrade handshake, then frames over the
// bytestream, masked from client to server.
#include "iolist_walk.hpp"
#include "layered.hpp"
#include "ws_keys.hpp"

#include <canopy/net/dill_protocols.h>

#include <strings.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace canopy::net::proto {
namespace {

/// A control frame's payload is at most 125 bytes; a close frame's reason
/// is that less its 2-byte status.
constexpr std::size_t kMaxControlBytes = 125;
constexpr std::size_t kMaxReasonBytes = kMaxControlBytes - 2;
/// Frames of one message, and control frames between two data frames: a
/// peer sending only pings or empty fragments is cut off rather than
/// served forever.
constexpr std::size_t kMaxFramesPerMessage = 1u << 16;
/// Messages ws_detach drops while waiting for the peer's close frame.
constexpr std::size_t kMaxDrainedMessages = 1u << 20;
/// Bytes masked and sent per write on the client side.
constexpr std::size_t kMaskChunkBytes = 512;
/// The longest header line value the handshake accepts.
constexpr std::size_t kMaxFieldBytes = 256;

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kReservedBits = 0x70;
constexpr std::uint8_t kMasked = 0x80;
enum Opcode : std::uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

struct WsSock {
  dill_hvfs hvfs;                        ///< the handle's query and close
  dill_msock_vfs mvfs;                   ///< what msend/mrecv call
  int u;                                 ///< the bytestream below, -1 once handed back
  bool heap;                             ///< allocated by a non-_mem attach
  bool server;                           ///< the server side: receives masked, sends plain
  bool text;                             ///< WS_TEXT: what msend sends and mrecv expects
  bool in_done;                          ///< the peer's close frame arrived
  bool out_done;                         ///< ours was sent
  bool broken;                           ///< a frame was cut short: no frame boundary any more
  std::uint16_t peer_status;             ///< the status of the peer's close frame (0: none)
  std::uint8_t peer_reason_bytes;        ///< length of its reason
  std::uint8_t peer_reason[kMaxReasonBytes];  ///< its reason
};
static_assert(fits_in<WsSock, dill_ws_storage>);

int fail(WsSock* self, int err) noexcept {
  self->broken = true;
  errno = err;
  return -1;
}

void apply_mask(std::uint8_t* p, std::size_t n, const std::uint8_t mask[4], std::size_t at) noexcept {
  for (std::size_t i = 0; i < n; ++i) p[i] ^= mask[(at + i) % 4];
}

/// Sends one frame, FIN set. The payload is [first, last] (may be null).
int send_frame(WsSock* self, std::uint8_t opcode, dill_iolist* first, dill_iolist* last,
               std::int64_t deadline) noexcept {
  if (self->broken) return fail_with(ECONNRESET);
  std::size_t size = 0;
  if (first && iolist_measure(first, last, &size) < 0) return -1;
  std::uint8_t hdr[14];
  std::size_t hdr_bytes = 2;
  hdr[0] = kFin | opcode;
  if (size <= kMaxControlBytes) {
    hdr[1] = static_cast<std::uint8_t>(size);
  } else if (size <= 0xffff) {
    hdr[1] = 126;
    hdr[2] = static_cast<std::uint8_t>(size >> 8);
    hdr[3] = static_cast<std::uint8_t>(size);
    hdr_bytes = 4;
  } else {
    hdr[1] = 127;
    for (int i = 0; i < 8; ++i) hdr[2 + i] = static_cast<std::uint8_t>(std::uint64_t{size} >> (56 - 8 * i));
    hdr_bytes = 10;
  }
  if (self->server) {
    dill_iolist head{hdr, hdr_bytes, first, 0};
    if (dill_bsendl(self->u, &head, first ? last : &head, deadline) < 0) return fail(self, errno);
    return 0;
  }
  std::uint8_t mask[4];
  if (random_bytes(mask, sizeof mask) < 0) return -1;
  hdr[1] |= kMasked;
  std::memcpy(hdr + hdr_bytes, mask, 4);
  hdr_bytes += 4;
  if (dill_bsend(self->u, hdr, hdr_bytes, deadline) < 0) return fail(self, errno);
  std::uint8_t chunk[kMaskChunkBytes];
  std::size_t at = 0;
  for (dill_iolist* it = first; it; it = it == last ? nullptr : it->iol_next) {
    for (std::size_t done = 0; done < it->iol_len;) {
      std::size_t n = std::min(kMaskChunkBytes, it->iol_len - done);
      if (it->iol_base)
        std::memcpy(chunk, static_cast<const std::uint8_t*>(it->iol_base) + done, n);
      else
        std::memset(chunk, 0, n);
      apply_mask(chunk, n, mask, at);
      if (dill_bsend(self->u, chunk, n, deadline) < 0) return fail(self, errno);
      done += n;
      at += n;
    }
  }
  return 0;
}

/// One frame's header, as received.
struct FrameHeader {
  bool fin;              ///< the last frame of its message
  std::uint8_t opcode;   ///< what the frame is
  std::uint64_t size;    ///< its payload's bytes
  std::uint8_t mask[4];  ///< the client's mask (zeros from a server)
};

int recv_header(WsSock* self, FrameHeader* f, std::int64_t deadline) noexcept {
  std::uint8_t hdr[2];
  if (dill_brecv(self->u, hdr, 2, deadline) < 0) return fail(self, errno);
  if (hdr[0] & kReservedBits) return fail(self, EPROTO);
  f->fin = hdr[0] & kFin;
  f->opcode = hdr[0] & 0x0f;
  // A server receives masked frames only, a client plain ones only.
  if (bool(hdr[1] & kMasked) != self->server) return fail(self, EPROTO);
  f->size = hdr[1] & 0x7f;
  if (f->size >= 126) {
    std::uint8_t ext[8];
    std::size_t n = f->size == 126 ? 2 : 8;
    if (dill_brecv(self->u, ext, n, deadline) < 0) return fail(self, errno);
    f->size = 0;
    for (std::size_t i = 0; i < n; ++i) f->size = f->size << 8 | ext[i];
    // The top bit of a 64-bit size is reserved.
    if (n == 8 && (f->size >> 63) != 0) return fail(self, EPROTO);
  }
  std::memset(f->mask, 0, 4);
  if (self->server && dill_brecv(self->u, f->mask, 4, deadline) < 0) return fail(self, errno);
  return 0;
}

/// A control frame (close, ping, pong) that arrived: -1 with EPIPE for a
/// close frame, 0 after the others.
int on_control(WsSock* self, const FrameHeader& f, std::int64_t deadline) noexcept {
  if (!f.fin || f.size > kMaxControlBytes) return fail(self, EPROTO);
  std::uint8_t payload[kMaxControlBytes];
  if (f.size > 0 && dill_brecv(self->u, payload, f.size, deadline) < 0) return fail(self, errno);
  apply_mask(payload, f.size, f.mask, 0);
  switch (f.opcode) {
    case kClose: {
      if (f.size == 1) return fail(self, EPROTO);
      if (f.size >= 2) {
        std::uint16_t status = static_cast<std::uint16_t>(payload[0] << 8 | payload[1]);
        if (status < 1000 || status > 4999) return fail(self, EPROTO);
        self->peer_status = status;
        self->peer_reason_bytes = static_cast<std::uint8_t>(f.size - 2);
        std::memcpy(self->peer_reason, payload + 2, f.size - 2);
      }
      self->in_done = true;
      errno = EPIPE;
      return -1;
    }
    case kPing: {
      if (self->out_done) return 0;  // after our close frame nothing more is sent
      dill_iolist body{payload, static_cast<std::size_t>(f.size), nullptr, 0};
      return send_frame(self, kPong, f.size ? &body : nullptr, &body, deadline);
    }
    case kPong:
      return 0;
    default:
      return fail(self, EPROTO);
  }
}

/// Receives one message into [first, last] (null: skipped), its kind in
/// *text. The message's size, or -1 with errno.
ssize_t recv_message(WsSock* self, bool* text, dill_iolist* first, dill_iolist* last,
                     std::int64_t deadline) noexcept {
  if (self->in_done) return fail_with(EPIPE);
  if (self->broken) return fail_with(ECONNRESET);
  std::size_t room = SIZE_MAX;
  if (first && iolist_measure(first, last, &room) < 0) return -1;
  room = std::min<std::size_t>(room, SSIZE_MAX);
  std::size_t size = 0;
  bool started = false;
  for (std::size_t frames = 0;; ++frames) {
    if (frames == kMaxFramesPerMessage) return fail(self, EPROTO);
    FrameHeader f;
    if (recv_header(self, &f, deadline) < 0) return -1;
    if (f.opcode >= 8) {
      if (on_control(self, f, deadline) < 0) return -1;
      continue;
    }
    // A message starts with a text or binary frame and goes on with
    // continuation frames.
    if (f.opcode == kContinuation ? !started : (started || (f.opcode != kText && f.opcode != kBinary)))
      return fail(self, EPROTO);
    if (!started) *text = f.opcode == kText;
    started = true;
    if (f.size > room - size) return fail(self, EMSGSIZE);
    if (f.size > 0) {
      if (first) {
        IolistSlice part(first, size, f.size);
        if (dill_brecvl(self->u, part.first(), part.last(), deadline) < 0) return fail(self, errno);
        std::size_t at = 0;
        for (dill_iolist* it = part.first(); it; it = it->iol_next) {
          if (it->iol_base) apply_mask(static_cast<std::uint8_t*>(it->iol_base), it->iol_len, f.mask, at);
          at += it->iol_len;
        }
      } else if (dill_brecv(self->u, nullptr, f.size, deadline) < 0) {
        return fail(self, errno);
      }
    }
    size += f.size;
    if (f.fin) return static_cast<ssize_t>(size);
  }
}

int ws_msendl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last, std::int64_t deadline) noexcept {
  WsSock* self = from_mvfs<WsSock>(vfs);
  if (self->out_done) return fail_with(EPIPE);
  return send_frame(self, self->text ? kText : kBinary, first, last, deadline);
}

ssize_t ws_mrecvl(dill_msock_vfs* vfs, dill_iolist* first, dill_iolist* last, std::int64_t deadline) noexcept {
  WsSock* self = from_mvfs<WsSock>(vfs);
  bool text = false;
  ssize_t n = recv_message(self, &text, first, last, deadline);
  if (n >= 0 && text != self->text) {
    errno = EPROTO;  // a message of the other kind than this socket speaks
    return -1;
  }
  return n;
}

/// Whether a Connection field's comma-separated tokens include "upgrade".
bool lists_upgrade(std::string_view value) noexcept {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view token = value.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token.size() == 7 && strncasecmp(token.data(), "upgrade", 7) == 0) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

/// Runs `step` with the HTTP layer over `u`; on success the bytestream is
/// handed back in *u, else -1 with errno (and `u` closed).
template <class Step>
int over_http(int* u, std::int64_t deadline, Step&& step) noexcept {
  dill_http_storage http_mem;
  int h = dill_http_attach_mem(*u, &http_mem);
  *u = -1;
  if (h < 0) return -1;
  if (step(h) < 0) {
    int err = errno;
    dill_hclose(h);
    errno = err;
    return -1;
  }
  *u = dill_http_detach(h, deadline);
  return *u < 0 ? -1 : 0;
}

int client_handshake(int h, const char* resource, const char* host, std::int64_t deadline) noexcept {
  char key[DILL_WS_KEY_SIZE];
  char expected[DILL_WS_KEY_SIZE];
  if (dill_ws_request_key(key) < 0 || dill_ws_response_key(key, expected) < 0) return -1;
  if (dill_http_sendrequest(h, "GET", resource, deadline) < 0 ||
      dill_http_sendfield(h, "Host", host, deadline) < 0 ||
      dill_http_sendfield(h, "Upgrade", "websocket", deadline) < 0 ||
      dill_http_sendfield(h, "Connection", "Upgrade", deadline) < 0 ||
      dill_http_sendfield(h, "Sec-WebSocket-Key", key, deadline) < 0 ||
      dill_http_sendfield(h, "Sec-WebSocket-Version", "13", deadline) < 0 ||
      dill_http_done(h, deadline) < 0)
    return -1;
  char reason[kMaxFieldBytes];
  int status = dill_http_recvstatus(h, reason, sizeof reason, deadline);
  if (status < 0) return -1;
  if (status != 101) return fail_with(EPROTO);
  bool upgrade = false, connection = false, accepted = false;
  for (;;) {
    char name[kMaxFieldBytes], value[kMaxFieldBytes];
    if (dill_http_recvfield(h, name, sizeof name, value, sizeof value, deadline) < 0) {
      if (errno == EPIPE) break;
      return -1;
    }
    if (strcasecmp(name, "Upgrade") == 0) {
      if (upgrade || strcasecmp(value, "websocket") != 0) break;
      upgrade = true;
    } else if (strcasecmp(name, "Connection") == 0) {
      if (connection || !lists_upgrade(value)) break;
      connection = true;
    } else if (strcasecmp(name, "Sec-WebSocket-Accept") == 0) {
      if (accepted || std::strcmp(value, expected) != 0) break;
      accepted = true;
    }
  }
  if (!upgrade || !connection || !accepted) return fail_with(EPROTO);
  return 0;
}

int server_handshake(int h, char* resource, size_t resourcelen, char* host, size_t hostlen,
                     std::int64_t deadline) noexcept {
  char command[16];
  if (dill_http_recvrequest(h, command, sizeof command, resource, resourcelen, deadline) < 0) return -1;
  if (std::strcmp(command, "GET") != 0) return fail_with(EPROTO);
  bool has_host = false, upgrade = false, connection = false, version = false, keyed = false;
  char accept[DILL_WS_KEY_SIZE];
  for (;;) {
    char name[kMaxFieldBytes], value[kMaxFieldBytes];
    if (dill_http_recvfield(h, name, sizeof name, value, sizeof value, deadline) < 0) {
      if (errno == EPIPE) break;
      return -1;
    }
    bool bad = false;
    if (strcasecmp(name, "Host") == 0) {
      bad = has_host;
      if (!bad && (!host || std::strlen(value) >= hostlen)) return fail_with(EMSGSIZE);
      if (!bad) std::strcpy(host, value);
      has_host = true;
    } else if (strcasecmp(name, "Upgrade") == 0) {
      bad = upgrade || strcasecmp(value, "websocket") != 0;
      upgrade = true;
    } else if (strcasecmp(name, "Connection") == 0) {
      bad = connection || !lists_upgrade(value);
      connection = true;
    } else if (strcasecmp(name, "Sec-WebSocket-Key") == 0) {
      bad = keyed || dill_ws_response_key(value, accept) < 0;
      keyed = true;
    } else if (strcasecmp(name, "Sec-WebSocket-Version") == 0) {
      bad = version || std::strcmp(value, "13") != 0;
      version = true;
    }
    if (bad) return fail_with(EPROTO);
  }
  if (!has_host || !upgrade || !connection || !keyed || !version) return fail_with(EPROTO);
  if (dill_http_sendstatus(h, 101, "Switching Protocols", deadline) < 0 ||
      dill_http_sendfield(h, "Upgrade", "websocket", deadline) < 0 ||
      dill_http_sendfield(h, "Connection", "Upgrade", deadline) < 0 ||
      dill_http_sendfield(h, "Sec-WebSocket-Accept", accept, deadline) < 0 ||
      dill_http_done(h, deadline) < 0)
    return -1;
  return 0;
}

int finish_attach(int u, void* mem, int flags, bool server) noexcept {
  return make_handle<WsSock>(mem, u, [&](WsSock* self) {
    self->mvfs.msendl = &ws_msendl;
    self->mvfs.mrecvl = &ws_mrecvl;
    self->server = server;
    self->text = (flags & DILL_WS_TEXT) != 0;
  });
}

int attach_client(int s, int flags, const char* resource, const char* host, void* mem,
                  std::int64_t deadline) noexcept {
  if (!(flags & DILL_WS_NOHTTP) && (!resource || !host)) return fail_closing(s, EINVAL);
  int u = take_over(s, dill_bsock_type);
  if (u < 0) return -1;
  if (!(flags & DILL_WS_NOHTTP) &&
      over_http(&u, deadline, [&](int h) { return client_handshake(h, resource, host, deadline); }) < 0)
    return -1;
  return finish_attach(u, mem, flags, false);
}

int attach_server(int s, int flags, char* resource, size_t resourcelen, char* host, size_t hostlen,
                  void* mem, std::int64_t deadline) noexcept {
  if (!(flags & DILL_WS_NOHTTP) && (!resource || !host)) return fail_closing(s, EINVAL);
  int u = take_over(s, dill_bsock_type);
  if (u < 0) return -1;
  if (!(flags & DILL_WS_NOHTTP) && over_http(&u, deadline, [&](int h) {
        return server_handshake(h, resource, resourcelen, host, hostlen, deadline);
      }) < 0)
    return -1;
  return finish_attach(u, mem, flags, true);
}

int send_close(WsSock* self, int status, const void* buf, size_t len, std::int64_t deadline) noexcept {
  if (self->out_done) return fail_with(EPIPE);
  std::uint8_t payload[kMaxControlBytes];
  std::size_t n = 0;
  if (status != 0) {
    payload[0] = static_cast<std::uint8_t>(status >> 8);
    payload[1] = static_cast<std::uint8_t>(status);
    if (len > 0) std::memcpy(payload + 2, buf, len);
    n = 2 + len;
  }
  dill_iolist body{payload, n, nullptr, 0};
  if (send_frame(self, kClose, n ? &body : nullptr, &body, deadline) < 0) return -1;
  self->out_done = true;
  return 0;
}

bool valid_close(int status, const void* buf, size_t len) noexcept {
  if (status == 0) return len == 0;
  return status >= 1000 && status <= 4999 && len <= kMaxReasonBytes && (buf || len == 0);
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

DILL_EXPORT int dill_ws_attach_client_mem(int s, int flags, const char* resource, const char* host,
                                          struct dill_ws_storage* mem, int64_t deadline) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_client(s, flags, resource, host, mem, deadline);
}

DILL_EXPORT int dill_ws_attach_client(int s, int flags, const char* resource, const char* host,
                                      int64_t deadline) {
  return attach_client(s, flags, resource, host, nullptr, deadline);
}

DILL_EXPORT int dill_ws_attach_server_mem(int s, int flags, char* resource, size_t resourcelen,
                                          char* host, size_t hostlen, struct dill_ws_storage* mem,
                                          int64_t deadline) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_server(s, flags, resource, resourcelen, host, hostlen, mem, deadline);
}

DILL_EXPORT int dill_ws_attach_server(int s, int flags, char* resource, size_t resourcelen,
                                      char* host, size_t hostlen, int64_t deadline) {
  return attach_server(s, flags, resource, resourcelen, host, hostlen, nullptr, deadline);
}

DILL_EXPORT int dill_ws_sendl(int s, int flags, struct dill_iolist* first, struct dill_iolist* last,
                              int64_t deadline) {
  WsSock* self = find<WsSock>(s);
  if (!self) return -1;
  if (self->out_done) return fail_with(EPIPE);
  if (!first || !last) return fail_with(EINVAL);
  return send_frame(self, (flags & DILL_WS_TEXT) ? kText : kBinary, first, last, deadline);
}

DILL_EXPORT int dill_ws_send(int s, int flags, const void* buf, size_t len, int64_t deadline) {
  if (!buf && len > 0) return fail_with(EINVAL);
  dill_iolist iol{const_cast<void*>(buf), len, nullptr, 0};
  return dill_ws_sendl(s, flags, &iol, &iol, deadline);
}

DILL_EXPORT ssize_t dill_ws_recvl(int s, int* flags, struct dill_iolist* first,
                                  struct dill_iolist* last, int64_t deadline) {
  WsSock* self = find<WsSock>(s);
  if (!self) return -1;
  if (!first || !last) return fail_with(EINVAL);
  bool text = false;
  ssize_t n = recv_message(self, &text, first, last, deadline);
  if (n >= 0 && flags) *flags = text ? DILL_WS_TEXT : DILL_WS_BINARY;
  return n;
}

DILL_EXPORT ssize_t dill_ws_recv(int s, int* flags, void* buf, size_t len, int64_t deadline) {
  if (!buf && len > 0) return fail_with(EINVAL);
  dill_iolist iol{buf, len, nullptr, 0};
  return dill_ws_recvl(s, flags, &iol, &iol, deadline);
}

DILL_EXPORT int dill_ws_done(int s, int status, const void* buf, size_t len, int64_t deadline) {
  if (!valid_close(status, buf, len)) return fail_with(EINVAL);
  WsSock* self = find<WsSock>(s);
  if (!self) return -1;
  return send_close(self, status, buf, len, deadline);
}

DILL_EXPORT int dill_ws_detach(int s, int status, const void* buf, size_t len, int64_t deadline) {
  WsSock* self = find<WsSock>(s);
  if (!self) return -1;
  if (!valid_close(status, buf, len)) {
    errno = EINVAL;
    return fail_detach(s);
  }
  if (!self->out_done && send_close(self, status, buf, len, deadline) < 0) return fail_detach(s);
  for (std::size_t dropped = 0; !self->in_done; ++dropped) {
    bool text;
    if (dropped == kMaxDrainedMessages) {
      errno = EPROTO;
      return fail_detach(s);
    }
    if (recv_message(self, &text, nullptr, nullptr, deadline) < 0 && !self->in_done)
      return fail_detach(s);
  }
  return hand_back(s, self);
}

DILL_EXPORT ssize_t dill_ws_status(int s, int* status, void* buf, size_t len) {
  if (!buf && len > 0) return fail_with(EINVAL);
  WsSock* self = find<WsSock>(s);
  if (!self) return -1;
  if (!self->in_done) return fail_with(EAGAIN);
  if (status) *status = self->peer_status;
  if (buf) {
    if (len < self->peer_reason_bytes) return fail_with(EMSGSIZE);
    std::memcpy(buf, self->peer_reason, self->peer_reason_bytes);
  }
  return self->peer_reason_bytes;
}

DILL_EXPORT int dill_ws_request_key(char* request_key) {
  if (!request_key) return fail_with(EINVAL);
  std::uint8_t nonce[16];
  if (random_bytes(nonce, sizeof nonce) < 0) return -1;
  base64_encode(nonce, sizeof nonce, request_key, DILL_WS_KEY_SIZE);
  return 0;
}

DILL_EXPORT int dill_ws_response_key(const char* request_key, char* response_key) {
  if (!request_key || !response_key) return fail_with(EINVAL);
  std::uint8_t nonce[16];
  if (base64_decode(request_key, nonce, sizeof nonce) != 16) return fail_with(EPROTO);
  Sha1Digest digest = sha1({request_key, kAcceptGuid});
  base64_encode(digest.data(), digest.size(), response_key, DILL_WS_KEY_SIZE);
  return 0;
}

}  // extern "C"
