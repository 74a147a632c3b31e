#include "sweep_json.hpp"

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

namespace canopy::cli {

namespace {

using json = nlohmann::json;

ScenarioCount& count_for(std::vector<ScenarioCount>& counts, const std::string& name) {
  for (ScenarioCount& c : counts)
    if (c.name == name) return c;
  counts.push_back({name, 0, 0});
  return counts.back();
}

std::size_t scenario_rank(const std::vector<ScenarioCount>& counts, const std::string& name) {
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i].name == name) return i;
  return counts.size();
}

void sort_groups(SweepReport& r) {
  std::stable_sort(r.failures.begin(), r.failures.end(), [&](const FailureGroup& a, const FailureGroup& b) {
    std::size_t ra = scenario_rank(r.scenarios, a.scenario), rb = scenario_rank(r.scenarios, b.scenario);
    if (ra != rb) return ra < rb;
    if (a.seeds.front() != b.seeds.front()) return a.seeds.front() < b.seeds.front();
    return a.signature < b.signature;
  });
}

// Folds `g` into the group of its signature in `groups` (or adds it).
void fold(std::vector<FailureGroup>& groups, const FailureGroup& g) {
  for (FailureGroup& mine : groups) {
    if (mine.signature != g.signature) continue;
    if (g.seeds.front() < mine.seeds.front()) {
      mine.whatif = g.whatif;
      mine.report = g.report;
      mine.replay = g.replay;
    }
    mine.count += g.count;
    mine.seeds.insert(mine.seeds.end(), g.seeds.begin(), g.seeds.end());
    std::sort(mine.seeds.begin(), mine.seeds.end());
    mine.seeds.erase(std::unique(mine.seeds.begin(), mine.seeds.end()), mine.seeds.end());
    if (mine.seeds.size() > SweepReport::max_listed_seeds) mine.seeds.resize(SweepReport::max_listed_seeds);
    return;
  }
  groups.push_back(g);
}

}  // namespace

std::string failure_headline(const std::string& whatif, const std::string& report) {
  return (whatif.empty() ? "" : "(what-if) ") + report.substr(0, report.find('\n'));
}

std::string failure_signature(const std::string& scenario, const std::string& kind, const std::string& whatif,
                              const std::string& report) {
  const std::string first = failure_headline(whatif, report);
  std::string s = scenario + "|" + kind + "|";
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i] >= '0' && first[i] <= '9') {
      while (i + 1 < first.size() && first[i + 1] >= '0' && first[i + 1] <= '9') ++i;
      s += 'N';
    } else {
      s += first[i];
    }
  }
  return s;
}

void SweepReport::add(const SweepItem& item, const SweepResult& result) {
  ScenarioCount& c = count_for(scenarios, item.sc->name);
  ++c.runs;
  if (result.passed) return;
  ++c.failed;
  FailureGroup g{failure_signature(item.sc->name, result.kind, result.whatif, result.report), item.sc->name,
                 result.kind, result.whatif, result.report, result.replay, 1, {item.seed}};
  fold(failures, g);
  sort_groups(*this);
}

bool SweepReport::merge(const SweepReport& other, std::string& error) {
  if (other.target != target || other.seeds != seeds || other.settings != settings || other.shard_count != shard_count) {
    error = "the reports are of different sweeps (" + target + " " + seeds + " " + settings + " in " +
            std::to_string(shard_count) + " shards, and " + other.target + " " + other.seeds + " " + other.settings +
            " in " + std::to_string(other.shard_count) + ")";
    return false;
  }
  for (std::uint64_t s : other.shards) {
    if (std::find(shards.begin(), shards.end(), s) != shards.end()) {
      error = "shard " + std::to_string(s) + " of " + std::to_string(shard_count) + " is in two of the reports";
      return false;
    }
  }
  shards.insert(shards.end(), other.shards.begin(), other.shards.end());
  std::sort(shards.begin(), shards.end());
  for (const ScenarioCount& c : other.scenarios) {
    ScenarioCount& mine = count_for(scenarios, c.name);
    mine.runs += c.runs;
    mine.failed += c.failed;
  }
  for (const FailureGroup& g : other.failures) fold(failures, g);
  sort_groups(*this);
  return true;
}

void SweepReport::order_scenarios(const std::vector<std::string>& order) {
  auto rank = [&](const std::string& name) {
    for (std::size_t i = 0; i < order.size(); ++i)
      if (order[i] == name) return i;
    return order.size();
  };
  std::stable_sort(scenarios.begin(), scenarios.end(),
                   [&](const ScenarioCount& a, const ScenarioCount& b) { return rank(a.name) < rank(b.name); });
  sort_groups(*this);
}

std::uint64_t SweepReport::runs() const {
  std::uint64_t n = 0;
  for (const ScenarioCount& c : scenarios) n += c.runs;
  return n;
}

std::uint64_t SweepReport::failed() const {
  std::uint64_t n = 0;
  for (const ScenarioCount& c : scenarios) n += c.failed;
  return n;
}

std::string SweepReport::to_json() const {
  json j;
  j["format"] = "canopy-sweep";
  j["version"] = 1;
  j["sweep"] = {{"target", target}, {"seeds", seeds}, {"settings", settings}, {"shard_count", shard_count}};
  j["shards"] = shards;
  j["runs"] = runs();
  j["failed"] = failed();
  json sc = json::array();
  for (const ScenarioCount& c : scenarios) sc.push_back({{"name", c.name}, {"runs", c.runs}, {"failed", c.failed}});
  j["scenarios"] = sc;
  json fs = json::array();
  for (const FailureGroup& g : failures) {
    json f = {{"signature", g.signature}, {"scenario", g.scenario}, {"kind", g.kind}, {"report", g.report},
              {"replay", g.replay}, {"count", g.count}, {"seeds", g.seeds}};
    if (!g.whatif.empty()) f["whatif"] = g.whatif;  // only for a failure after a what-if injection
    fs.push_back(std::move(f));
  }
  j["failures"] = fs;
  return j.dump(1) + "\n";
}

std::optional<SweepReport> SweepReport::from_json(const std::string& text, std::string& error) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not JSON";
    return std::nullopt;
  }
  try {
    if (j.at("format") != "canopy-sweep" || j.at("version") != 1) {
      error = "not a canopy-sweep report of version 1";
      return std::nullopt;
    }
    SweepReport r;
    const json& s = j.at("sweep");
    r.target = s.at("target").get<std::string>();
    r.seeds = s.at("seeds").get<std::string>();
    r.settings = s.at("settings").get<std::string>();
    r.shard_count = s.at("shard_count").get<std::uint64_t>();
    r.shards = j.at("shards").get<std::vector<std::uint64_t>>();
    for (const json& c : j.at("scenarios"))
      r.scenarios.push_back({c.at("name").get<std::string>(), c.at("runs").get<std::uint64_t>(), c.at("failed").get<std::uint64_t>()});
    for (const json& g : j.at("failures")) {
      FailureGroup f{g.at("signature").get<std::string>(), g.at("scenario").get<std::string>(),
                     g.at("kind").get<std::string>(), g.value("whatif", std::string()),
                     g.at("report").get<std::string>(),
                     g.at("replay").get<std::string>(), g.at("count").get<std::uint64_t>(),
                     g.at("seeds").get<std::vector<std::uint64_t>>()};
      if (f.seeds.empty()) {
        error = "a failure group lists no seed";
        return std::nullopt;
      }
      r.failures.push_back(std::move(f));
    }
    if (r.shard_count < 1) {
      error = "shard_count is 0";
      return std::nullopt;
    }
    return r;
  } catch (const json::exception& e) {
    error = std::string("a field is missing or has the wrong type (") + e.what() + ")";
    return std::nullopt;
  }
}

}  // namespace canopy::cli
