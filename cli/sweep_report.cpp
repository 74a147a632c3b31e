// The sweep's HTML report. Each detailed failure is run again under the
// simulator (its replay line repeats it exactly), recorded, shrunk, drawn,
// and compared with the nearest passing seed of the same scenario.
#include "sweep_report.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <algorithm>

#include "canopy/sim/outcome.hpp"
#include "canopy/trace/model.hpp"
#include "canopy/trace/read.hpp"
#include "canopy/viewer/diff.hpp"
#include "canopy/viewer/render.hpp"
#include "scenario_run.hpp"

namespace canopy::cli {
namespace {

/// Replays tried while shrinking one failure.
constexpr std::uint64_t shrink_runs = 500;

std::string escape(const std::string& text) { return viewer::escape_markup(text); }

// The sweep's mode, as a reader would name it: the strategy and what was
// injected.
std::string mode_of(const sim::options& o) {
  std::string mode = sim::to_string(o.strategy);
  if (o.directed_cancel) mode += " + directed cancel";
  if (o.whatif_cancel) mode += " + what-if cancel";
  if (o.whatif_timeout) mode += " + what-if timeout";
  if (o.jitter_ms > 0) mode += " + jitter " + std::to_string(o.jitter_ms) + " ms";
  if (o.slow_ms > 0) mode += " + slow steps " + std::to_string(o.slow_ms) + " ms";
  if (o.net_reset || o.net_refuse || o.net_partition) mode += " + network faults";
  return mode;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

std::optional<trace::Model> model_of(const std::string& path) {
  trace::ParseResult parsed = trace::read_trace_file(path);
  if (!parsed.ok) return std::nullopt;
  return trace::build_model(std::move(parsed.trace));
}

// One failure, run again and drawn; returns its section of the page.
std::string failure_section(const std::string& dir, std::size_t n, const SweepItem& item, const SweepResult& result,
                            const std::optional<SweepItem>& nearest_pass, const sim::options& base) {
  const std::string stem = "failure-" + std::to_string(n);
  std::string section = "<section class=\"failure\" id=\"" + stem + "\"><h3>" + escape(item.sc->name) + " seed " +
                        std::to_string(item.seed) + ": " + escape(result.kind) +
                        (is_whatif(result) ? " (after a what-if injection: not a real execution)" : "") + "</h3>\n" +
                        (is_whatif(result) ? "<p class=\"whatif\">what-if: " + escape(result.whatif) + "</p>\n" : "") +
                        "<pre class=\"report\">" +
                        escape(result.report) + "</pre>\n<p>replay: <code>canopy replay '" + escape(result.replay) +
                        "'</code></p>\n";
  std::string error;
  std::optional<sim::options> options = sim::options::from_replay(result.replay, error);
  if (!options) {
    sim::options named = base;
    named.seed = item.seed;
    options = named;
  }
  options->scenario = item.sc->name;
  const std::string trace_path = dir + "/" + stem + ".trace";
  sim::outcome again = record_scenario(*item.sc, *options, trace_path.c_str(), nullptr, error);
  if (!error.empty()) return section + "<p>could not record the run again: " + escape(error) + "</p></section>\n";
  if (again.passed) {
    section += "<p><b>Run again in this process, it passed</b>: the failure depends on more than the replay line "
               "(a worker that died outside the simulator's reach?).</p>\n";
  } else {
    const sim::outcome shrunk = shrink_scenario(*item.sc, *options, again, shrink_runs);
    if (!shrunk.passed && shrunk.replay != again.replay) {
      section += "<p>shrunk replay: <code>canopy replay '" + escape(shrunk.replay) + "'</code></p>\n";
      if (auto shrunk_options = sim::options::from_replay(shrunk.replay, error)) {
        shrunk_options->scenario = item.sc->name;
        record_scenario(*item.sc, *shrunk_options, trace_path.c_str(), nullptr, error);
      }
    } else {
      section += "<p>shrunk replay: the same (nothing smaller fails the same way)</p>\n";
    }
  }
  std::optional<trace::Model> failing = model_of(trace_path);
  if (failing) {
    write_text(dir + "/" + stem + ".html", viewer::render_html(*failing));
    section += "<p><a href=\"" + stem + ".html\">lifetime diagram</a> \xC2\xB7 <a href=\"" + stem + ".trace\">trace</a>";
  }
  if (!nearest_pass) {
    section += failing ? "</p>\n" : "";
    return section + "<p>No run of this scenario passed in the sweep: nothing to compare with.</p></section>\n";
  }
  sim::options passing = base;
  passing.seed = nearest_pass->seed;
  passing.scenario = nearest_pass->sc->name;
  const std::string pass_path = dir + "/" + stem + "-pass.trace";
  record_scenario(*nearest_pass->sc, passing, pass_path.c_str(), nullptr, error);
  std::optional<trace::Model> passed = model_of(pass_path);
  if (failing && passed) {
    const viewer::DiffResult difference = viewer::diff(failing->trace, passed->trace);
    write_text(dir + "/" + stem + "-diff.html", viewer::render_diff_html(*failing, *passed, difference));
    section += " \xC2\xB7 <a href=\"" + stem + "-diff.html\">diff against seed " + std::to_string(nearest_pass->seed) +
               " (passed)</a></p>\n<pre class=\"diff\">" + escape(difference.report) + "</pre>\n";
  } else if (failing) {
    section += "</p>\n";
  }
  return section + "</section>\n";
}

// The cancellation coverage as a picture: one row per blocking call site,
// a bar for the runs that reached it and, over it, the runs in which a
// close landed there; sites no close reached are red.
std::string coverage_picture(const sim::cancellation_coverage& coverage) {
  constexpr int row_px = 18, label_px = 520, bar_px = 420;
  constexpr std::size_t max_rows = 400;
  std::uint64_t most = 1;
  for (const auto& [site, tally] : coverage.sites()) most = std::max(most, tally.runs_reached);
  const std::size_t rows = std::min(coverage.sites().size(), max_rows);
  std::string svg = "<svg class=\"coverage\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(label_px + bar_px + 160) + "\" height=\"" +
                    std::to_string(static_cast<int>(rows) * row_px + 30) +
                    "\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"11\">\n"
                    "<text x=\"" + std::to_string(label_px) + "\" y=\"12\" fill=\"#455a64\">runs that reached the site "
                    "(grey) and in which a close landed there (green); red: no close reached it</text>\n";
  // Unreached sites first: they are the cleanup paths no run tested.
  std::vector<std::pair<std::string, sim::site_tally>> ordered;
  for (const auto& [site, tally] : coverage.sites()) {
    if (tally.runs_closed == 0) ordered.emplace_back(site, tally);
  }
  for (const auto& [site, tally] : coverage.sites()) {
    if (tally.runs_closed != 0) ordered.emplace_back(site, tally);
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const auto& [site, tally] = ordered[i];
    const int y = 20 + static_cast<int>(i) * row_px;
    const auto width = [&](std::uint64_t runs) {
      return std::to_string(std::max<std::uint64_t>(1, runs * bar_px / most));
    };
    const bool unreached = tally.runs_closed == 0;
    std::string shown = site.size() > 80 ? site.substr(0, 79) + "\xE2\x80\xA6" : site;
    svg += "<g data-kind=\"coverage\" data-site=\"" + escape(site) + "\" data-runs-reached=\"" +
           std::to_string(tally.runs_reached) + "\" data-runs-closed=\"" + std::to_string(tally.runs_closed) +
           "\"><title>" + escape(site) + ": reached in " + std::to_string(tally.runs_reached) + " runs (" +
           std::to_string(tally.calls) + " calls), closed in " + std::to_string(tally.runs_closed) + " runs (" +
           std::to_string(tally.closes) + " closes)</title>";
    svg += "<text x=\"" + std::to_string(label_px - 6) + "\" y=\"" + std::to_string(y + 12) + "\" text-anchor=\"end\" fill=\"" +
           (unreached ? "#c62828" : "#212121") + "\">" + escape(shown) + "</text>";
    svg += "<rect x=\"" + std::to_string(label_px) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" +
           width(tally.runs_reached) + "\" height=\"12\" fill=\"" + (unreached ? "#ef9a9a" : "#cfd8dc") + "\"/>";
    if (!unreached) {
      svg += "<rect x=\"" + std::to_string(label_px) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" +
             width(tally.runs_closed) + "\" height=\"12\" fill=\"#43a047\"/>";
    }
    svg += "<text x=\"" + std::to_string(label_px + bar_px + 8) + "\" y=\"" + std::to_string(y + 12) +
           "\" fill=\"#455a64\">" + std::to_string(tally.runs_closed) + " / " + std::to_string(tally.runs_reached) +
           "</text></g>\n";
  }
  svg += "</svg>\n";
  std::string section = "<h2>Cancellation coverage</h2>\n<p>" + std::to_string(coverage.runs()) + " runs, " +
                        std::to_string(coverage.sites().size()) + " blocking call sites, " +
                        std::to_string(coverage.unreached()) + " that no close reached.";
  if (coverage.sites().size() > rows) {
    section += " The first " + std::to_string(rows) + " are drawn.";
  }
  return section + "</p>\n" + svg;
}

}  // namespace

bool write_sweep_report(const std::string& dir, const std::vector<SweepItem>& items,
                        const std::vector<SweepResult>& results, const sim::options& base,
                        const sim::cancellation_coverage* coverage, std::string& error) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  struct Counts {
    std::size_t runs = 0;
    std::size_t failed = 0;
    std::size_t whatif = 0;  ///< of the failed: after a what-if injection
    std::map<std::string, std::size_t> kinds;
  };
  const std::string mode = mode_of(base);
  std::map<std::string, Counts> per_scenario;
  std::vector<std::size_t> failures;
  for (std::size_t i = 0; i < items.size() && i < results.size(); ++i) {
    Counts& counts = per_scenario[items[i].sc->name];
    ++counts.runs;
    if (results[i].passed) continue;
    ++counts.failed;
    counts.whatif += is_whatif(results[i]) ? 1 : 0;
    ++counts.kinds[results[i].kind];
    failures.push_back(i);
  }
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>canopy sweep report</title>\n"
      "<style>body{font:14px system-ui,sans-serif;margin:1.5em;max-width:80em}"
      "table{border-collapse:collapse}td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}"
      "td.n{text-align:right}.bad{color:#c62828;font-weight:bold}.ok{color:#2e7d32}"
      "pre{background:#eceff1;padding:.5em;white-space:pre-wrap}section.failure{border-left:4px solid #c62828;"
      "padding-left:1em;margin:1.5em 0}code{background:#eceff1;padding:0 .3em}</style>\n</head>\n<body>\n";
  page += "<h1>canopy sweep: " + std::to_string(items.size()) + " runs, " +
          (failures.empty() ? std::string("<span class=\"ok\">none failed</span>")
                            : "<span class=\"bad\">" + std::to_string(failures.size()) + " failed</span>") +
          "</h1>\n<h2>Per scenario and mode</h2>\n<table id=\"counts\"><tr><th>scenario</th><th>mode</th><th>runs</th>"
          "<th>passed</th><th>failed</th><th>of which what-if</th><th>how they failed</th></tr>\n";
  for (const auto& [name, counts] : per_scenario) {
    std::string kinds;
    for (const auto& [kind, count] : counts.kinds) {
      kinds += (kinds.empty() ? "" : ", ") + escape(kind) + " \xC3\x97" + std::to_string(count);
    }
    page += "<tr><td>" + escape(name) + "</td><td>" + escape(mode) + "</td><td class=\"n\">" +
            std::to_string(counts.runs) + "</td><td class=\"n\">" + std::to_string(counts.runs - counts.failed) +
            "</td><td class=\"n" + (counts.failed != 0 ? " bad" : "") + "\">" + std::to_string(counts.failed) +
            "</td><td class=\"n\">" + std::to_string(counts.whatif) + "</td><td>" + kinds + "</td></tr>\n";
  }
  page += "</table>\n";
  if (coverage != nullptr) page += coverage_picture(*coverage);
  if (!failures.empty()) page += "<h2>Failures</h2>\n";
  for (std::size_t n = 0; n < failures.size(); ++n) {
    const std::size_t i = failures[n];
    if (n >= report_detailed_failures) {
      if (n == report_detailed_failures) page += "<h3>The other failures</h3>\n<ul>\n";
      page += "<li>" + escape(items[i].sc->name) + " seed " + std::to_string(items[i].seed) + ": " +
              escape(results[i].kind) + " \xE2\x80\x94 <code>canopy replay '" + escape(results[i].replay) +
              "'</code></li>\n";
      if (n + 1 == failures.size()) page += "</ul>\n";
      continue;
    }
    // The passing run of the same scenario with the nearest seed.
    std::optional<SweepItem> nearest;
    std::uint64_t distance = 0;
    for (std::size_t j = 0; j < items.size() && j < results.size(); ++j) {
      if (!results[j].passed || items[j].sc != items[i].sc) continue;
      const std::uint64_t d = items[j].seed > items[i].seed ? items[j].seed - items[i].seed : items[i].seed - items[j].seed;
      if (!nearest || d < distance) {
        nearest = items[j];
        distance = d;
      }
    }
    page += failure_section(dir, n + 1, items[i], results[i], nearest, base);
  }
  page += "</body>\n</html>\n";
  if (!write_text(dir + "/index.html", page)) {
    error = "cannot write " + dir + "/index.html: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace canopy::cli
