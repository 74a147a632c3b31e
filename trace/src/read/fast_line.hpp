// The fast path of the reader: event lines as the recorder writes them (a
// flat object, integers, strings without escapes), parsed without building
// a JSON document. Anything else, including every line with a problem, is
// left to the general parser, which explains what is wrong; for the lines
// it takes, the result is the one the general parser gives.
#pragma once

#include <string_view>

#include "canopy/trace/read.hpp"

namespace canopy::trace::detail {

/// Parses `line` into `out` when it is a well-formed event line of a kind in
/// the schema (not "end") with every key the schema lists; returns false,
/// leaving `out` unspecified, for anything else.
bool parse_event_fast(std::string_view line, TraceEvent& out);

}  // namespace canopy::trace::detail
