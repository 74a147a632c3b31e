// Checking and walking gather/scatter lists (struct dill_iolist).
#pragma once

#include <sys/uio.h>

#include <cstddef>

#include <libdill.h>

namespace canopy::net {

/// Pieces one list may have; a longer one is refused (EINVAL) rather than
/// walked without end.
inline constexpr std::size_t max_iolist_pieces = 1 << 16;

/// Checks that `last` is reachable from `first`, ends the list and that no
/// piece repeats, without writing to the list: true with the total bytes in
/// `bytes`, or false (errno EINVAL). `for_sending` also refuses a piece with
/// no base and some length (there is nothing to send from). For receiving,
/// an empty list (both null) is accepted: it receives nothing.
bool check_iolist_walk(const dill_iolist* first, const dill_iolist* last, bool for_sending,
                       std::size_t& bytes);
/// check_iolist_walk, with the list of one piece (every bsend and brecv of
/// a buffer) decided inline: it is on the path of every message.
inline bool check_iolist(const dill_iolist* first, const dill_iolist* last, bool for_sending,
                         std::size_t& bytes) {
  if (first != nullptr && first == last && first->iol_next == nullptr && first->iol_rsvd == 0 &&
      (!for_sending || first->iol_base != nullptr || first->iol_len == 0)) {
    bytes = first->iol_len;
    return true;
  }
  return check_iolist_walk(first, last, for_sending, bytes);
}

/// A position in a checked list, and how to turn what follows it into
/// iovecs for sendmsg/recvmsg.
class IolistCursor {
 public:
  explicit IolistCursor(dill_iolist* first) : piece_(first) { skip_empty(); }
  bool done() const { return piece_ == nullptr; }
  /// Up to `max` iovecs for the bytes from here on. A piece without a base
  /// (receiving: bytes to skip) gets `discard`, at most `discard_bytes` of it.
  int iovecs(iovec* out, int max, void* discard, std::size_t discard_bytes) const;
  /// Moves `bytes` further.
  void advance(std::size_t bytes);
  /// The current piece's rest: where to write (null: skip) and how much.
  void* here() const;
  std::size_t left_here() const { return piece_ ? piece_->iol_len - offset_ : 0; }

 private:
  void skip_empty();
  dill_iolist* piece_;        // the piece the position is in; null at the end
  std::size_t offset_ = 0;    // bytes of it already done
};

}  // namespace canopy::net
