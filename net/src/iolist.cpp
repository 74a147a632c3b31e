#include "iolist.hpp"

#include <cerrno>

namespace canopy::net {

bool check_iolist_walk(const dill_iolist* first, const dill_iolist* last, bool for_sending,
                       std::size_t& bytes) {
  bytes = 0;
  // An empty list receives nothing: a message socket drops the next
  // message, a byte stream returns at once (as libdill allows).
  if (!for_sending && !first && !last) return true;
  if (!first || !last || last->iol_next) {
    errno = EINVAL;
    return false;
  }
  // Brent's cycle finding: a list that loops never reaches `last` (whose
  // next is null), and the walk notices the loop without marking pieces.
  const dill_iolist* anchor = first;
  std::size_t power = 1, steps = 0, pieces = 0;
  for (const dill_iolist* it = first;; it = it->iol_next) {
    if (!it || it->iol_rsvd != 0 || ++pieces > max_iolist_pieces ||
        (for_sending && !it->iol_base && it->iol_len)) {
      errno = EINVAL;
      return false;
    }
    bytes += it->iol_len;
    if (it == last) return true;
    if (it->iol_next == anchor) {
      errno = EINVAL;
      return false;
    }
    if (++steps == power) {
      anchor = it->iol_next;
      power *= 2;
      steps = 0;
    }
  }
}

void IolistCursor::skip_empty() {
  while (piece_ && offset_ == piece_->iol_len) {
    piece_ = piece_->iol_next;
    offset_ = 0;
  }
}

int IolistCursor::iovecs(iovec* out, int max, void* discard, std::size_t discard_bytes) const {
  int n = 0;
  std::size_t offset = offset_;
  for (dill_iolist* it = piece_; it && n != max; it = it->iol_next, offset = 0) {
    std::size_t len = it->iol_len - offset;
    if (len == 0) continue;
    if (it->iol_base) {
      out[n++] = {static_cast<char*>(it->iol_base) + offset, len};
    } else {
      // Skipped bytes all land in the same scratch: only one such iovec,
      // and the list ends there, so its size is the scratch's at most.
      out[n++] = {discard, len < discard_bytes ? len : discard_bytes};
      break;
    }
  }
  return n;
}

void IolistCursor::advance(std::size_t bytes) {
  while (piece_ && bytes) {
    std::size_t step = piece_->iol_len - offset_ < bytes ? piece_->iol_len - offset_ : bytes;
    offset_ += step;
    bytes -= step;
    skip_empty();
  }
}

void* IolistCursor::here() const {
  if (!piece_ || !piece_->iol_base) return nullptr;
  return static_cast<char*>(piece_->iol_base) + offset_;
}

}  // namespace canopy::net
