// Reading and validating a canopy-trace (docs/trace-format.md).
#pragma once

#include <cstddef>
#include <cstdint>
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

/// A whole trace: the header and every event, in seq order.
struct Trace {
  Header header;
  std::vector<TraceEvent> events;
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

/// Parses and validates `text`. Never throws and never crashes on any
/// input: every problem comes back as an error naming its line. Checks: the
/// header (format, version, field types), each line is a JSON object with
/// the fields its kind requires, of the right types; seq counts 0, 1, 2...;
/// time never goes backwards; no event for a coroutine that was never
/// spawned (coroutine 0, main, always exists); no spawn of a live or past
/// id; a last line without a newline that does not parse is "truncated".
ParseResult parse_trace(std::string_view text);

/// Reads `path` and parses it. A file that cannot be read is an error on
/// line 0 naming the path and the system's reason.
ParseResult read_trace_file(const std::string& path);

/// The canonical line for `event` (what a Recorder would have written),
/// without the newline. Used to print events in diffs and lint reports.
std::string canonical_line(const TraceEvent& event);

}  // namespace canopy::trace
