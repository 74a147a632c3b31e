// Reading and validating a canopy-trace (docs/trace-format.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/trace/header.hpp"
#include "canopy/runtime/event.hpp"

namespace canopy::trace {

/// One event line, as parsed. `event.site` is left empty: a parsed event
/// owns its spawn site in `site_file`/`site_line`/`fn` instead.
struct TraceEvent {
  std::uint64_t seq = 0;
  runtime::Event event;
  std::string site_file;  ///< spawn only
  int site_line = 0;      ///< spawn only
  std::string fn;         ///< spawn only
};

/// The trace's "end" line: how the run ended.
struct TraceEnd {
  std::uint64_t seq = 0;
  std::int64_t time_ns = 0;
  /// "exit", "abort", "signal", or the simulator's failure ("deadlock", ...).
  std::string how;
  /// The exit status; absent when the process had none (a signal killed it).
  std::optional<int> status;
  /// The fatal signal's number, or 0.
  int signal = 0;
  /// The failure's report, when it had one.
  std::optional<std::string> report;

  friend bool operator==(const TraceEnd&, const TraceEnd&) = default;
};

/// A whole trace: the header and every event, in seq order.
struct Trace {
  Header header;
  std::vector<TraceEvent> events;
  /// Events read: events.size(), or what went to the sink when streamed.
  std::size_t event_count = 0;
  /// How the run ended; absent when the writer never got to say (killed by
  /// SIGKILL, or the trace was cut short).
  std::optional<TraceEnd> end;
  /// When the last line was cut off mid-line (the writer died while
  /// writing it): its number. The events before it are all there. 0: not cut.
  std::size_t cut_at_line = 0;
};

/// What was wrong with a trace, and where. `line` counts from 1 (the header).
struct ParseError {
  std::size_t line = 0;
  std::string message;
};

/// Either a trace or the first error found in it; never both.
struct ParseResult {
  bool ok = false;
  Trace trace;       ///< meaningful when ok
  ParseError error;  ///< meaningful when !ok
};

/// The longest line a reader accepts: far above any line a recorder writes
/// (spawn sites and function names are the only strings), and a bound on
/// what one line can cost, so that a hostile or endless input (/dev/zero)
/// fails at once instead of eating memory.
inline constexpr std::size_t max_line_bytes = 1 << 20;

/// Parses and validates `text`. Never throws and never crashes on any
/// input: every problem comes back as an error naming its line. Checks: the
/// header (format, version, field types), each line is a JSON object with
/// the fields its kind requires, of the right types, at most max_line_bytes
/// long; seq counts 0, 1, 2...; time never goes backwards; no event names a
/// coroutine (`co`, `parent`, `by`, `peer`) that was never spawned
/// (coroutine 0, main, always exists); no spawn of a live or past id;
/// nothing after the "end" line. A last line without a newline that does
/// not parse was cut off by a dying writer: the trace is accepted up to it,
/// and `cut_at_line` names it.
ParseResult parse_trace(std::string_view text);

/// Reads `path` and parses it, streaming: memory grows with the events, not
/// with the file's size, and an over-long line stops the read at once. A
/// file that cannot be read is an error on line 0 naming the path and the
/// system's reason; running out of memory is an error too, never a throw.
ParseResult read_trace_file(const std::string& path);

/// Each event as it is read and validated; may throw std::bad_alloc.
using EventSink = std::function<void(const TraceEvent&)>;
/// The same, streaming: every validated event goes to `sink`, in order,
/// instead of into `events` (left empty), so memory does not grow with
/// the events at all. An error can come after the sink saw events.
ParseResult read_trace_file(const std::string& path, const EventSink& sink);

/// The canonical line for `event` (what a Recorder would have written),
/// without the newline. Used to print events in diffs and lint reports.
std::string canonical_line(const TraceEvent& event);
/// The trace format's name of `reason` ("chsend", "bundle_wait", ...), from
/// the same table the reader and the recorder use; "?" when out of range.
const char* block_reason_name(runtime::BlockReason reason);

/// `text` made safe to print on a terminal: control characters (C0, DEL,
/// and C1 written as UTF-8) and bytes that are not UTF-8 become visible
/// escapes (\n, \t, \x1b, \u009b), so that a hostile trace cannot drive the
/// terminal through lint findings or error messages. Other text is kept.
std::string printable(std::string_view text);

/// "deadlock, exit status 3: deadlock: every coroutine is blocked..." or
/// "signal SIGSEGV": one line (the report's first), for people.
std::string describe_end(const TraceEnd& end);

/// The canonical "end" line, without the newline.
std::string canonical_line(const TraceEnd& end);

}  // namespace canopy::trace
