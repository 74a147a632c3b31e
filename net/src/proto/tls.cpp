// TLS over OpenSSL 3. OpenSSL never touches the socket: it reads and writes
// two memory BIOs, and this layer moves whole TLS records between them and
// the bytestream below with the runtime's own bsend/brecv, so every wait is
// a coroutine's (deadlines, cancellation) and nothing blocks the thread.
#include "layered.hpp"

#include <canopy/net/dill_protocols.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdint>

namespace canopy::net::proto {
namespace {

/// A TLS record header: type, version, length.
constexpr std::size_t kRecordHeaderBytes = 5;
/// The largest record body TLS allows (2^14 plus expansion).
constexpr std::size_t kMaxRecordBytes = 16384 + 2048;
/// Bytes moved per copy between a BIO and the socket.
constexpr std::size_t kChunkBytes = 4096;
/// Records tls_detach reads while waiting for the peer's close_notify.
constexpr std::size_t kMaxDrainedRecords = 1u << 20;

struct TlsSock {
  dill_hvfs hvfs;           ///< the handle's query and close
  dill_bsock_vfs bvfs;      ///< what bsend/brecv call
  int u;                    ///< the bytestream below, -1 once handed back
  bool heap;                ///< allocated by a non-_mem attach
  bool in_done;             ///< the peer's close_notify arrived
  bool out_done;            ///< ours was sent
  bool broken;              ///< a record was cut short or TLS failed: nothing more can pass
  SSL* ssl;                 ///< the TLS state, reading from and writing to memory BIOs
  BIO* from_peer;           ///< records received, for OpenSSL to read
  BIO* to_peer;             ///< records OpenSSL wrote, to send
  ~TlsSock() { SSL_free(ssl); }  // frees both BIOs too
};
static_assert(fits_in<TlsSock, dill_tls_storage>);

int broken(TlsSock* self, int err) noexcept {
  self->broken = true;
  errno = err;
  return -1;
}

/// Sends everything OpenSSL wrote.
int flush(TlsSock* self, std::int64_t deadline) noexcept {
  std::uint8_t chunk[kChunkBytes];
  while (BIO_ctrl_pending(self->to_peer) > 0) {
    int n = BIO_read(self->to_peer, chunk, sizeof chunk);
    if (n <= 0) return broken(self, ENOMEM);
    if (dill_bsend(self->u, chunk, static_cast<std::size_t>(n), deadline) < 0) return broken(self, errno);
  }
  return 0;
}

/// Receives one whole record for OpenSSL. Reading records exactly leaves
/// nothing of the stream in TLS's buffers once close_notify was read.
int feed(TlsSock* self, std::int64_t deadline) noexcept {
  std::uint8_t hdr[kRecordHeaderBytes];
  if (dill_brecv(self->u, hdr, sizeof hdr, deadline) < 0) return broken(self, errno);
  std::size_t body = std::size_t{hdr[3]} << 8 | hdr[4];
  // Content types 20 to 24 (change_cipher_spec ... heartbeat) are TLS's.
  if (hdr[0] < 20 || hdr[0] > 24 || hdr[1] != 3 || body > kMaxRecordBytes) return broken(self, EPROTO);
  if (BIO_write(self->from_peer, hdr, sizeof hdr) != static_cast<int>(sizeof hdr)) return broken(self, ENOMEM);
  std::uint8_t chunk[kChunkBytes];
  while (body > 0) {
    std::size_t n = std::min(body, sizeof chunk);
    if (dill_brecv(self->u, chunk, n, deadline) < 0) return broken(self, errno);
    if (BIO_write(self->from_peer, chunk, static_cast<int>(n)) != static_cast<int>(n)) return broken(self, ENOMEM);
    body -= n;
  }
  return 0;
}

/// Runs one OpenSSL operation to completion, moving records as it asks.
/// `op` returns OpenSSL's result (> 0 done). EPIPE when the peer closed
/// with close_notify; EPROTO when TLS failed.
template <class Op>
int drive(TlsSock* self, std::int64_t deadline, Op&& op) noexcept {
  if (self->broken) return fail_with(ECONNRESET);
  for (;;) {
    ERR_clear_error();
    int r = op();
    int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(self->ssl, r);
    // Alerts and handshake messages go out whether the step succeeded or not.
    if (flush(self, deadline) < 0) return -1;
    switch (e) {
      case SSL_ERROR_NONE:
        return r;
      case SSL_ERROR_WANT_READ:
        if (feed(self, deadline) < 0) return -1;
        continue;
      case SSL_ERROR_WANT_WRITE:
        continue;  // a memory BIO takes everything: only flushing was needed
      case SSL_ERROR_ZERO_RETURN:
        self->in_done = true;
        errno = EPIPE;
        return -1;
      default:
        ERR_clear_error();
        return broken(self, EPROTO);
    }
  }
}

int tls_bsendl(dill_bsock_vfs* vfs, dill_iolist* first, dill_iolist* last, std::int64_t deadline) noexcept {
  TlsSock* self = from_bvfs<TlsSock>(vfs);
  if (self->out_done) return fail_with(EPIPE);
  for (dill_iolist* it = first; it; it = it == last ? nullptr : it->iol_next) {
    if (it->iol_rsvd != 0 || (!it->iol_base && it->iol_len > 0)) return fail_with(EINVAL);
    auto* p = static_cast<const std::uint8_t*>(it->iol_base);
    for (std::size_t done = 0; done < it->iol_len;) {
      std::size_t n = std::min(it->iol_len - done, std::size_t{1} << 30);
      std::size_t written = 0;
      if (drive(self, deadline, [&] { return SSL_write_ex(self->ssl, p + done, n, &written); }) < 0) {
        // Our own side is still open after the peer's close_notify.
        if (errno == EPIPE) errno = ECONNRESET;
        return -1;
      }
      done += written;
    }
  }
  return 0;
}

int tls_brecvl(dill_bsock_vfs* vfs, dill_iolist* first, dill_iolist* last, std::int64_t deadline) noexcept {
  TlsSock* self = from_bvfs<TlsSock>(vfs);
  if (self->in_done) return fail_with(EPIPE);
  std::uint8_t skip[kChunkBytes];
  for (dill_iolist* it = first; it; it = it == last ? nullptr : it->iol_next) {
    if (it->iol_rsvd != 0) return fail_with(EINVAL);
    for (std::size_t done = 0; done < it->iol_len;) {
      // Bytes with no place to go are read and dropped.
      std::uint8_t* to = it->iol_base ? static_cast<std::uint8_t*>(it->iol_base) + done : skip;
      std::size_t n = std::min(it->iol_len - done, it->iol_base ? std::size_t{1} << 30 : sizeof skip);
      std::size_t got = 0;
      if (drive(self, deadline, [&] { return SSL_read_ex(self->ssl, to, n, &got); }) < 0) {
        // A close_notify in the middle of what was asked: the message was cut.
        if (errno == EPIPE && done > 0) errno = ECONNRESET;
        return -1;
      }
      done += got;
    }
  }
  return 0;
}

/// OpenSSL's side of a new connection; 0 or an errno value. What it made
/// is freed with the object.
int start_tls(TlsSock* self, const char* cert, const char* pkey) noexcept {
  bool server = cert != nullptr;
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx) return ENOMEM;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (server && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
                 SSL_CTX_use_PrivateKey_file(ctx, pkey, SSL_FILETYPE_PEM) != 1 ||
                 SSL_CTX_check_private_key(ctx) != 1)) {
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return EINVAL;
  }
  self->ssl = SSL_new(ctx);
  SSL_CTX_free(ctx);  // the SSL holds its own reference
  if (!self->ssl) return ENOMEM;
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!in || !out) {
    BIO_free(in);
    BIO_free(out);
    return ENOMEM;
  }
  SSL_set_bio(self->ssl, in, out);  // owned by the SSL from here
  self->from_peer = in;
  self->to_peer = out;
  if (server)
    SSL_set_accept_state(self->ssl);
  else
    SSL_set_connect_state(self->ssl);
  return 0;
}

int attach_tls(int s, const char* cert, const char* pkey, void* mem, std::int64_t deadline) noexcept {
  int u = take_over(s, dill_bsock_type);
  if (u < 0) return -1;
  int h = make_handle<TlsSock>(mem, u, [&](TlsSock* self) {
    self->bvfs.bsendl = &tls_bsendl;
    self->bvfs.brecvl = &tls_brecvl;
    return start_tls(self, cert, pkey);
  });
  if (h < 0) return -1;  // the object, with the SSL, was closed
  TlsSock* self = find<TlsSock>(h);
  if (drive(self, deadline, [&] { return SSL_do_handshake(self->ssl); }) < 0) {
    int err = errno == EPIPE ? ECONNRESET : errno;
    dill_hclose(h);
    errno = err;
    return -1;
  }
  return h;
}

int send_close_notify(TlsSock* self, std::int64_t deadline) noexcept {
  if (self->out_done) return fail_with(EPIPE);
  // SSL_shutdown returns 0 once close_notify is written and 1 once the
  // peer's was also read: either way ours is on its way after the flush.
  if (self->broken) return fail_with(ECONNRESET);
  ERR_clear_error();
  if (SSL_shutdown(self->ssl) < 0) {
    ERR_clear_error();
    return broken(self, EPROTO);
  }
  if (flush(self, deadline) < 0) return -1;
  self->out_done = true;
  return 0;
}

}  // namespace
}  // namespace canopy::net::proto

using namespace canopy::net::proto;

extern "C" {

DILL_EXPORT int dill_tls_attach_server_mem(int s, const char* cert, const char* pkey,
                                           struct dill_tls_storage* mem, int64_t deadline) {
  if (!mem || !cert || !pkey) return fail_closing(s, EINVAL);
  return attach_tls(s, cert, pkey, mem, deadline);
}

DILL_EXPORT int dill_tls_attach_server(int s, const char* cert, const char* pkey, int64_t deadline) {
  if (!cert || !pkey) return fail_closing(s, EINVAL);
  return attach_tls(s, cert, pkey, nullptr, deadline);
}

DILL_EXPORT int dill_tls_attach_client_mem(int s, struct dill_tls_storage* mem, int64_t deadline) {
  if (!mem) return fail_closing(s, EINVAL);
  return attach_tls(s, nullptr, nullptr, mem, deadline);
}

DILL_EXPORT int dill_tls_attach_client(int s, int64_t deadline) {
  return attach_tls(s, nullptr, nullptr, nullptr, deadline);
}

DILL_EXPORT int dill_tls_done(int s, int64_t deadline) {
  TlsSock* self = find<TlsSock>(s);
  if (!self) return -1;
  return send_close_notify(self, deadline);
}

DILL_EXPORT int dill_tls_detach(int s, int64_t deadline) {
  TlsSock* self = find<TlsSock>(s);
  if (!self) return -1;
  if (!self->out_done && send_close_notify(self, deadline) < 0) return fail_detach(s);
  std::uint8_t sink[kChunkBytes];
  for (std::size_t records = 0; !self->in_done; ++records) {
    if (records == kMaxDrainedRecords) {
      errno = EPROTO;
      return fail_detach(s);
    }
    std::size_t got = 0;
    if (drive(self, deadline, [&] { return SSL_read_ex(self->ssl, sink, sizeof sink, &got); }) < 0 &&
        !self->in_done)
      return fail_detach(s);
  }
  return hand_back(s, self);
}

}  // extern "C"
