#include "junit.hpp"

#include <cstdio>

namespace canopy::cli {

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

bool write_junit(const char* path, const std::vector<SweepItem>& items, const std::vector<SweepResult>& results) {
  std::FILE* f = std::fopen(path, "w");
  if (f == nullptr) return false;
  // One testsuite per scenario, in registry order; test cases in seed order.
  std::vector<const scenario*> order;
  for (const SweepItem& it : items)
    if (order.empty() || order.back() != it.sc) order.push_back(it.sc);
  std::size_t failures_total = 0;
  for (const SweepResult& r : results) failures_total += !r.passed;
  std::fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"canopy sweep\" tests=\"%zu\" failures=\"%zu\">\n",
               items.size(), failures_total);
  for (const scenario* sc : order) {
    std::size_t tests = 0, failures = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].sc != sc) continue;
      ++tests;
      failures += !results[i].passed;
    }
    std::fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\">\n", xml_escape(sc->name).c_str(), tests, failures);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].sc != sc) continue;
      const SweepResult& r = results[i];
      std::fprintf(f, "    <testcase classname=\"%s\" name=\"seed %llu\"", xml_escape(sc->name).c_str(),
                   static_cast<unsigned long long>(items[i].seed));
      if (r.passed) {
        std::fprintf(f, "/>\n");
      } else {
        std::fprintf(f, ">\n      <failure type=\"%s\" message=\"%s\">%s\nreplay: canopy replay '%s'</failure>\n    </testcase>\n",
                     xml_escape(r.kind).c_str(), xml_escape(r.report.substr(0, r.report.find('\n'))).c_str(),
                     xml_escape(r.report).c_str(), xml_escape(r.replay).c_str());
      }
    }
    std::fprintf(f, "  </testsuite>\n");
  }
  std::fprintf(f, "</testsuites>\n");
  return std::fclose(f) == 0;
}

}  // namespace canopy::cli
