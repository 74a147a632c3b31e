#include "iolist_walk.hpp"
#include "layered.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace canopy::net::proto {

int iolist_measure(dill_iolist* first, dill_iolist* last, std::size_t* total_bytes) noexcept {
  std::size_t total = 0;
  std::size_t items = 0;
  if (!first || !last) return fail_with(EINVAL);
  for (dill_iolist* it = first;; it = it->iol_next) {
    if (!it || it->iol_rsvd != 0 || ++items > kMaxIolistItems) return fail_with(EINVAL);
    // Saturating: a list may end in a skip of SIZE_MAX bytes ("whatever is left").
    total = it->iol_len > SIZE_MAX - total ? SIZE_MAX : total + it->iol_len;
    if (it == last) break;
  }
  if (last->iol_next != nullptr) return fail_with(EINVAL);
  *total_bytes = total;
  return 0;
}

void iolist_write(dill_iolist* first, std::size_t offset, const std::uint8_t* src,
                  std::size_t n) noexcept {
  for (dill_iolist* it = first; it && n > 0; it = it->iol_next) {
    if (offset >= it->iol_len) {
      offset -= it->iol_len;
      continue;
    }
    std::size_t chunk = std::min(n, it->iol_len - offset);
    if (it->iol_base) std::memcpy(static_cast<std::uint8_t*>(it->iol_base) + offset, src, chunk);
    src += chunk;
    n -= chunk;
    offset = 0;
  }
}

void iolist_read(const dill_iolist* first, std::size_t offset, std::uint8_t* dst,
                 std::size_t n) noexcept {
  for (const dill_iolist* it = first; it && n > 0; it = it->iol_next) {
    if (offset >= it->iol_len) {
      offset -= it->iol_len;
      continue;
    }
    std::size_t chunk = std::min(n, it->iol_len - offset);
    if (it->iol_base)
      std::memcpy(dst, static_cast<const std::uint8_t*>(it->iol_base) + offset, chunk);
    else
      std::memset(dst, 0, chunk);
    dst += chunk;
    n -= chunk;
    offset = 0;
  }
}

IolistPrefix::IolistPrefix(dill_iolist* first, std::size_t n) noexcept {
  std::size_t left = n;
  for (dill_iolist* it = first; it; it = it->iol_next) {
    if (it->iol_len >= left) {
      if (n == 0) {
        fits_ = true;
        return;
      }
      cut_ = it;
      old_len_ = it->iol_len;
      old_next_ = it->iol_next;
      it->iol_len = left;
      it->iol_next = nullptr;
      fits_ = true;
      return;
    }
    left -= it->iol_len;
  }
}

IolistPrefix::~IolistPrefix() {
  if (cut_) {
    cut_->iol_len = old_len_;
    cut_->iol_next = old_next_;
  }
}

}  // namespace canopy::net::proto

namespace canopy::net::proto {

dill_iolist IolistSlice::start(dill_iolist* first, std::size_t offset, bool* fits) noexcept {
  for (dill_iolist* it = first; it; it = it->iol_next) {
    if (offset < it->iol_len || (offset == 0 && it->iol_len == 0)) {
      *fits = true;
      void* base = it->iol_base ? static_cast<std::uint8_t*>(it->iol_base) + offset : nullptr;
      return dill_iolist{base, it->iol_len - offset, it->iol_next, 0};
    }
    offset -= it->iol_len;
  }
  if (offset == 0) *fits = true;  // exactly at the end: an empty slice
  return dill_iolist{nullptr, 0, nullptr, 0};
}

IolistSlice::IolistSlice(dill_iolist* first, std::size_t offset, std::size_t n) noexcept
    : head_(start(first, offset, &fits_)), cut_(&head_, n) {}

}  // namespace canopy::net::proto
