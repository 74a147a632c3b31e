#include "fast_line.hpp"

#include <cerrno>
#include <cstdint>

#include "../common/event_schema.hpp"
#include "../common/names_table.hpp"

namespace canopy::trace::detail {
namespace {

/// One member's value, as far as the fast path understands it.
struct Value {
  enum class Type : std::uint8_t { null, number, string, other } type = Type::other;
  bool negative = false;     ///< number: had a minus sign
  std::uint64_t magnitude = 0;  ///< number: its absolute value
  std::string_view text;     ///< string: its characters (no escapes)
};

/// At most this many members: event lines have at most 8.
constexpr std::size_t max_members = 12;

struct Members {
  std::string_view keys[max_members];
  Value values[max_members];
  std::size_t count = 0;

  const Value* find(std::string_view key) const {
    for (std::size_t i = 0; i < count; ++i) {
      if (keys[i] == key) return &values[i];
    }
    return nullptr;
  }
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool object(Members& members) {
    skip_space();
    if (!take('{')) return false;
    skip_space();
    if (take('}')) return at_end();
    while (true) {
      if (members.count == max_members) return false;
      std::string_view key;
      if (!string(key)) return false;
      for (std::size_t i = 0; i < members.count; ++i) {
        if (members.keys[i] == key) return false;  // duplicates: the general parser decides
      }
      skip_space();
      if (!take(':')) return false;
      skip_space();
      Value& value = members.values[members.count];
      if (!this->value(value)) return false;
      members.keys[members.count++] = key;
      skip_space();
      if (take(',')) {
        skip_space();
        continue;
      }
      if (!take('}')) return false;
      return at_end();
    }
  }

 private:
  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // A string of printable ASCII without escapes; others (escapes, control
  // characters, UTF-8, which the general parser validates) go the long way.
  bool string(std::string_view& out) {
    if (!take('"')) return false;
    const std::size_t begin = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        out = text_.substr(begin, pos_ - begin);
        ++pos_;
        return true;
      }
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80) return false;
      ++pos_;
    }
    return false;
  }
  bool value(Value& out) {
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    if (c == '"') {
      out.type = Value::Type::string;
      return string(out.text);
    }
    if (text_.compare(pos_, 4, "null") == 0) {
      pos_ += 4;
      out.type = Value::Type::null;
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      out.type = Value::Type::number;
      out.negative = take('-');
      const std::size_t begin = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
        if (out.magnitude > (UINT64_MAX - digit) / 10) return false;  // too big: the long way
        out.magnitude = out.magnitude * 10 + digit;
        ++pos_;
      }
      const std::size_t digits = pos_ - begin;
      if (digits == 0 || (digits > 1 && text_[begin] == '0')) return false;
      // Fractions and exponents are not integers: the long way.
      if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) return false;
      return !(out.negative && out.magnitude == 0);  // "-0": the long way
    }
    return false;  // true, false, arrays, objects: the long way
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool unsigned_of(const Value* value, std::uint64_t& out) {
  if (value == nullptr || value->type != Value::Type::number || value->negative) return false;
  out = value->magnitude;
  return true;
}

bool signed_of(const Value* value, std::int64_t& out) {
  if (value == nullptr || value->type != Value::Type::number) return false;
  if (value->negative) {
    if (value->magnitude > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = -static_cast<std::int64_t>(value->magnitude);
    return true;
  }
  if (value->magnitude > static_cast<std::uint64_t>(INT64_MAX)) return false;
  out = static_cast<std::int64_t>(value->magnitude);
  return true;
}

bool string_of(const Value* value, std::string_view& out) {
  if (value == nullptr || value->type != Value::Type::string) return false;
  out = value->text;
  return true;
}

template <std::size_t N, typename Enum>
bool named_of(const Value* value, const char* const (&table)[N], Enum& out) {
  std::string_view text;
  if (!string_of(value, text)) return false;
  const auto index = names::index_of(table, text);
  if (!index) return false;
  out = static_cast<Enum>(*index);
  return true;
}

// One schema key into the event; false for anything the general parser
// would refuse or treat differently.
bool field(const Members& members, const schema::Key& key, TraceEvent& out) {
  using schema::Field;
  runtime::Event& event = out.event;
  const Value* value = members.find(key.name);
  if (value == nullptr) return false;
  switch (key.field) {
    case Field::other:
      if (value->type == Value::Type::null) {
        event.other = runtime::no_coroutine;
        return true;
      }
      return unsigned_of(value, event.other) && event.other != runtime::no_coroutine;
    case Field::object: return unsigned_of(value, event.object);
    case Field::object_or_null:
      if (value->type == Value::Type::null) {
        event.object = 0;
        return true;
      }
      return unsigned_of(value, event.object);
    case Field::object_kind: return named_of(value, names::object_kinds, event.object_kind);
    case Field::reason: return named_of(value, names::block_reasons, event.reason);
    case Field::deadline: {
      if (value->type == Value::Type::null) {
        event.deadline_ms = -1;
        return true;
      }
      std::uint64_t ms = 0;
      if (!unsigned_of(value, ms) || ms > static_cast<std::uint64_t>(INT64_MAX)) return false;
      event.deadline_ms = static_cast<std::int64_t>(ms);
      return true;
    }
    case Field::err: {
      if (value->type == Value::Type::null) {
        event.err = 0;
        return true;
      }
      std::string_view text;
      if (!string_of(value, text)) return false;
      const auto parsed = names::errno_from_name(text);
      if (!parsed || *parsed == 0) return false;
      event.err = *parsed;
      return true;
    }
    case Field::result: {
      std::string_view text;
      if (!string_of(value, text)) return false;
      if (text == "returned") {
        event.err = 0;
      } else if (text == "cancelled") {
        event.err = ECANCELED;
      } else if (text == "failed") {
        event.err = EIO;
      } else {
        return false;
      }
      return true;
    }
    case Field::bytes: {
      std::uint64_t bytes = 0;
      if (!unsigned_of(value, bytes)) return false;
      event.bytes = static_cast<std::size_t>(bytes);
      return true;
    }
    case Field::bytes_received: {
      std::uint64_t bytes = 0;
      if (!unsigned_of(value, bytes)) return false;
      event.bytes_received = static_cast<std::size_t>(bytes);
      return true;
    }
    case Field::other_object: return unsigned_of(value, event.other_object);
    case Field::side: {
      std::int64_t side = 0;
      if (!signed_of(value, side) || side < -1 || side > 1) return false;
      event.side = static_cast<int>(side);
      return true;
    }
    case Field::site: {
      std::string_view site;
      if (!string_of(value, site)) return false;
      const std::size_t colon = site.rfind(':');
      if (colon == std::string_view::npos || colon + 1 >= site.size() || site.size() - colon > 10) return false;
      int line = 0;
      for (char c : site.substr(colon + 1)) {
        if (c < '0' || c > '9') return false;
        line = line * 10 + (c - '0');
      }
      out.site_file.assign(site.substr(0, colon));
      out.site_line = line;
      return true;
    }
    case Field::fn: {
      std::string_view fn;
      if (!string_of(value, fn)) return false;
      out.fn.assign(fn);
      return true;
    }
  }
  return false;
}

}  // namespace

bool parse_event_fast(std::string_view line, TraceEvent& out) {
  Members members;
  if (!Scanner(line).object(members)) return false;
  std::uint64_t co = 0;
  std::string_view kind_name;
  if (!unsigned_of(members.find("seq"), out.seq) || !signed_of(members.find("t"), out.event.time_ns) ||
      !unsigned_of(members.find("co"), co) || !string_of(members.find("kind"), kind_name)) {
    return false;
  }
  out.event.coroutine = co;
  const std::optional<runtime::EventKind> kind = schema::named(kind_name);
  if (!kind) return false;  // "end", or no kind at all
  out.event.kind = *kind;
  const schema::Kind* entry = schema::of(*kind);
  for (std::size_t i = 0; i < entry->key_count; ++i) {
    if (!field(members, entry->keys[i], out)) return false;
  }
  if (entry->implied_object_kind != runtime::ObjectKind::none) out.event.object_kind = entry->implied_object_kind;
  return true;
}

}  // namespace canopy::trace::detail
