// What TCP and IPC connections share in the C++ face: sending and receiving
// exact numbers of bytes (bsend/brecv), ending this side, closing gracefully.
#pragma once

#include <cstddef>
#include <span>

#include "canopy/net/owned_handle.hpp"
#include "canopy/result.hpp"
#include "canopy/time.hpp"

namespace canopy::net {

class byte_stream : public owned_handle {
 public:
  /// All of `bytes`, or: ended() (this side is done), ECONNRESET, timed_out(),
  /// cancelled(), EBUSY. A failure breaks the sending side for good.
  status send(std::span<const std::byte> bytes, deadline until = deadline::forever());
  /// Exactly bytes.size() bytes, or: ended() (the peer finished first),
  /// ECONNRESET, timed_out(), cancelled(), EBUSY.
  status recv(std::span<std::byte> bytes, deadline until = deadline::forever());
  /// Ends this side's sending; receiving goes on.
  status done();
  /// Ends sending, waits for the peer to end, and closes (whatever the
  /// outcome: this object is closed afterwards).
  status close(deadline until = deadline::forever());

 protected:
  using owned_handle::owned_handle;
  /// tcp_done/ipc_done and tcp_close/ipc_close.
  virtual int done_call(int handle) = 0;
  virtual int close_call(int handle, std::int64_t deadline_ms) = 0;
};

}  // namespace canopy::net
