// The names traces use for enums and errno values, in one table each.
//
// Header-only on purpose: the recorder (linked into the runtime) and the
// reader (a separate tools library) both need them, and a program may link
// both; inline tables cannot collide at link time the way two copies of one
// function definition would.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "canopy/runtime/event.hpp"

namespace canopy::trace::names {

// The enum names are the runtime's own (event.hpp); the trace format uses
// them as they are, so that a name is spelled in one place.
inline constexpr const auto& block_reasons = runtime::block_reason_names;
inline constexpr const auto& object_kinds = runtime::object_kind_names;
inline constexpr const auto& event_kinds = runtime::event_kind_names;

inline constexpr std::size_t block_reason_count = std::size(block_reasons);
inline constexpr std::size_t object_kind_count = std::size(object_kinds);
inline constexpr std::size_t event_kind_count = std::size(event_kinds);

/// The name of the enumerator at `index` in `table`, or "?" when out of range
/// (a value cast from garbage must still print something).
template <std::size_t N>
constexpr const char* name_at(const char* const (&table)[N], std::size_t index) {
  return index < N ? table[index] : "?";
}

/// The index of `name` in `table`, or nullopt when it is not there.
template <std::size_t N>
std::optional<std::size_t> index_of(const char* const (&table)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (name == table[i]) return i;
  }
  return std::nullopt;
}

struct ErrnoName {
  int value;
  const char* name;
};

/// The errno values a trace names; others are written "errno:N".
inline constexpr ErrnoName errno_names[] = {
    {ECANCELED, "ECANCELED"}, {ETIMEDOUT, "ETIMEDOUT"}, {EPIPE, "EPIPE"},
    {EBADF, "EBADF"},         {EBUSY, "EBUSY"},         {ENOTSUP, "ENOTSUP"},
    {EINVAL, "EINVAL"},       {ENOMEM, "ENOMEM"},       {ECONNRESET, "ECONNRESET"},
    {EAGAIN, "EAGAIN"},       {EINTR, "EINTR"},         {EEXIST, "EEXIST"},
    {ENOENT, "ENOENT"},       {EMFILE, "EMFILE"},       {EPROTO, "EPROTO"},
    {EMSGSIZE, "EMSGSIZE"},   {ECONNREFUSED, "ECONNREFUSED"},
    {EIO, "EIO"},             {ENOTCONN, "ENOTCONN"},   {EACCES, "EACCES"},
};

struct SignalName {
  int value;
  const char* name;
};

/// The fatal signals an "end" line names.
inline constexpr SignalName signal_names[] = {
    {SIGABRT, "SIGABRT"}, {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
    {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGSYS, "SIGSYS"},   {SIGTERM, "SIGTERM"},
    {SIGINT, "SIGINT"},   {SIGHUP, "SIGHUP"},   {SIGQUIT, "SIGQUIT"}, {SIGXCPU, "SIGXCPU"},
    {SIGXFSZ, "SIGXFSZ"}, {SIGKILL, "SIGKILL"}, {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"},
    {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},
};

/// "SIGSEGV" for SIGSEGV, null for a signal without a name here.
inline const char* signal_name(int signo) {
  for (const auto& entry : signal_names) {
    if (entry.value == signo) return entry.name;
  }
  return nullptr;
}

/// Inverse of signal_name; nullopt for names it could not have produced.
inline std::optional<int> signal_from_name(std::string_view name) {
  for (const auto& entry : signal_names) {
    if (name == entry.name) return entry.value;
  }
  return std::nullopt;
}

/// "ECANCELED" for ECANCELED, "errno:N" for values without a name here.
inline std::string errno_name(int err) {
  for (const auto& entry : errno_names) {
    if (entry.value == err) return entry.name;
  }
  return "errno:" + std::to_string(err);
}

/// Inverse of errno_name; nullopt for anything it could not have produced.
inline std::optional<int> errno_from_name(std::string_view name) {
  for (const auto& entry : errno_names) {
    if (name == entry.name) return entry.value;
  }
  constexpr std::string_view prefix = "errno:";
  if (name.substr(0, prefix.size()) != prefix || name.size() == prefix.size() ||
      name.size() > prefix.size() + 9) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : name.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace canopy::trace::names
