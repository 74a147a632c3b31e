#include "ws_keys.hpp"

#include <cerrno>
#include <cstring>

#include "../system.hpp"

namespace canopy::net::proto {
namespace {

std::uint32_t rotl(std::uint32_t x, int n) noexcept { return (x << n) | (x >> (32 - n)); }

/// The running state of one SHA-1 computation.
struct Sha1 {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};  ///< the chaining value
  std::uint8_t block[64] = {};  ///< the block being filled
  std::size_t used = 0;         ///< bytes of it filled
  std::uint64_t total = 0;      ///< bytes hashed so far

  void compress() noexcept {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = std::uint32_t{block[4 * i]} << 24 | std::uint32_t{block[4 * i + 1]} << 16 |
             std::uint32_t{block[4 * i + 2]} << 8 | block[4 * i + 3];
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    used = 0;
  }
  void add(std::uint8_t byte) noexcept {
    block[used++] = byte;
    if (used == 64) compress();
  }
  void add(std::string_view s) noexcept {
    for (char c : s) add(static_cast<std::uint8_t>(c));
    total += s.size();
  }
  Sha1Digest finish() noexcept {
    std::uint64_t bits = total * 8;
    add(std::uint8_t{0x80});
    while (used != 56) add(std::uint8_t{0});
    for (int i = 7; i >= 0; --i) add(static_cast<std::uint8_t>(bits >> (8 * i)));
    Sha1Digest out;
    for (int i = 0; i < 20; ++i) out[i] = static_cast<std::uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
    return out;
  }
};

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) noexcept {
  const char* at = std::strchr(kAlphabet, c);
  return c != 0 && at ? static_cast<int>(at - kAlphabet) : -1;
}

}  // namespace

Sha1Digest sha1(std::initializer_list<std::string_view> parts) noexcept {
  Sha1 s;
  for (std::string_view p : parts) s.add(p);
  return s.finish();
}

int base64_encode(const std::uint8_t* data, std::size_t n, char* out, std::size_t cap) noexcept {
  std::size_t need = (n + 2) / 3 * 4 + 1;
  if (cap < need) return -1;
  std::size_t o = 0;
  for (std::size_t i = 0; i < n; i += 3) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (i + 1 < n) v |= std::uint32_t{data[i + 1]} << 8;
    if (i + 2 < n) v |= data[i + 2];
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
    out[o++] = i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  out[o] = 0;
  return 0;
}

int base64_decode(std::string_view text, std::uint8_t* out, std::size_t cap) noexcept {
  if (text.size() % 4 != 0) return -1;
  std::size_t o = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=' && text[i + 3] == '=') : 0;
    std::uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      int s = j >= 4 - pad ? 0 : sextet(text[i + j]);
      if (s < 0) return -1;
      v = v << 6 | static_cast<std::uint32_t>(s);
    }
    int bytes = 3 - pad;
    if (o + bytes > cap) return -1;
    for (int j = 0; j < bytes; ++j) out[o++] = static_cast<std::uint8_t>(v >> (16 - 8 * j));
  }
  return static_cast<int>(o);
}

int random_bytes(void* out, std::size_t n) noexcept { return sys::random_bytes(out, n); }


}  // namespace canopy::net::proto
