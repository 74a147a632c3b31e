// A connected stream socket's two directions, as bsend/brecv see them: the
// engine that TCP and IPC connections share. It owns the descriptor and a
// read-ahead buffer, and remembers how each direction ended, so that later
// calls report it (EPIPE: ended in order; ECONNRESET: broken).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include <libdill.h>

namespace canopy::net {

/// Bytes a stream reads ahead, so that many small receives cost one system
/// call; allocated on the first receive that uses it.
inline constexpr std::uint32_t read_ahead_bytes = 2048;
static_assert(read_ahead_bytes <= UINT16_MAX, "positions in the read-ahead buffer fit 16 bits");

struct Stream {
  int fd = -1;                     // the socket (the seam's or the kernel's)
  std::uint8_t* ahead = nullptr;   // read-ahead buffer, read_ahead_bytes long, or null
  std::uint16_t ahead_begin = 0;   // first byte in `ahead` not yet handed out
  std::uint16_t ahead_end = 0;     // one past the last byte read into `ahead`
  bool reads_ahead = false;        // false where bytes carry descriptors (IPC)
  bool carries_fds = false;        // stray descriptors that arrive are closed
  bool sending = false;            // a send is under way (another one: EBUSY)
  bool receiving = false;          // a receive is under way (another one: EBUSY)
  bool in_done = false;            // the peer ended its side: receives give EPIPE
  bool out_done = false;           // this side ended: sends give EPIPE
  bool in_broken = false;          // a receive failed: receives give ECONNRESET
  bool out_broken = false;         // a send failed: sends give ECONNRESET
  bool emptied = false;            // the last recv took less than it asked: the socket was empty

  /// Bytes read ahead and not yet handed out.
  std::size_t buffered() const { return static_cast<std::size_t>(ahead_end - ahead_begin); }

  /// bsendl's contract: all the bytes, or -1 with errno.
  int send(dill_iolist* first, dill_iolist* last, std::int64_t deadline);
  /// brecvl's contract: exactly the list's bytes, or -1 with errno.
  int recv(dill_iolist* first, dill_iolist* last, std::int64_t deadline);
  /// Ends this side's sending: 0, or -1 with EPIPE, ECONNRESET.
  int done();
  /// Ends sending, then reads and drops what the peer sends until it ends
  /// too: 0, or -1 with ECONNRESET, ETIMEDOUT, ECANCELED. The descriptor
  /// stays open.
  int finish(std::int64_t deadline);
  /// Sends a duplicate of `passed` with one byte of the stream.
  int send_fd(int passed, std::int64_t deadline);
  /// The descriptor that comes with the next byte of the stream.
  int recv_fd(std::int64_t deadline);
  /// Closes the descriptor at once and frees the buffer.
  void close_now();

 private:
  /// send and recv of a list of one piece with a base (recv: and no
  /// descriptors coming).
  int send_buffer(const std::uint8_t* from, std::size_t left, std::int64_t deadline);
  int recv_buffer(std::uint8_t* to, std::size_t left, std::int64_t deadline);
  /// After a send that failed (errno set): waits when the socket is full,
  /// true to try again; false with errno set and the sending side broken.
  bool may_send_again(std::int64_t deadline);
  /// After a receive that returned `got` <= 0: true to try again (after
  /// waiting for data), or false with errno (EPIPE at the peer's end).
  bool may_receive_again(ssize_t got, std::int64_t deadline);
};

}  // namespace canopy::net
