// Writes header and event lines in the one canonical form a trace has.
//
// Header-only for the same reason as names_table.hpp: the recorder and the
// tools (diff prints canonical events) both format lines. Keys come out in a
// fixed order and numbers are integers printed with std::to_chars, so equal
// event sequences give byte-identical traces whatever the locale.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>

#include "canopy/trace/header.hpp"
#include "canopy/trace/recorder.hpp"
#include "event_schema.hpp"
#include "names_table.hpp"
#include "canopy/runtime/event.hpp"

namespace canopy::trace::line {

/// The longest report an "end" line carries (RunEnd::report_bytes).
inline constexpr std::size_t end_report_bytes = RunEnd::report_bytes;
/// An upper bound on an "end" line's length.
inline constexpr std::size_t max_end_line_bytes = 512 + 6 * (end_report_bytes + 64);

/// Writes into memory the caller has sized (see max_event_line_bytes): the
/// recorder's fast path, with no capacity check per piece.
struct RawOut {
  char* cursor;
  void operator+=(char c) { *cursor++ = c; }
  // Literals: the size is known at compile time, so the copy is inlined.
  template <std::size_t N>
  void operator+=(const char (&literal)[N]) {
    std::memcpy(cursor, literal, N - 1);
    cursor += N - 1;
  }
  void put(const char* text) { append(text, std::strlen(text)); }
  void operator+=(std::string_view text) { append(text.data(), text.size()); }
  void append(const char* text, std::size_t size) {
    std::memcpy(cursor, text, size);
    cursor += size;
  }
};

/// Appends a NUL-terminated string that is not a literal.
inline void put(std::string& out, const char* text) { out += text; }
inline void put(RawOut& out, const char* text) { out.put(text); }

/// An upper bound on one event line's length: fixed keys and numbers, plus
/// each string byte escaped to at most six bytes.
inline std::size_t max_event_line_bytes(std::size_t site_file_bytes, std::size_t fn_bytes) {
  return 512 + 6 * (site_file_bytes + fn_bytes + 12);
}

template <typename Out>
void append_int(Out& out, std::int64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, static_cast<std::size_t>(result.ptr - digits));
}

template <typename Out>
void append_uint(Out& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, static_cast<std::size_t>(result.ptr - digits));
}

/// Length of the valid UTF-8 sequence starting at `text[i]`, or 0 when the
/// bytes there are not valid UTF-8 (JSON readers reject those).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

/// Appends `text` escaped for the inside of a JSON string; bytes that are
/// not UTF-8 become '?'.
template <typename Out>
void append_string_body(Out& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (std::size_t length = utf8_sequence_length(text, i); length > 0) {
      out.append(text.data() + i, length);
      i += length - 1;
    } else {
      out += '?';
    }
  }
}

/// Appends `text` as a JSON string (quoted, escaped).
template <typename Out>
void append_string(Out& out, std::string_view text) {
  out += '"';
  append_string_body(out, text);
  out += '"';
}

template <typename Out, std::size_t N>
void key(Out& out, const char (&name)[N]) {
  out += ",\"";
  out += name;
  out += "\":";
}

template <typename Out>
void coroutine_or_null(Out& out, runtime::CoroutineId id) {
  if (id == runtime::no_coroutine) {
    out += "null";
  } else {
    append_uint(out, id);
  }
}

template <typename Out>
void deadline_or_null(Out& out, std::int64_t deadline_ms) {
  if (deadline_ms < 0) {
    out += "null";
  } else {
    append_int(out, deadline_ms);
  }
}

template <typename Out>
void err_or_null(Out& out, int err) {
  if (err == 0) {
    out += "null";
  } else {
    const std::string name = names::errno_name(err);
    append_string(out, std::string_view(name));
  }
}

/// Appends the header line (with its newline).
template <typename Out>
void append_header(Out& out, const Header& header) {
  out += "{\"format\":";
  append_string(out, std::string_view(format_name));
  key(out, "version");
  append_int(out, format_version);
  key(out, "clock");
  put(out, header.clock_is_simulated ? "\"sim\"" : "\"real\"");
  key(out, "seed");
  if (header.seed) {
    append_uint(out, *header.seed);
  } else {
    out += "null";
  }
  key(out, "strategy");
  if (header.strategy) {
    append_string(out, *header.strategy);
  } else {
    out += "null";
  }
  key(out, "program");
  append_string(out, header.program);
  key(out, "scenario");
  if (header.scenario) {
    append_string(out, *header.scenario);
  } else {
    out += "null";
  }
  key(out, "replay");
  if (header.replay) {
    append_string(out, *header.replay);
  } else {
    out += "null";
  }
  key(out, "reproducible");
  put(out, header.reproducible ? "true " : "false");
  key(out, "time_unit");
  out += "\"ns\"}\n";
}

/// Appends the "end" line (with its newline): how the run ended. Allocation-
/// free with RawOut, for fatal-signal handlers; `how.report` is cut to
/// RunEnd::report_bytes (at a UTF-8 boundary).
template <typename Out>
void append_end(Out& out, std::uint64_t seq, std::int64_t time_ns, const char* how, int status, int signal,
                std::string_view report, bool has_report) {
  out += "{\"seq\":";
  append_uint(out, seq);
  key(out, "t");
  append_int(out, time_ns);
  out += ",\"co\":0,\"kind\":\"end\"";
  key(out, "how");
  append_string(out, std::string_view(how));
  key(out, "status");
  if (status < 0) {
    out += "null";
  } else {
    append_int(out, status);
  }
  key(out, "signal");
  if (const char* name = signal != 0 ? names::signal_name(signal) : nullptr; name != nullptr) {
    append_string(out, std::string_view(name));
  } else if (signal != 0) {
    out += "\"signal:";
    append_int(out, signal);
    out += '"';
  } else {
    out += "null";
  }
  key(out, "report");
  if (has_report) {
    std::size_t size = std::min(report.size(), end_report_bytes);
    while (size > 0 && size < report.size() && (static_cast<unsigned char>(report[size]) & 0xC0) == 0x80) --size;
    append_string(out, report.substr(0, size));
  } else {
    out += "null";
  }
  out += "}\n";
}

/// "exit" result names: 0 returned, ECANCELED cancelled, anything else failed.
inline const char* exit_result(int err) {
  return err == 0 ? "returned" : err == ECANCELED ? "cancelled" : "failed";
}

/// Appends one event line (with its newline), key by key as the event
/// schema lists them. The spawn site is passed apart from `event` so that
/// parsed events, which own their strings, can be printed too.
template <typename Out>
void append_event(Out& out, std::uint64_t seq, const runtime::Event& event,
                         std::string_view site_file, int site_line, std::string_view fn) {
  using schema::Field;
  out += "{\"seq\":";
  append_uint(out, seq);
  key(out, "t");
  append_int(out, event.time_ns);
  key(out, "co");
  append_uint(out, event.coroutine);
  key(out, "kind");
  out += '"';
  put(out, schema::name(event.kind));
  out += '"';
  const schema::Kind* kind = schema::of(event.kind);
  for (std::size_t i = 0; kind != nullptr && i < kind->key_count; ++i) {
    const schema::Key& entry = kind->keys[i];
    out += ",\"";
    put(out, entry.name);
    out += "\":";
    switch (entry.field) {
      case Field::other: coroutine_or_null(out, event.other); break;
      case Field::object: append_uint(out, event.object); break;
      case Field::object_or_null:
        if (event.object == 0) {
          out += "null";
        } else {
          append_uint(out, event.object);
        }
        break;
      case Field::object_kind:
        out += '"';
        put(out, names::name_at(names::object_kinds, static_cast<std::size_t>(event.object_kind)));
        out += '"';
        break;
      case Field::reason:
        out += '"';
        put(out, names::name_at(names::block_reasons, static_cast<std::size_t>(event.reason)));
        out += '"';
        break;
      case Field::deadline: deadline_or_null(out, event.deadline_ms); break;
      case Field::err: err_or_null(out, event.err); break;
      case Field::result:
        out += '"';
        put(out, exit_result(event.err));
        out += '"';
        break;
      case Field::bytes: append_uint(out, event.bytes); break;
      case Field::bytes_received: append_uint(out, event.bytes_received); break;
      case Field::other_object: append_uint(out, event.other_object); break;
      case Field::side: append_int(out, event.side); break;
      case Field::site:
        out += '"';
        append_string_body(out, site_file);
        out += ':';
        append_int(out, site_line);
        out += '"';
        break;
      case Field::fn: append_string(out, fn); break;
    }
  }
  out += "}\n";
}

}  // namespace canopy::trace::line
