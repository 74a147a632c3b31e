// Walking an iolist (libdill's scatter/gather list) as the protocols need:
// checked once, measured, written at an offset, cut short for one call.
#pragma once

#define DILL_DISABLE_RAW_NAMES
#include <libdillimpl.h>

#include <cstddef>
#include <cstdint>

namespace canopy::net::proto {

/// The longest iolist a protocol accepts: a bound on the walk, so that a
/// list that loops is EINVAL rather than a hang.
inline constexpr std::size_t kMaxIolistItems = 1024;

/// Checks that [first, last] is a list whose items are free (iol_rsvd 0)
/// and ends at `last`; stores its byte count. EINVAL otherwise.
int iolist_measure(dill_iolist* first, dill_iolist* last, std::size_t* total_bytes) noexcept;

/// Copies `n` bytes from `src` into the list at byte `offset`; items with
/// no base (skipped bytes) are passed over. The list must hold them.
void iolist_write(dill_iolist* first, std::size_t offset, const std::uint8_t* src,
                  std::size_t n) noexcept;

/// Copies `n` bytes at byte `offset` of the list into `dst`.
void iolist_read(const dill_iolist* first, std::size_t offset, std::uint8_t* dst,
                 std::size_t n) noexcept;

/// Cuts the list to its first `n` bytes for as long as it lives, and puts
/// it back as it was when it goes. `fits()` is false if the list is
/// shorter than `n` (then nothing was cut).
class IolistPrefix {
 public:
  IolistPrefix(dill_iolist* first, std::size_t n) noexcept;
  ~IolistPrefix();
  IolistPrefix(const IolistPrefix&) = delete;
  IolistPrefix& operator=(const IolistPrefix&) = delete;
  bool fits() const noexcept { return fits_; }
  /// The last item of the cut list (null if n is 0 or it does not fit).
  dill_iolist* last() const noexcept { return cut_; }

 private:
  dill_iolist* cut_ = nullptr;        ///< the item shortened, to restore
  std::size_t old_len_ = 0;           ///< its length before the cut
  dill_iolist* old_next_ = nullptr;   ///< its successor before the cut
  bool fits_ = false;                 ///< whether the list held n bytes
};

}  // namespace canopy::net::proto

namespace canopy::net::proto {

/// Bytes [offset, offset + n) of a list as a list of their own, for as long
/// as it lives (the original is put back when it goes). `fits()` is false if
/// the list is shorter than offset + n.
class IolistSlice {
 public:
  IolistSlice(dill_iolist* first, std::size_t offset, std::size_t n) noexcept;
  IolistSlice(const IolistSlice&) = delete;
  IolistSlice& operator=(const IolistSlice&) = delete;
  bool fits() const noexcept { return fits_ && cut_.fits(); }
  dill_iolist* first() noexcept { return &head_; }
  dill_iolist* last() const noexcept { return cut_.last(); }

 private:
  static dill_iolist start(dill_iolist* first, std::size_t offset, bool* fits) noexcept;
  bool fits_ = false;    ///< whether the list reaches offset
  dill_iolist head_;     ///< a copy of the item holding byte `offset`, moved to it
  IolistPrefix cut_;     ///< the slice cut to n bytes
};

}  // namespace canopy::net::proto
