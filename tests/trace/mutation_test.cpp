// Thousands of deterministic corruptions of a valid trace: the parser must
// never crash and must either succeed or name a line that exists.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "canopy/trace/lint.hpp"
#include "canopy/trace/read.hpp"
#include "support.hpp"

using namespace canopy;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::string mutate(const std::string& original, std::mt19937_64& random) {
  std::string text = original;
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(random() % n); };
  switch (random() % 6) {
    case 0:  // truncate anywhere
      text.resize(pick(text.size() + 1));
      break;
    case 1:  // flip a few bytes
      for (int i = 0, n = 1 + static_cast<int>(random() % 4); i < n && !text.empty(); ++i) {
        text[pick(text.size())] ^= static_cast<char>(1 + random() % 255);
      }
      break;
    case 2: {  // delete a line
      auto lines = split_lines(text);
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(pick(lines.size())));
      text = join_lines(lines);
      break;
    }
    case 3: {  // swap two lines
      auto lines = split_lines(text);
      std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
      text = join_lines(lines);
      break;
    }
    case 4: {  // duplicate a line
      auto lines = split_lines(text);
      const std::size_t at = pick(lines.size());
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), lines[at]);
      text = join_lines(lines);
      break;
    }
    default: {  // replace a digit or a quote with structure characters
      static constexpr char junk[] = "{}[]\":,-0e.\\n\0";
      for (int i = 0; i < 3 && !text.empty(); ++i) text[pick(text.size())] = junk[pick(sizeof junk - 1)];
      break;
    }
  }
  return text;
}

}  // namespace

TEST_CASE("Thousands of corrupted traces never crash the parser and every error names a line") {
  const std::vector<std::string> fixtures = {test::read_fixture("traces/bundle_cancel.trace"),
                                             test::read_fixture("traces/leaky.trace"),
                                             test::read_fixture("traces/pipeline.trace")};
  std::mt19937_64 random(20240601);  // fixed: the same mutations every run
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  for (int round = 0; round < 4000; ++round) {
    const std::string& original = fixtures[static_cast<std::size_t>(round) % fixtures.size()];
    std::string text = mutate(original, random);
    if (round % 3 == 0) text = mutate(text, random);  // some get two corruptions
    const std::size_t line_count = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    trace::ParseResult result = trace::parse_trace(text);
    if (result.ok) {
      ++accepted;
      // What parses must also rebuild and lint without trouble.
      trace::Model model = trace::build_model(std::move(result.trace));
      (void)trace::lint(model);
    } else {
      ++rejected;
      INFO("round " << round << ": " << result.error.message);
      REQUIRE(result.error.line >= 1);
      REQUIRE(result.error.line <= line_count);
      REQUIRE_FALSE(result.error.message.empty());
    }
  }
  CHECK(rejected > 1000);
  CHECK(accepted > 0);
}
