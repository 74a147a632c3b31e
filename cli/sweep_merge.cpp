// canopy sweep merge: JSON reports merge by SweepReport (failures grouped by
// signature); JUnit files merge test suite by test suite, test cases in seed
// order, suites in the scenario registry's order: the unsharded file.
#include "sweep_merge.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/scenarios/scenario.h"
#include "sim_arguments.hpp"
#include "sweep_json.hpp"

namespace canopy::cli {

namespace {

constexpr const char* usage = "canopy sweep merge [--json OUT] [--junit OUT] SHARD.json|SHARD.xml...";
/// Longest report file read.
constexpr std::size_t max_report_bytes = std::size_t{1} << 30;

bool read_file(const std::string& path, std::string& text, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (text.size() > max_report_bytes) {
    error = path + " is larger than 1 GiB";
    return false;
  }
  return true;
}

bool write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

std::vector<std::string> registry_order() {
  std::vector<std::string> names;
  std::size_t n = 0;
  const scenario* all = scenario_all(&n);
  for (std::size_t i = 0; i < n; ++i) names.emplace_back(all[i].name);
  return names;
}

std::string attribute(std::string_view line, std::string_view name) {
  std::string key = " " + std::string(name) + "=\"";
  std::size_t at = line.find(key);
  if (at == std::string_view::npos) return "";
  at += key.size();
  return std::string(line.substr(at, line.find('"', at) - at));
}

/// One test suite of the JUnit files: its test cases by seed, as text.
struct Suite {
  std::map<std::uint64_t, std::string> cases;  ///< seed -> the testcase element
  std::uint64_t failures = 0;
};

// Reads a JUnit file `canopy sweep --junit` wrote.
bool read_junit(const std::string& path, const std::string& text, std::map<std::string, Suite>& suites,
                std::vector<std::string>& seen, std::string& error) {
  std::istringstream in(text);
  std::string line, suite, block;
  std::uint64_t seed = 0;
  bool in_case = false;
  while (std::getline(in, line)) {
    std::string_view l = line;
    if (l.find("<testsuite ") != std::string_view::npos) {
      suite = attribute(l, "name");
      if (suites.find(suite) == suites.end()) seen.push_back(suite);
      suites[suite];
    } else if (l.find("<testcase ") != std::string_view::npos) {
      std::string name = attribute(l, "name");
      if (suite.empty() || name.rfind("seed ", 0) != 0 || !parse_u64(name.substr(5), seed)) {
        error = path + " has a test case \"" + name + "\" that is not a seed of a suite (not written by canopy sweep?)";
        return false;
      }
      block = line + "\n";
      in_case = l.find("/>") == std::string_view::npos;
      if (!in_case) {
        if (!suites[suite].cases.emplace(seed, block).second) {
          error = "seed " + std::to_string(seed) + " of " + suite + " is in two of the JUnit files";
          return false;
        }
      }
    } else if (in_case) {
      block += line + "\n";
      if (l.find("</testcase>") != std::string_view::npos) {
        in_case = false;
        ++suites[suite].failures;
        if (!suites[suite].cases.emplace(seed, block).second) {
          error = "seed " + std::to_string(seed) + " of " + suite + " is in two of the JUnit files";
          return false;
        }
      }
    }
  }
  if (in_case) {
    error = path + " ends inside a test case";
    return false;
  }
  return true;
}

std::string junit_text(const std::map<std::string, Suite>& suites, std::vector<std::string> order) {
  std::uint64_t tests = 0, failures = 0;
  for (const auto& [name, s] : suites) {
    tests += s.cases.size();
    failures += s.failures;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"canopy sweep\" tests=\"" +
                    std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\">\n";
  for (const std::string& name : order) {
    auto it = suites.find(name);
    if (it == suites.end()) continue;
    // The name is copied from the input, escaped as it was.
    out += "  <testsuite name=\"" + name + "\" tests=\"" + std::to_string(it->second.cases.size()) +
           "\" failures=\"" + std::to_string(it->second.failures) + "\">\n";
    for (const auto& [seed, block] : it->second.cases) out += block;
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

}  // namespace

int sweep_merge(int argc, char** argv) {
  const char* json_out = nullptr;
  const char* junit_out = nullptr;
  std::vector<std::string> json_files, junit_files;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--json" || a == "--junit") {
      if (i + 1 >= argc) return bad(usage, std::string(a) + " needs a file");
      (a == "--json" ? json_out : junit_out) = argv[++i];
    } else if (a.size() > 5 && a.substr(a.size() - 5) == ".json") {
      json_files.emplace_back(a);
    } else if (a.size() > 4 && a.substr(a.size() - 4) == ".xml") {
      junit_files.emplace_back(a);
    } else {
      return bad(usage, "\"" + std::string(a) + "\" is neither a .json report nor a .xml JUnit file");
    }
  }
  if (json_files.empty() && junit_files.empty()) return bad(usage, "which reports? give the shards' files");
  if (json_out != nullptr && json_files.empty()) return bad(usage, "--json needs the shards' .json reports");
  if (junit_out != nullptr && junit_files.empty()) return bad(usage, "--junit needs the shards' .xml files");
  const std::vector<std::string> order = registry_order();
  std::string error, text;

  std::uint64_t failed = 0;
  bool complete = true;
  if (!json_files.empty()) {
    std::optional<SweepReport> merged;
    for (const std::string& path : json_files) {
      if (!read_file(path, text, error)) return bad(usage, error);
      auto r = SweepReport::from_json(text, error);
      if (!r) return bad(usage, path + " is not a sweep report: " + error);
      if (!merged) {
        merged = std::move(*r);
      } else if (!merged->merge(*r, error)) {
        return bad(usage, path + ": " + error);
      }
    }
    merged->order_scenarios(order);
    std::string missing;
    for (std::uint64_t s = 1; s <= merged->shard_count && missing.size() < 200; ++s) {
      bool have = false;
      for (std::uint64_t h : merged->shards) have = have || h == s;
      if (!have) missing += (missing.empty() ? "" : ", ") + std::to_string(s);
    }
    complete = missing.empty();
    for (const FailureGroup& g : merged->failures) {
      std::printf("FAILED %s (%llu run%s, first seed %llu): %s: %s\nreplay: canopy replay '%s'\n", g.scenario.c_str(),
                  static_cast<unsigned long long>(g.count), g.count == 1 ? "" : "s",
                  static_cast<unsigned long long>(g.seeds.front()), g.kind.c_str(),
                  failure_headline(g.whatif, g.report).c_str(), g.replay.c_str());
    }
    failed = merged->failed();
    std::printf("%llu runs, %llu failed, %zu distinct failure%s (%s %s, %zu of %llu shards%s)\n",
                static_cast<unsigned long long>(merged->runs()), static_cast<unsigned long long>(failed),
                merged->failures.size(), merged->failures.size() == 1 ? "" : "s", merged->target.c_str(),
                merged->seeds.c_str(), merged->shards.size(), static_cast<unsigned long long>(merged->shard_count),
                complete ? "" : ("; missing " + missing).c_str());
    if (json_out != nullptr && !write_file(json_out, merged->to_json())) {
      std::fprintf(stderr, "canopy: cannot write %s: %s\n", json_out, std::strerror(errno));
      return 2;
    }
  }
  if (!junit_files.empty()) {
    std::map<std::string, Suite> suites;
    std::vector<std::string> seen;
    for (const std::string& path : junit_files) {
      if (!read_file(path, text, error)) return bad(usage, error);
      if (!read_junit(path, text, suites, seen, error)) return bad(usage, error);
    }
    std::vector<std::string> suite_order;
    for (const std::string& name : order)
      if (suites.count(name) != 0) suite_order.push_back(name);
    for (const std::string& name : seen) {
      bool listed = false;
      for (const std::string& n : suite_order) listed = listed || n == name;
      if (!listed) suite_order.push_back(name);
    }
    std::uint64_t junit_failed = 0;
    for (const auto& [name, s] : suites) junit_failed += s.failures;
    if (json_files.empty()) {
      std::uint64_t tests = 0;
      for (const auto& [name, s] : suites) tests += s.cases.size();
      std::printf("%llu test cases, %llu failed, from %zu JUnit files\n", static_cast<unsigned long long>(tests),
                  static_cast<unsigned long long>(junit_failed), junit_files.size());
      failed = junit_failed;
    }
    if (junit_out != nullptr && !write_file(junit_out, junit_text(suites, suite_order))) {
      std::fprintf(stderr, "canopy: cannot write %s: %s\n", junit_out, std::strerror(errno));
      return 2;
    }
  }
  if (!complete) {
    std::fprintf(stderr, "canopy: shards are missing: the merged report covers only part of the sweep\n");
    return 2;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace canopy::cli
