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

/// How a run ended: what the trace's last line (kind "end") says.
struct RunEnd {
  /// "exit", "abort", "signal", or a simulator failure ("deadlock",
  /// "crashed", "handles-leaked", ...); docs/trace-format.md lists them.
  const char* how = "exit";
  /// The process's exit status, or -1 when it has none (killed by a signal,
  /// or an embedded simulated run).
  int status = -1;
  /// The fatal signal's number, or 0.
  int signal = 0;
  /// The failure's report (its first report_bytes are kept), or null.
  const char* report = nullptr;
  /// The longest report an end line carries, so that the line fits the
  /// memory reserved for it when the recorder was made.
  static constexpr std::size_t report_bytes = 1024;
};

/// An Observer that streams each event as one JSON line to a FILE*.
///
/// Lines are collected in a bounded in-memory buffer and written when it is
/// full, on flush() and on close(); the header line is written (and flushed)
/// on construction, so that a trace is never empty however the process
/// ends. One Recorder serves one scheduler (one thread): it does no locking.
/// Sequence numbers count from 0 in the order events arrive. Writes go
/// straight to the file's descriptor when it has one, which is what lets
/// end() run in a signal handler.
class Recorder final : public runtime::Observer {
 public:
  /// Bytes buffered before a write; a buffer never holds more than this plus
  /// one line.
  static constexpr std::size_t default_buffer_bytes = 64 * 1024;

  /// Starts a trace on `file` (not owned unless `owns_file`) and writes
  /// `header` to it. `file` must be non-null and open for writing.
  /// `warning_label` is set_warning_label's, in force for the header too.
  Recorder(std::FILE* file, const Header& header, bool owns_file = false,
           std::size_t buffer_bytes = default_buffer_bytes, const std::string& warning_label = "");
  /// Opens `path` for writing (truncating it; a symbolic link there is
  /// refused with ELOOP rather than followed); the Recorder owns the file.
  /// Write failures are reported once, naming `warning_label` (the path
  /// when empty). Returns null, with errno set, when the file cannot be opened.
  static std::unique_ptr<Recorder> open(const std::string& path, const Header& header,
                                        const std::string& warning_label = "");

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
  /// Flushes, appends the end line (seq events_recorded(), the last event's
  /// time, co 0) and flushes again; later events are dropped. Once only:
  /// later calls do nothing. Async-signal-safe (no allocation, no stdio,
  /// no locks) when the file has a descriptor: fatal-signal handlers call it.
  void end(const RunEnd& how);
  /// For a forked child: forgets the buffer (the parent writes it) and stops
  /// recording, without writing anything, so that one file never has two
  /// writers. The descriptor is closed if owned.
  void abandon();
  /// Names the file in the one warning printed (on stderr) when a write
  /// fails, e.g. "CANOPY_TRACE=run.trace". Empty: no warning.
  void set_warning_label(const std::string& label);

  /// How many events were recorded (the next event's seq).
  std::uint64_t events_recorded() const { return next_seq_; }
  /// True once any write to the file failed.
  bool failed() const { return failed_; }

 private:
  std::FILE* file_;
  /// fileno(file_), or -1 for streams without one (written with fwrite).
  int fd_ = -1;
  /// Turns the header's `"reproducible":true ` into `false` in the file (an
  /// `outside` event arrived; the header is always written already).
  void mark_not_reproducible();
  /// Where the header's reproducible value lies in the file (-1: unknown).
  long reproducible_offset_ = -1;
  bool marked_not_reproducible_ = false;
  bool owns_file_;
  bool closed_ = false;
  bool failed_ = false;
  bool write_through_ = false;
  /// Set once end() wrote the last line: nothing may follow it.
  bool ended_ = false;
  /// The failure warning goes out once per recorder.
  bool warned_ = false;
  /// What the warning calls the file; fixed-size so a signal handler can
  /// print it without allocating.
  char warning_label_[256] = {};
  void write_out(const char* data, std::size_t size);
  bool write_bytes(const char* data, std::size_t size, bool in_signal_handler);
  bool flush_buffer(bool in_signal_handler);
  void warn_once(int err, bool in_signal_handler);
  /// The time of the last event, for the end line (a recorder has no clock).
  std::int64_t last_time_ns_ = 0;
  /// Memory for the end line, reserved up front so end() never allocates.
  std::unique_ptr<char[]> end_line_;

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
