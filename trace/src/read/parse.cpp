// Parsing: one JSON object per line, validated field by field.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "../common/line_format.hpp"
#include "../common/names_table.hpp"
#include "canopy/trace/read.hpp"

namespace canopy::trace {
namespace {

using nlohmann::json;

// Reads the fields of one line's object; the first problem is kept in
// `error` and every later accessor becomes a no-op returning false.
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

  const json* find(const char* key) {
    if (failed()) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end()) {
      error_ = std::string("field \"") + key + "\" is missing";
      return nullptr;
    }
    return &*it;
  }

  bool wrong_type(const char* key, const json& value, const char* wanted) {
    error_ = std::string("field \"") + key + "\" must be " + wanted + ", not " +
             describe(value);
    return false;
  }

  bool unsigned_int(const char* key, std::uint64_t& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (!value->is_number_unsigned()) return wrong_type(key, *value, "a non-negative integer");
    out = value->get<std::uint64_t>();
    return true;
  }

  bool signed_int(const char* key, std::int64_t& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (value->is_number_unsigned()) {
      if (value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        return wrong_type(key, *value, "an integer that fits in 64 bits");
      out = static_cast<std::int64_t>(value->get<std::uint64_t>());
      return true;
    }
    if (!value->is_number_integer()) return wrong_type(key, *value, "an integer");
    out = value->get<std::int64_t>();
    return true;
  }

  bool small_int(const char* key, int& out, int low, int high) {
    std::int64_t wide = 0;
    if (!signed_int(key, wide)) return false;
    if (wide < low || wide > high) {
      error_ = std::string("field \"") + key + "\" must be between " + std::to_string(low) +
               " and " + std::to_string(high) + ", not " + std::to_string(wide);
      return false;
    }
    out = static_cast<int>(wide);
    return true;
  }

  bool string(const char* key, std::string& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (!value->is_string()) return wrong_type(key, *value, "a string");
    out = value->get<std::string>();
    return true;
  }

  bool optional_string(const char* key, std::optional<std::string>& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (value->is_null()) {
      out.reset();
      return true;
    }
    if (!value->is_string()) return wrong_type(key, *value, "a string or null");
    out = value->get<std::string>();
    return true;
  }

  /// A coroutine id or null (no_coroutine).
  bool coroutine(const char* key, runtime::CoroutineId& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (value->is_null()) {
      out = runtime::no_coroutine;
      return true;
    }
    if (!value->is_number_unsigned() || value->get<std::uint64_t>() == runtime::no_coroutine)
      return wrong_type(key, *value, "a coroutine id (a non-negative integer) or null");
    out = value->get<std::uint64_t>();
    return true;
  }

  /// An id, or null for 0 (no object).
  bool object_or_null(const char* key, runtime::ObjectId& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (value->is_null()) {
      out = 0;
      return true;
    }
    if (!value->is_number_unsigned()) return wrong_type(key, *value, "an id or null");
    out = value->get<std::uint64_t>();
    return true;
  }

  /// Milliseconds >= 0, or null for "no deadline" (-1).
  bool deadline(const char* key, std::int64_t& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (value->is_null()) {
      out = -1;
      return true;
    }
    if (!value->is_number_unsigned() ||
        value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      return wrong_type(key, *value, "milliseconds (a non-negative integer) or null");
    out = static_cast<std::int64_t>(value->get<std::uint64_t>());
    return true;
  }

  /// An errno name ("ECANCELED", "errno:N") or null for 0.
  bool err(const char* key, int& out) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (value->is_null()) {
      out = 0;
      return true;
    }
    if (!value->is_string()) return wrong_type(key, *value, "an errno name or null");
    auto parsed = names::errno_from_name(value->get_ref<const std::string&>());
    if (!parsed || *parsed == 0) {
      error_ = std::string("field \"") + key + "\" names no errno value: " + value->dump();
      return false;
    }
    out = *parsed;
    return true;
  }

  template <std::size_t N, typename Enum>
  bool name(const char* key, const char* const (&table)[N], Enum& out, const char* what) {
    const json* value = find(key);
    if (value == nullptr) return false;
    if (!value->is_string()) return wrong_type(key, *value, "a string");
    auto index = names::index_of(table, value->get_ref<const std::string&>());
    if (!index) {
      error_ = std::string("field \"") + key + "\" is not a known " + what + ": " + value->dump();
      return false;
    }
    out = static_cast<Enum>(*index);
    return true;
  }

  static std::string describe(const json& value) {
    std::string shown = value.dump();
    if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
    return std::string(value.type_name()) + " " + shown;
  }

 private:
  const json& object_;
  std::string error_;
};

bool parse_header(const json& object, Header& header, std::string& error) {
  Fields fields(object);
  std::string format;
  if (!fields.string("format", format)) return error = fields.error(), false;
  if (format != format_name) {
    error = "this is not a canopy trace: \"format\" is \"" + format + "\", not \"" + format_name + "\"";
    return false;
  }
  std::int64_t version = 0;
  if (!fields.signed_int("version", version)) return error = fields.error(), false;
  if (version != format_version) {
    error = "trace format version " + std::to_string(version) + " is not supported (this reader reads version " +
            std::to_string(format_version) + ")";
    return false;
  }
  std::string clock;
  if (!fields.string("clock", clock)) return error = fields.error(), false;
  if (clock != "real" && clock != "sim") {
    error = "field \"clock\" must be \"real\" or \"sim\", not \"" + clock + "\"";
    return false;
  }
  header.clock_is_simulated = clock == "sim";
  if (const json* seed = fields.find("seed"); seed != nullptr) {
    if (seed->is_number_unsigned()) {
      header.seed = seed->get<std::uint64_t>();
    } else if (!seed->is_null()) {
      fields.wrong_type("seed", *seed, "a non-negative integer or null");
    }
  }
  fields.optional_string("strategy", header.strategy);
  fields.string("program", header.program);
  fields.optional_string("scenario", header.scenario);
  fields.optional_string("replay", header.replay);
  // Optional: traces written before the field existed are reproducible.
  if (auto it = object.find("reproducible"); it != object.end() && !fields.failed()) {
    if (it->is_boolean()) {
      header.reproducible = it->get<bool>();
    } else {
      fields.wrong_type("reproducible", *it, "true or false");
    }
  }
  std::string unit;
  if (fields.string("time_unit", unit) && unit != "ns") {
    error = "field \"time_unit\" must be \"ns\", not \"" + unit + "\"";
    return false;
  }
  if (fields.failed()) return error = fields.error(), false;
  return true;
}

// Fills `out` from `object`, or explains what was wrong in `error`.
bool parse_event(const json& object, TraceEvent& out, std::string& error) {
  using runtime::EventKind;
  Fields fields(object);
  runtime::Event& event = out.event;
  fields.unsigned_int("seq", out.seq);
  fields.signed_int("t", event.time_ns);
  std::uint64_t co = 0;
  if (fields.unsigned_int("co", co)) event.coroutine = co;
  fields.name("kind", names::event_kinds, event.kind, "event kind");
  if (fields.failed()) return error = fields.error(), false;
  switch (event.kind) {
    case EventKind::spawn: {
      fields.coroutine("parent", event.other);
      fields.object_or_null("bundle", event.object);
      std::string site;
      if (fields.string("site", site)) {
        auto colon = site.rfind(':');
        std::int64_t line = -1;
        if (colon != std::string::npos && colon + 1 < site.size() && site.size() - colon <= 10) {
          line = 0;
          for (char c : site.substr(colon + 1)) {
            if (c < '0' || c > '9') {
              line = -1;
              break;
            }
            line = line * 10 + (c - '0');
          }
        }
        if (line < 0) {
          error = "field \"site\" must be \"file:line\", not \"" + site + "\"";
          return false;
        }
        out.site_file = site.substr(0, colon);
        out.site_line = static_cast<int>(line);
      }
      fields.string("fn", out.fn);
      break;
    }
    case EventKind::block:
      fields.name("reason", names::block_reasons, event.reason, "block reason");
      fields.unsigned_int("object", event.object);
      fields.name("object_kind", names::object_kinds, event.object_kind, "object kind");
      fields.deadline("deadline_ms", event.deadline_ms);
      break;
    case EventKind::wake:
      fields.coroutine("by", event.other);
      fields.err("err", event.err);
      break;
    case EventKind::cancel:
      fields.coroutine("by", event.other);
      fields.unsigned_int("object", event.object);
      fields.name("object_kind", names::object_kinds, event.object_kind, "object kind");
      break;
    case EventKind::ecanceled:
      break;
    case EventKind::deadline_expired:
    case EventKind::timer_set:
    case EventKind::timer_fired:
      fields.deadline("deadline_ms", event.deadline_ms);
      break;
    case EventKind::exit: {
      std::string result;
      if (fields.string("result", result)) {
        if (result == "returned") {
          event.err = 0;
        } else if (result == "cancelled") {
          event.err = ECANCELED;
        } else if (result == "failed") {
          event.err = EIO;
        } else {
          error = "field \"result\" must be \"returned\", \"cancelled\" or \"failed\", not \"" + result + "\"";
          return false;
        }
      }
      break;
    }
    case EventKind::chsend:
    case EventKind::chrecv: {
      fields.unsigned_int("channel", event.object);
      event.object_kind = runtime::ObjectKind::channel;
      fields.coroutine("peer", event.other);
      std::uint64_t bytes = 0;
      if (fields.unsigned_int("bytes", bytes)) event.bytes = static_cast<std::size_t>(bytes);
      fields.small_int("side", event.side, -1, 1);
      break;
    }
    case EventKind::chdone:
      fields.unsigned_int("channel", event.object);
      event.object_kind = runtime::ObjectKind::channel;
      fields.small_int("side", event.side, -1, 1);
      break;
    case EventKind::bundle_wait_begin:
      fields.unsigned_int("bundle", event.object);
      event.object_kind = runtime::ObjectKind::bundle;
      fields.deadline("deadline_ms", event.deadline_ms);
      break;
    case EventKind::bundle_wait_end:
      fields.unsigned_int("bundle", event.object);
      event.object_kind = runtime::ObjectKind::bundle;
      fields.err("err", event.err);
      break;
    case EventKind::object_open:
    case EventKind::object_close:
      fields.unsigned_int("object", event.object);
      fields.name("object_kind", names::object_kinds, event.object_kind, "object kind");
      break;
    case EventKind::outside:
      fields.unsigned_int("fd", event.object);
      break;
    case EventKind::net_connect:
    case EventKind::net_accept:
    case EventKind::net_reset:
      fields.unsigned_int("socket", event.object);
      fields.unsigned_int("peer_socket", event.other_object);
      fields.err("err", event.err);
      break;
    case EventKind::net_close: {
      fields.unsigned_int("socket", event.object);
      std::uint64_t sent = 0, received = 0;
      if (fields.unsigned_int("sent", sent)) event.bytes = static_cast<std::size_t>(sent);
      if (fields.unsigned_int("received", received)) event.bytes_received = static_cast<std::size_t>(received);
      break;
    }
  }
  if (fields.failed()) return error = fields.error(), false;
  return true;
}

ParseResult failure(std::size_t line, std::string message) {
  ParseResult result;
  result.error = ParseError{line, std::move(message)};
  return result;
}

// Validation that needs what came before: numbering, time, identities.
class Sequence {
 public:
  std::string check(const TraceEvent& current) {
    const runtime::Event& event = current.event;
    if (current.seq != next_seq_) {
      return "seq is " + std::to_string(current.seq) + " but " + std::to_string(next_seq_) +
             " was expected (seq counts 0, 1, 2... without gaps)";
    }
    if (next_seq_ > 0 && event.time_ns < last_time_ns_) {
      return "time goes backwards: t is " + std::to_string(event.time_ns) + " after " +
             std::to_string(last_time_ns_);
    }
    if (event.kind == runtime::EventKind::spawn) {
      if (event.coroutine == runtime::main_coroutine || known_.count(event.coroutine) != 0) {
        return "coroutine " + std::to_string(event.coroutine) + " is spawned again (ids are never reused)";
      }
      if (event.other != runtime::no_coroutine && !known(event.other)) {
        return "the parent of coroutine " + std::to_string(event.coroutine) + ", coroutine " +
               std::to_string(event.other) + ", was never spawned";
      }
      known_.insert(event.coroutine);
    } else if (!known(event.coroutine)) {
      return "event for coroutine " + std::to_string(event.coroutine) + ", which was never spawned";
    }
    ++next_seq_;
    last_time_ns_ = event.time_ns;
    return {};
  }

 private:
  bool known(runtime::CoroutineId id) const {
    return id == runtime::main_coroutine || known_.count(id) != 0;
  }
  std::uint64_t next_seq_ = 0;
  std::int64_t last_time_ns_ = 0;
  std::unordered_set<runtime::CoroutineId> known_;  // lookups only, never iterated
};

}  // namespace

ParseResult parse_trace(std::string_view text) {
  try {
    ParseResult result;
    Sequence sequence;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      ++line_number;
      std::size_t end = text.find('\n', start);
      const bool has_newline = end != std::string_view::npos;
      if (!has_newline) end = text.size();
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        if (!has_newline || start >= text.size()) break;  // trailing blank line
        return failure(line_number, "empty line (every line must hold one JSON object)");
      }
      json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (object.is_discarded()) {
        if (!has_newline) return failure(line_number, "truncated last line (no newline and not valid JSON)");
        return failure(line_number, "not valid JSON");
      }
      if (!object.is_object()) {
        return failure(line_number, std::string("a line must be a JSON object, not ") + object.type_name());
      }
      std::string error;
      if (line_number == 1) {
        if (!parse_header(object, result.trace.header, error)) return failure(1, "bad header: " + error);
        continue;
      }
      TraceEvent event;
      if (!parse_event(object, event, error)) return failure(line_number, error);
      error = sequence.check(event);
      if (!error.empty()) return failure(line_number, error);
      result.trace.events.push_back(std::move(event));
    }
    if (line_number == 0) return failure(1, "the trace is empty: line 1 must be the header");
    result.ok = true;
    return result;
  } catch (const std::exception& e) {
    // Out of memory on a giant line is the only way here; report, never throw.
    return failure(0, std::string("could not parse the trace: ") + e.what());
  }
}

ParseResult read_trace_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return failure(0, "cannot open " + path + ": " + std::strerror(err));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return failure(0, "cannot read " + path);
  return parse_trace(contents.str());
}

std::string canonical_line(const TraceEvent& event) {
  std::string out;
  line::append_event(out, event.seq, event.event, event.site_file, event.site_line, event.fn);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace canopy::trace
