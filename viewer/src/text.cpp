#include <charconv>
#include <cmath>

#include "draw.hpp"

namespace canopy::viewer::detail {

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) value = 0;
  if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0;  // no "-0.0"
  char digits[64];
  auto result = std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed, decimals);
  return std::string(digits, result.ptr);
}

std::string xml_escape(std::string_view text) { return escape_markup(text); }

}  // namespace canopy::viewer::detail

namespace canopy::viewer {

std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace canopy::viewer

namespace canopy::viewer::detail {

std::string script_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string short_function(std::string_view fn) {
  std::size_t end = fn.find('(');
  if (end == std::string_view::npos) end = fn.size();
  while (end > 0 && fn[end - 1] == ' ') --end;
  return end == 0 ? std::string(fn) : std::string(fn.substr(0, end));
}

}  // namespace canopy::viewer::detail
