// What the WebSocket handshake computes: SHA-1 and base64 (RFC 3174, 4648)
// and random bytes, kept here so that WebSockets need no crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace canopy::net::proto {

using Sha1Digest = std::array<std::uint8_t, 20>;

/// SHA-1 of the concatenation of `parts`.
Sha1Digest sha1(std::initializer_list<std::string_view> parts) noexcept;

/// Base64 of [data, data + n) with padding, zero-terminated into `out`
/// of `cap` bytes; -1 if it does not fit.
int base64_encode(const std::uint8_t* data, std::size_t n, char* out, std::size_t cap) noexcept;

/// Decodes padded base64 into `out`; the byte count, or -1 for text that
/// is not base64 or does not fit.
int base64_decode(std::string_view text, std::uint8_t* out, std::size_t cap) noexcept;

/// Fills `out` with random bytes: the kernel's, or under the simulator the
/// seed's (masks and keys then repeat with the seed); -1 with errno.
int random_bytes(void* out, std::size_t n) noexcept;

}  // namespace canopy::net::proto
