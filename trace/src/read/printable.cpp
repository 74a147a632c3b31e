// Text from traces, made safe to show on a terminal.
#include "../common/line_format.hpp"
#include "canopy/trace/read.hpp"

namespace canopy::trace {

std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (std::size_t length = line::utf8_sequence_length(text, i); length == 0) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      // U+0080..U+009F: the C1 controls (0x9b is a terminal's CSI).
      const auto code = static_cast<unsigned char>(text[i + 1]);
      out += "\\u00";
      out += hex[code >> 4];
      out += hex[code & 15];
      ++i;
    } else {
      out.append(text.data() + i, length);
      i += length - 1;
    }
  }
  return out;
}

}  // namespace canopy::trace
