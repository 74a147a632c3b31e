// What each event kind's line holds: one table, read by the writer
// (line_format.hpp) and by the reader (read/parse.cpp), so that the keys,
// their order and their types are written down once.
//
// Header-only for the same reason as names_table.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

#include "canopy/runtime/event.hpp"

namespace canopy::trace::schema {

/// How one key's value is written, and which runtime::Event member it is.
enum class Field : std::uint8_t {
  other,           ///< Event::other: a coroutine id, or null for no_coroutine
  object,          ///< Event::object: an id
  object_or_null,  ///< Event::object: an id, or null for 0
  object_kind,     ///< Event::object_kind: its name
  reason,          ///< Event::reason: its name
  deadline,        ///< Event::deadline_ms: milliseconds, or null for -1
  err,             ///< Event::err: an errno name, or null for 0
  result,          ///< Event::err of an exit: "returned", "cancelled", "failed"
  bytes,           ///< Event::bytes
  bytes_received,  ///< Event::bytes_received
  other_object,    ///< Event::other_object: an id (0: none)
  side,            ///< Event::side: 0, 1, or -1
  site,            ///< the spawn site, "file:line"
  fn,              ///< the spawned function's name
};

/// One key of a line, after the four every event has.
struct Key {
  const char* name;
  Field field;
};

/// One event kind's keys, in writing order (its name is the runtime's,
/// runtime::event_kind_names).
struct Kind {
  Key keys[4];
  std::size_t key_count;
  /// The object kind the line implies without saying it ("channel" for a
  /// chsend's `channel`), or none when an `object_kind` key says it.
  runtime::ObjectKind implied_object_kind;
};

using runtime::ObjectKind;

/// Index = EventKind value; comments name the kinds.
inline constexpr Kind kinds[] = {
    /* spawn */ {{{"parent", Field::other}, {"bundle", Field::object_or_null}, {"site", Field::site}, {"fn", Field::fn}}, 4,
     ObjectKind::none},
    /* block */ {{{"reason", Field::reason}, {"object", Field::object}, {"object_kind", Field::object_kind},
      {"deadline_ms", Field::deadline}},
     4, ObjectKind::none},
    /* wake */ {{{"by", Field::other}, {"err", Field::err}}, 2, ObjectKind::none},
    /* cancel */ {{{"by", Field::other}, {"object", Field::object}, {"object_kind", Field::object_kind}}, 3,
     ObjectKind::none},
    /* ecanceled */ {{}, 0, ObjectKind::none},
    /* deadline_expired */ {{{"deadline_ms", Field::deadline}}, 1, ObjectKind::none},
    /* exit */ {{{"result", Field::result}}, 1, ObjectKind::none},
    /* chsend */ {{{"channel", Field::object}, {"peer", Field::other}, {"bytes", Field::bytes}, {"side", Field::side}}, 4,
     ObjectKind::channel},
    /* chrecv */ {{{"channel", Field::object}, {"peer", Field::other}, {"bytes", Field::bytes}, {"side", Field::side}}, 4,
     ObjectKind::channel},
    /* chdone */ {{{"channel", Field::object}, {"side", Field::side}}, 2, ObjectKind::channel},
    /* bundle_wait_begin */ {{{"bundle", Field::object}, {"deadline_ms", Field::deadline}}, 2, ObjectKind::bundle},
    /* bundle_wait_end */ {{{"bundle", Field::object}, {"err", Field::err}}, 2, ObjectKind::bundle},
    /* timer_set */ {{{"deadline_ms", Field::deadline}}, 1, ObjectKind::none},
    /* timer_fired */ {{{"deadline_ms", Field::deadline}}, 1, ObjectKind::none},
    /* object_open */ {{{"object", Field::object}, {"object_kind", Field::object_kind}}, 2, ObjectKind::none},
    /* object_close */ {{{"object", Field::object}, {"object_kind", Field::object_kind}}, 2, ObjectKind::none},
    /* outside */ {{{"fd", Field::object}}, 1, ObjectKind::none},
    /* net_connect */ {{{"socket", Field::object}, {"peer_socket", Field::other_object}, {"err", Field::err}}, 3,
     ObjectKind::none},
    /* net_accept */ {{{"socket", Field::object}, {"peer_socket", Field::other_object}, {"err", Field::err}}, 3,
     ObjectKind::none},
    /* net_reset */ {{{"socket", Field::object}, {"peer_socket", Field::other_object}, {"err", Field::err}}, 3,
     ObjectKind::none},
    /* net_close */ {{{"socket", Field::object}, {"sent", Field::bytes}, {"received", Field::bytes_received}}, 3,
     ObjectKind::none},
    /* net_send */ {{{"socket", Field::object}, {"peer_socket", Field::other_object}, {"bytes", Field::bytes}}, 3,
     ObjectKind::none},
    /* net_partition */ {{{"socket", Field::object}, {"peer_socket", Field::other_object},
      {"until_ms", Field::deadline}},
     3, ObjectKind::none},
};

inline constexpr std::size_t kind_count = std::size(kinds);
static_assert(kind_count == std::size(runtime::event_kind_names), "one schema entry per event kind, in EventKind order");

/// The schema of `kind`, or null for a value outside the enum.
inline const Kind* of(runtime::EventKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kind_count ? &kinds[index] : nullptr;
}

/// The name of `kind` ("spawn", ...), or "?" outside the enum.
inline const char* name(runtime::EventKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < std::size(runtime::event_kind_names) ? runtime::event_kind_names[index] : "?";
}

/// The kind named `text`, or nothing.
inline std::optional<runtime::EventKind> named(std::string_view text) {
  for (std::size_t i = 0; i < std::size(runtime::event_kind_names); ++i) {
    if (text == runtime::event_kind_names[i]) return static_cast<runtime::EventKind>(i);
  }
  return std::nullopt;
}

/// The key under which `kind` names a coroutine other than `co` that must
/// exist ("parent", "by", "peer"), or null when it names none.
inline const char* other_key(runtime::EventKind kind) {
  const Kind* entry = of(kind);
  if (entry == nullptr) return nullptr;
  for (std::size_t i = 0; i < entry->key_count; ++i) {
    if (entry->keys[i].field == Field::other) return entry->keys[i].name;
  }
  return nullptr;
}

}  // namespace canopy::trace::schema
