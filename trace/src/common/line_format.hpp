// Writes header and event lines in the one canonical form a trace has.
//
// Header-only for the same reason as names_table.hpp: the recorder and the
// tools (diff prints canonical events) both format lines. Keys come out in a
// fixed order and numbers are integers printed with std::to_chars, so equal
// event sequences give byte-identical traces whatever the locale.
#pragma once

#include <charconv>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>

#include "canopy/trace/header.hpp"
#include "names_table.hpp"
#include "canopy/runtime/event.hpp"

namespace canopy::trace::line {

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

/// Appends `text` as a JSON string; bytes that are not UTF-8 become '?'.
template <typename Out>
void append_string(Out& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
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

/// "exit" result names: 0 returned, ECANCELED cancelled, anything else failed.
inline const char* exit_result(int err) {
  return err == 0 ? "returned" : err == ECANCELED ? "cancelled" : "failed";
}

/// Appends one event line (with its newline). The spawn site is passed
/// apart from `event` so that parsed events, which own their strings, can be
/// printed too.
template <typename Out>
void append_event(Out& out, std::uint64_t seq, const runtime::Event& event,
                         std::string_view site_file, int site_line, std::string_view fn) {
  using runtime::EventKind;
  out += "{\"seq\":";
  append_uint(out, seq);
  key(out, "t");
  append_int(out, event.time_ns);
  key(out, "co");
  append_uint(out, event.coroutine);
  key(out, "kind");
  out += '"';
  put(out, names::name_at(names::event_kinds, static_cast<std::size_t>(event.kind)));
  out += '"';
  switch (event.kind) {
    case EventKind::spawn:
      key(out, "parent");
      coroutine_or_null(out, event.other);
      key(out, "bundle");
      if (event.object == 0) {
        out += "null";
      } else {
        append_uint(out, event.object);
      }
      key(out, "site");
      {
        std::string site(site_file);
        site += ':';
        append_int(site, site_line);
        append_string(out, site);
      }
      key(out, "fn");
      append_string(out, fn);
      break;
    case EventKind::block:
      key(out, "reason");
      out += '"';
      put(out, names::name_at(names::block_reasons, static_cast<std::size_t>(event.reason)));
      out += '"';
      key(out, "object");
      append_uint(out, event.object);
      key(out, "object_kind");
      out += '"';
      put(out, names::name_at(names::object_kinds, static_cast<std::size_t>(event.object_kind)));
      out += '"';
      key(out, "deadline_ms");
      deadline_or_null(out, event.deadline_ms);
      break;
    case EventKind::wake:
      key(out, "by");
      coroutine_or_null(out, event.other);
      key(out, "err");
      err_or_null(out, event.err);
      break;
    case EventKind::cancel:
      key(out, "by");
      coroutine_or_null(out, event.other);
      key(out, "object");
      append_uint(out, event.object);
      key(out, "object_kind");
      out += '"';
      put(out, names::name_at(names::object_kinds, static_cast<std::size_t>(event.object_kind)));
      out += '"';
      break;
    case EventKind::ecanceled:
      break;
    case EventKind::deadline_expired:
    case EventKind::timer_set:
    case EventKind::timer_fired:
      key(out, "deadline_ms");
      deadline_or_null(out, event.deadline_ms);
      break;
    case EventKind::exit:
      key(out, "result");
      out += '"';
      put(out, exit_result(event.err));
      out += '"';
      break;
    case EventKind::chsend:
    case EventKind::chrecv:
      key(out, "channel");
      append_uint(out, event.object);
      key(out, "peer");
      coroutine_or_null(out, event.other);
      key(out, "bytes");
      append_uint(out, event.bytes);
      key(out, "side");
      append_int(out, event.side);
      break;
    case EventKind::chdone:
      key(out, "channel");
      append_uint(out, event.object);
      key(out, "side");
      append_int(out, event.side);
      break;
    case EventKind::bundle_wait_begin:
      key(out, "bundle");
      append_uint(out, event.object);
      key(out, "deadline_ms");
      deadline_or_null(out, event.deadline_ms);
      break;
    case EventKind::bundle_wait_end:
      key(out, "bundle");
      append_uint(out, event.object);
      key(out, "err");
      err_or_null(out, event.err);
      break;
    case EventKind::object_open:
    case EventKind::object_close:
      key(out, "object");
      append_uint(out, event.object);
      key(out, "object_kind");
      out += '"';
      put(out, names::name_at(names::object_kinds, static_cast<std::size_t>(event.object_kind)));
      out += '"';
      break;
    case EventKind::outside:
      key(out, "fd");
      append_uint(out, event.object);
      break;
    case EventKind::net_connect:
    case EventKind::net_accept:
    case EventKind::net_reset:
      key(out, "socket");
      append_uint(out, event.object);
      key(out, "peer_socket");
      append_uint(out, event.other_object);
      key(out, "err");
      err_or_null(out, event.err);
      break;
    case EventKind::net_close:
      key(out, "socket");
      append_uint(out, event.object);
      key(out, "sent");
      append_uint(out, event.bytes);
      key(out, "received");
      append_uint(out, event.bytes_received);
      break;
  }
  out += "}\n";
}

}  // namespace canopy::trace::line
