// Parsing: one JSON object per line, validated field by field.
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "../common/event_schema.hpp"
#include "../common/line_format.hpp"
#include "../common/names_table.hpp"
#include "canopy/trace/read.hpp"
#include "fast_line.hpp"

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

// Fills `out` from `object`, or explains what was wrong in `error`: key
// by key as the event schema lists them for the line's kind.
bool parse_event(const json& object, TraceEvent& out, std::string& error) {
  using schema::Field;
  Fields fields(object);
  runtime::Event& event = out.event;
  fields.unsigned_int("seq", out.seq);
  fields.signed_int("t", event.time_ns);
  std::uint64_t co = 0;
  if (fields.unsigned_int("co", co)) event.coroutine = co;
  std::string kind_name;
  fields.string("kind", kind_name);
  if (fields.failed()) return error = fields.error(), false;
  const std::optional<runtime::EventKind> named = schema::named(kind_name);
  if (!named) {
    error = "field \"kind\" is not a known event kind: " + json(kind_name).dump();
    return false;
  }
  event.kind = *named;
  const schema::Kind* kind = schema::of(event.kind);
  for (std::size_t i = 0; i < kind->key_count; ++i) {
    const char* key = kind->keys[i].name;
    switch (kind->keys[i].field) {
      case Field::other: fields.coroutine(key, event.other); break;
      case Field::object: fields.unsigned_int(key, event.object); break;
      case Field::object_or_null: fields.object_or_null(key, event.object); break;
      case Field::object_kind: fields.name(key, names::object_kinds, event.object_kind, "object kind"); break;
      case Field::reason: fields.name(key, names::block_reasons, event.reason, "block reason"); break;
      case Field::deadline: fields.deadline(key, event.deadline_ms); break;
      case Field::err: fields.err(key, event.err); break;
      case Field::result: {
        std::string result;
        if (!fields.string(key, result)) break;
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
        break;
      }
      case Field::bytes: {
        std::uint64_t bytes = 0;
        if (fields.unsigned_int(key, bytes)) event.bytes = static_cast<std::size_t>(bytes);
        break;
      }
      case Field::bytes_received: {
        std::uint64_t bytes = 0;
        if (fields.unsigned_int(key, bytes)) event.bytes_received = static_cast<std::size_t>(bytes);
        break;
      }
      case Field::other_object: fields.unsigned_int(key, event.other_object); break;
      case Field::side: fields.small_int(key, event.side, -1, 1); break;
      case Field::site: {
        std::string site;
        if (!fields.string(key, site)) break;
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
          error = "field \"site\" must be \"file:line\", not " + json(site).dump();
          return false;
        }
        out.site_file = site.substr(0, colon);
        out.site_line = static_cast<int>(line);
        break;
      }
      case Field::fn: fields.string(key, out.fn); break;
    }
  }
  if (kind->implied_object_kind != runtime::ObjectKind::none) event.object_kind = kind->implied_object_kind;
  if (fields.failed()) return error = fields.error(), false;
  return true;
}

// The "end" line: how the run ended (docs/trace-format.md).
bool parse_end(const json& object, TraceEnd& out, std::string& error) {
  Fields fields(object);
  fields.unsigned_int("seq", out.seq);
  fields.signed_int("t", out.time_ns);
  std::uint64_t co = 0;
  if (fields.unsigned_int("co", co) && co != runtime::main_coroutine) {
    error = "an end line is about the run: \"co\" must be 0, not " + std::to_string(co);
    return false;
  }
  if (fields.string("how", out.how)) {
    bool plain = !out.how.empty() && out.how.size() <= 40;
    for (char c : out.how) plain = plain && ((c >= 'a' && c <= 'z') || c == '-' || c == '_');
    if (!plain) {
      error = "field \"how\" must be a short lower-case name, not " + json(out.how).dump();
      return false;
    }
  }
  if (const json* status = fields.find("status"); status != nullptr) {
    if (status->is_null()) {
      out.status.reset();
    } else if (status->is_number_unsigned() && status->get<std::uint64_t>() <= 255) {
      out.status = static_cast<int>(status->get<std::uint64_t>());
    } else {
      fields.wrong_type("status", *status, "an exit status (0 to 255) or null");
    }
  }
  if (const json* signal = fields.find("signal"); signal != nullptr) {
    if (signal->is_null()) {
      out.signal = 0;
    } else if (!signal->is_string()) {
      fields.wrong_type("signal", *signal, "a signal name or null");
    } else if (auto value = names::signal_from_name(signal->get_ref<const std::string&>())) {
      out.signal = *value;
    } else {
      const std::string& name = signal->get_ref<const std::string&>();
      constexpr std::string_view prefix = "signal:";
      int number = 0;
      bool ok = name.size() > prefix.size() && name.size() <= prefix.size() + 3 && name.rfind(prefix, 0) == 0;
      for (std::size_t i = prefix.size(); ok && i < name.size(); ++i) {
        ok = name[i] >= '0' && name[i] <= '9';
        number = number * 10 + (name[i] - '0');
      }
      if (!ok || number <= 0 || number > 128) {
        error = "field \"signal\" names no signal: " + signal->dump();
        return false;
      }
      out.signal = number;
    }
  }
  fields.optional_string("report", out.report);
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
  /// The end line comes next in seq and time, like any event.
  std::string check_end(const TraceEnd& end) {
    if (end.seq != next_seq_) {
      return "seq is " + std::to_string(end.seq) + " but " + std::to_string(next_seq_) + " was expected";
    }
    if (next_seq_ > 0 && end.time_ns < last_time_ns_) {
      return "time goes backwards: t is " + std::to_string(end.time_ns) + " after " + std::to_string(last_time_ns_);
    }
    return {};
  }

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
    } else if (const char* role = schema::other_key(event.kind);
               role != nullptr && event.other != runtime::no_coroutine && !known(event.other)) {
      return std::string("\"") + role + "\" names coroutine " + std::to_string(event.other) +
             ", which was never spawned";
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


// Takes a trace one line at a time, so that a file can be read in chunks
// and never held whole.
class LineReader {
 public:
  LineReader() = default;
  explicit LineReader(const EventSink* sink) : sink_(sink) {}

  /// Takes line number `line_number()+1` (without its newline). Returns
  /// false once the trace is refused; result() then says why.
  bool take(std::string_view line, bool has_newline) {
    if (!result_.error.message.empty()) return false;
    ++line_number_;
    if (line.size() > max_line_bytes) return fail("the line is longer than " + std::to_string(max_line_bytes) + " bytes");
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (line_number_ == 1) return fail("line 1 is empty: a trace starts with its header");
      // One empty line may end the file; anything after it is an error.
      if (blank_line_ == 0) blank_line_ = line_number_;
      return true;
    }
    if (blank_line_ != 0) {
      line_number_ = blank_line_;
      return fail("empty line (every line must hold one JSON object)");
    }
    if (line_number_ > 1 && !result_.trace.end) {
      // Lines as the recorder writes them skip building a JSON document.
      TraceEvent event;
      if (detail::parse_event_fast(line, event)) {
        std::string error = sequence_.check(event);
        if (!error.empty()) return fail(error);
        keep(std::move(event));
        return true;
      }
    }
    json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) {
      if (!has_newline && line_number_ > 1) {
        // The writer died in the middle of this line: what came before stands.
        cut_ = line_number_;
        return true;
      }
      if (!has_newline) return fail("truncated header (no newline and not valid JSON)");
      return fail("not valid JSON");
    }
    if (!object.is_object()) return fail(std::string("a line must be a JSON object, not ") + object.type_name());
    std::string error;
    if (line_number_ == 1) {
      if (!parse_header(object, result_.trace.header, error)) return fail("bad header: " + error);
      return true;
    }
    if (result_.trace.end) return fail("an event after the end line (the end line is the last one)");
    if (auto kind = object.find("kind"); kind != object.end() && kind->is_string() && *kind == "end") {
      TraceEnd end;
      if (!parse_end(object, end, error)) return fail(error);
      error = sequence_.check_end(end);
      if (!error.empty()) return fail(error);
      result_.trace.end = std::move(end);
      return true;
    }
    TraceEvent event;
    if (!parse_event(object, event, error)) return fail(error);
    error = sequence_.check(event);
    if (!error.empty()) return fail(error);
    keep(std::move(event));
    return true;
  }

  // A validated event goes to the sink, or into the trace.
  void keep(TraceEvent&& event) {
    ++result_.trace.event_count;
    if (sink_ != nullptr) {
      (*sink_)(event);
    } else {
      result_.trace.events.push_back(std::move(event));
    }
  }

  /// Fails the trace at the current line (out of memory, a read error).
  bool fail(std::string message) {
    if (result_.error.message.empty()) result_.error = ParseError{line_number_, std::move(message)};
    return false;
  }

  /// Fails the trace at the line after the last one taken.
  bool refuse_next_line(std::string message) {
    ++line_number_;
    return fail(std::move(message));
  }

  std::size_t line_number() const { return line_number_; }

  ParseResult finish() {
    if (result_.error.message.empty() && line_number_ == 0) {
      refuse_next_line("the trace is empty: line 1 must be the header");
    }
    if (!result_.error.message.empty()) {
      ParseResult refused;
      refused.error = std::move(result_.error);
      return refused;
    }
    result_.ok = true;
    result_.trace.cut_at_line = cut_;
    return std::move(result_);
  }

 private:
  ParseResult result_;
  const EventSink* sink_ = nullptr;  ///< null: events go into the trace
  Sequence sequence_;
  std::size_t line_number_ = 0;
  std::size_t blank_line_ = 0;  ///< an empty line seen (allowed only last)
  std::size_t cut_ = 0;         ///< a cut-off line seen (allowed only last)
};

}  // namespace

ParseResult parse_trace(std::string_view text) {
  LineReader reader;
  try {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      const bool has_newline = end != std::string_view::npos;
      if (!has_newline) end = text.size();
      if (!reader.take(text.substr(start, end - start), has_newline)) break;
      start = end + 1;
    }
  } catch (const std::exception& e) {
    // Out of memory is the only way here; report, never throw.
    reader.fail(std::string("could not parse the trace: ") + e.what());
  }
  return reader.finish();
}

ParseResult read_trace_file(const std::string& path) { return read_trace_file(path, EventSink()); }

ParseResult read_trace_file(const std::string& path, const EventSink& sink) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int err = errno;
    return failure(0, "cannot open " + path + ": " + std::strerror(err));
  }
  LineReader reader(sink ? &sink : nullptr);
  bool read_failed = false;
  try {
    std::string line;
    char chunk[64 * 1024];
    bool going = true;
    while (going) {
      const std::size_t got = std::fread(chunk, 1, sizeof chunk, file);
      if (got == 0) {
        read_failed = std::ferror(file) != 0;
        break;
      }
      std::string_view rest(chunk, got);
      while (going && !rest.empty()) {
        const std::size_t newline = rest.find('\n');
        const std::string_view piece = rest.substr(0, newline);
        if (line.size() + piece.size() > max_line_bytes) {
          // Stop here: a longer line is refused whatever follows it.
          reader.refuse_next_line("the line is longer than " + std::to_string(max_line_bytes) + " bytes");
          going = false;
          break;
        }
        if (newline == std::string_view::npos) {
          line.append(piece);
          break;
        }
        if (line.empty()) {
          going = reader.take(piece, true);
        } else {
          line.append(piece);
          going = reader.take(line, true);
          line.clear();
        }
        rest.remove_prefix(newline + 1);
      }
    }
    if (going && !read_failed && !line.empty()) reader.take(line, false);
  } catch (const std::bad_alloc&) {
    reader.fail("out of memory after " + std::to_string(reader.line_number()) + " lines");
  } catch (const std::exception& e) {
    reader.fail(std::string("could not read the trace: ") + e.what());
  }
  std::fclose(file);
  if (read_failed) return failure(0, "cannot read " + path + ": " + std::strerror(errno));
  return reader.finish();
}

const char* block_reason_name(runtime::BlockReason reason) {
  return names::name_at(names::block_reasons, static_cast<std::size_t>(reason));
}

std::string describe_end(const TraceEnd& end) {
  std::string text = end.how;
  if (end.status) text += ", exit status " + std::to_string(*end.status);
  if (end.signal != 0) {
    const char* name = names::signal_name(end.signal);
    text += ", signal " + (name != nullptr ? std::string(name) : std::to_string(end.signal));
  }
  if (end.report && !end.report->empty()) text += ": " + end.report->substr(0, end.report->find('\n'));
  return text;
}

std::string canonical_line(const TraceEnd& end) {
  std::string out;
  line::append_end(out, end.seq, end.time_ns, end.how.c_str(), end.status.value_or(-1), end.signal,
                   end.report.value_or(""), end.report.has_value());
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string canonical_line(const TraceEvent& event) {
  std::string out;
  line::append_event(out, event.seq, event.event, event.site_file, event.site_line, event.fn);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace canopy::trace
