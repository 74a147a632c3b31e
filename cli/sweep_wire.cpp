#include "sweep_wire.hpp"

#include <vector>

#include "sim_arguments.hpp"

namespace canopy::cli {

namespace {

std::string escape_field(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_field(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string encode_result(std::size_t index, const SweepResult& result) {
  return std::to_string(index) + "\t" + (result.passed ? "1" : "0") + "\t" + result.kind + "\t" +
         escape_field(result.whatif) + "\t" + escape_field(result.replay) + "\t" + escape_field(result.report) + "\n";
}

bool decode_result(std::string_view line, std::size_t count, std::size_t& index, SweepResult& result) {
  std::vector<std::string_view> fields;
  std::string_view rest = line;
  for (int k = 0; k < 5; ++k) {
    std::size_t tab = rest.find('\t');
    if (tab == std::string_view::npos) return false;
    fields.push_back(rest.substr(0, tab));
    rest = rest.substr(tab + 1);
  }
  fields.push_back(rest);
  std::uint64_t value = 0;
  if (!parse_u64(fields[0], value) || value >= count) return false;
  index = static_cast<std::size_t>(value);
  result.done = true;
  result.passed = fields[1] == "1";
  result.kind = std::string(fields[2]);
  result.whatif = unescape_field(fields[3]);
  result.replay = unescape_field(fields[4]);
  result.report = unescape_field(fields[5]);
  return true;
}

}  // namespace canopy::cli
