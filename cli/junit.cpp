#include "junit.hpp"

#include <cstdio>

#include "canopy/viewer/render.hpp"
#include "sweep_json.hpp"

namespace canopy::cli {

using viewer::escape_markup;

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
    std::fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\">\n", escape_markup(sc->name).c_str(), tests, failures);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].sc != sc) continue;
      const SweepResult& r = results[i];
      std::fprintf(f, "    <testcase classname=\"%s\" name=\"seed %llu\"", escape_markup(sc->name).c_str(),
                   static_cast<unsigned long long>(items[i].seed));
      if (r.passed) {
        std::fprintf(f, "/>\n");
      } else {
        const std::string whatif = r.whatif.empty() ? "" : "what-if: " + r.whatif + "\n";
        std::fprintf(f, ">\n      <failure type=\"%s\" message=\"%s\">%s%s\nreplay: canopy replay '%s'</failure>\n    </testcase>\n",
                     escape_markup(r.kind).c_str(), escape_markup(failure_headline(r.whatif, r.report)).c_str(),
                     escape_markup(whatif).c_str(), escape_markup(r.report).c_str(), escape_markup(r.replay).c_str());
      }
    }
    std::fprintf(f, "  </testsuite>\n");
  }
  std::fprintf(f, "</testsuites>\n");
  return std::fclose(f) == 0;
}

}  // namespace canopy::cli
