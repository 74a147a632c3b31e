// Records what a scheduler did as a canopy-trace (docs/trace-format.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "canopy/trace/header.hpp"
#include "canopy/runtime/event.hpp"

namespace canopy::trace {

/// An Observer that streams each event as one JSON line to a FILE*.
///
/// Lines are collected in a bounded in-memory buffer and written when it is
/// full, on flush() and on close(); the header line is written on
/// construction. One Recorder serves one scheduler (one thread): it does no
/// locking. Sequence numbers count from 0 in the order events arrive.
class Recorder final : public runtime::Observer {
 public:
  /// Bytes buffered before a write; a buffer never holds more than this plus
  /// one line.
  static constexpr std::size_t default_buffer_bytes = 64 * 1024;

  /// Starts a trace on `file` (not owned unless `owns_file`) and writes
  /// `header` into the buffer. `file` must be non-null and open for writing.
  Recorder(std::FILE* file, const Header& header, bool owns_file = false,
           std::size_t buffer_bytes = default_buffer_bytes);
  /// Opens `path` for writing (truncating it); the Recorder owns the file.
  /// Returns null, with errno set, when the file cannot be opened.
  static std::unique_ptr<Recorder> open(const std::string& path, const Header& header);

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  /// Closes (see close()).
  ~Recorder() override;

  /// Appends `event` as line seq = events_recorded(). After close() events
  /// are dropped: a runtime tearing down after the trace ended must not crash.
  void record(const runtime::Event& event) override;
  /// Writes the buffer out and fflush()es the file. Returns false when a
  /// write failed (the trace is then incomplete; see failed()).
  bool flush();
  /// In write-through mode every record() is flushed at once: for the end
  /// of a process, when no later flush is coming.
  void set_write_through(bool on) { write_through_ = on; }
  /// Flushes, then closes the file if owned. Idempotent.
  void close();

  /// How many events were recorded (the next event's seq).
  std::uint64_t events_recorded() const { return next_seq_; }
  /// True once any write to the file failed.
  bool failed() const { return failed_; }

 private:
  std::FILE* file_;
  bool owns_file_;
  bool closed_ = false;
  bool failed_ = false;
  bool write_through_ = false;
  void write_out(const char* data, std::size_t size);
  /// Turns the header's `"reproducible":true ` into `false` (an `outside`
  /// event arrived), in the buffer or, once written, in the file.
  void mark_not_reproducible();

  /// Where the header's reproducible value starts, from the start of the
  /// trace (0: not found; the header is always the first bytes written).
  std::size_t reproducible_offset_ = 0;
  bool marked_not_reproducible_ = false;
  /// Bytes handed to the file so far, to find the header in the buffer.
  std::size_t bytes_written_ = 0;

  std::size_t buffer_limit_bytes_;
  // Room for the limit plus one line of ordinary size; lines too long for
  // that (giant function names) are written straight to the file.
  std::size_t buffer_capacity_bytes_;
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_used_bytes_ = 0;
  std::uint64_t next_seq_ = 0;
};

/// Formats `event` as trace line number `seq` (without writing anything);
/// what Recorder::record appends, exposed for tests and tools.
std::string format_event_line(std::uint64_t seq, const runtime::Event& event);
/// Formats `header` as trace line 1.
std::string format_header_line(const Header& header);

}  // namespace canopy::trace
